"""Grafana dashboards and provisioning, checked offline (no Grafana server here).

Dashboards validate against the Grafana JSON schemas in ../shared/grafana, each
panel's options against its panel type's schema; every expression parses
(promtool) and names only metrics that exist; every datasource is provisioned.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "deploy" / "grafana"
SCHEMAS = ROOT.parent / "shared" / "grafana"
DASHBOARD_FILES = sorted((GRAFANA / "dashboards").glob("*.json"))
EXPECTED_DASHBOARDS = {"streamproc-ops.json", "brand-watch.json"}

# panel type -> schema file in ../shared/grafana
PANEL_SCHEMAS = {
    "timeseries": "timeseries",
    "stat": "stat",
    "table": "table",
    "piechart": "piechart",
    "state-timeline": "statetimeline",
    "gauge": "gauge",
    "bargauge": "bargauge",
    "heatmap": "heatmap",
    "text": "text",
}
_LABEL_VALUES = re.compile(r"^label_values\((.*),\s*[A-Za-z_]\w*\)$", re.DOTALL)
_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_]\w*)(?::\w+)?\}|([A-Za-z_]\w*))")


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def walk(node: Any) -> Iterator[Any]:
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        yield from walk(child)


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])


def expressions(dashboard: dict[str, Any]) -> dict[str, str]:
    """Every PromQL expression of a dashboard, named by where it is."""
    found: dict[str, str] = {}
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            found[f"panel {panel['id']} {target['refId']}"] = target["expr"]
    for annotation in dashboard["annotations"]["list"]:
        found[f"annotation {annotation['name']}"] = annotation["expr"]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            match = _LABEL_VALUES.match(variable["query"])
            found[f"variable {variable['name']}"] = match.group(1) if match else variable["query"]
    return found


def jsonschema_module() -> Any:
    try:
        import jsonschema  # optional until it is in the dev extra
    except ImportError:
        reason = "jsonschema not installed (dev extra)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return jsonschema


def schema(name: str) -> dict[str, Any]:
    path = SCHEMAS / f"{name}.jsonschema.json"
    if not path.exists():
        pytest.fail(f"{path} missing: ../shared must be beside the project")
    result: dict[str, Any] = load_json(path)
    return result


def validate(instance: Any, schema_document: dict[str, Any], definition: str | None) -> list[str]:
    jsonschema = jsonschema_module()
    root = (
        schema_document
        if definition is None
        else {
            "$ref": f"#/definitions/{definition}",
            "definitions": schema_document["definitions"],
        }
    )
    validator = jsonschema.Draft7Validator(root)
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(instance)
    ]


def provisioned_datasource_uids() -> set[str]:
    uids: set[str] = set()
    for path in (GRAFANA / "provisioning" / "datasources").glob("*.yml"):
        uids |= {d["uid"] for d in yaml.safe_load(path.read_text(encoding="utf-8"))["datasources"]}
    return uids


@pytest.fixture(params=DASHBOARD_FILES, ids=lambda p: p.name)
def dashboard(request: pytest.FixtureRequest) -> dict[str, Any]:
    result: dict[str, Any] = load_json(request.param)
    return result


def test_both_dashboards_are_there() -> None:
    assert {p.name for p in DASHBOARD_FILES} == EXPECTED_DASHBOARDS


def test_dashboard_validates_against_grafana_schema(dashboard: dict[str, Any]) -> None:
    assert validate(dashboard, schema("dashboard"), None) == []


def test_panel_options_validate_against_their_panel_schema(dashboard: dict[str, Any]) -> None:
    errors = []
    for panel in panels(dashboard):
        if panel["type"] == "row":
            continue
        assert panel["type"] in PANEL_SCHEMAS, f"no schema for panel type {panel['type']}"
        document = schema(PANEL_SCHEMAS[panel["type"]])
        where = f"panel {panel['id']} {panel['title']!r}"
        errors += [f"{where} options {e}" for e in validate(panel["options"], document, "Options")]
        custom = panel["fieldConfig"]["defaults"].get("custom")
        if custom is not None:
            assert "FieldConfig" in document["definitions"], where
            errors += [f"{where} custom {e}" for e in validate(custom, document, "FieldConfig")]
    assert errors == []


def test_targets_validate_against_the_prometheus_query_schema(
    dashboard: dict[str, Any],
) -> None:
    document = schema("prometheus")
    errors = [
        f"panel {panel['id']} {target['refId']}: {error}"
        for panel in panels(dashboard)
        for target in panel.get("targets", [])
        for error in validate(target, document, None)
    ]
    assert errors == []


def test_layout_ids_and_uids(dashboard: dict[str, Any]) -> None:
    ids = [panel["id"] for panel in panels(dashboard)]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in panels(dashboard):
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24, panel["title"]
    assert re.fullmatch(r"[a-z0-9-]{8,40}", dashboard["uid"])


def test_dashboard_uids_are_distinct_and_links_resolve() -> None:
    boards = [load_json(path) for path in DASHBOARD_FILES]
    uids = {board["uid"] for board in boards}
    assert len(uids) == len(boards)
    for board in boards:
        for link in board.get("links", []):
            target = re.match(r"/d/([\w-]+)", link["url"])
            assert target is not None, link
            assert target.group(1) in uids, link


def test_every_datasource_is_provisioned(dashboard: dict[str, Any]) -> None:
    provisioned = provisioned_datasource_uids()
    assert provisioned == {"prometheus"}
    used = {
        node["datasource"]["uid"]
        for node in walk(dashboard)
        if isinstance(node, dict) and isinstance(node.get("datasource"), dict)
    }
    assert used == provisioned
    for panel in panels(dashboard):
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] in provisioned, panel["title"]
            for target in panel["targets"]:
                assert target["datasource"]["uid"] in provisioned, panel["title"]


def test_expressions_name_only_metrics_that_exist(
    dashboard: dict[str, Any],
    known_metric_names: frozenset[str],
    promql_names: Callable[[str], set[str]],
    grafana_substitute: Callable[[str], str],
) -> None:
    unknown = {}
    for where, expr in expressions(dashboard).items():
        names = promql_names(grafana_substitute(expr))
        assert names, f"{where}: names no metric"
        if names - known_metric_names:
            unknown[where] = sorted(names - known_metric_names)
    assert unknown == {}


def test_variables_used_are_defined(
    dashboard: dict[str, Any], grafana_substitute: Callable[[str], str]
) -> None:
    defined = {variable["name"] for variable in dashboard["templating"]["list"]}
    for where, expr in expressions(dashboard).items():
        used = {a or b for a, b in _VARIABLE.findall(expr)}
        assert used - {"__rate_interval", "__range", "__interval"} <= defined, where
        assert "$" not in grafana_substitute(expr), where


@pytest.mark.prometheus
def test_expressions_parse(
    dashboard: dict[str, Any],
    check_expressions: Callable[[dict[str, str]], str],
    grafana_substitute: Callable[[str], str],
) -> None:
    found = {where: grafana_substitute(expr) for where, expr in expressions(dashboard).items()}
    output = check_expressions(found)
    assert f"SUCCESS: {len(found)} rules found" in output


def test_brand_watch_is_about_the_chosen_brand() -> None:
    board = load_json(GRAFANA / "dashboards" / "brand-watch.json")
    [variable] = [v for v in board["templating"]["list"] if v["name"] == "brand"]
    assert variable["type"] == "query"
    assert variable["multi"] is False
    for where, expr in expressions(board).items():
        if not where.startswith("variable"):
            assert 'brand="$brand"' in expr, where
    assert {a["name"] for a in board["annotations"]["list"]} >= {"Incident opened", "Resolved"}
    types = {panel["type"] for panel in panels(board)}
    assert {"timeseries", "stat", "piechart", "state-timeline", "table"} <= types


def test_provisioning_files() -> None:
    datasources = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text(encoding="utf-8")
    )
    [source] = datasources["datasources"]
    assert (source["type"], source["uid"], source["url"]) == (
        "prometheus",
        "prometheus",
        "http://prometheus:9090",
    )
    providers = yaml.safe_load(
        (GRAFANA / "provisioning" / "dashboards" / "streamproc.yml").read_text(encoding="utf-8")
    )
    [provider] = providers["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"
