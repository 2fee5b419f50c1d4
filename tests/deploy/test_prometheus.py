"""Prometheus config and rules: promtool checks and unit tests, and what they name."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus"
CONFIG = PROMETHEUS / "prometheus.yml"
RULES = PROMETHEUS / "rules" / "streamproc.rules.yml"
RULE_TESTS = PROMETHEUS / "rules" / "streamproc.rules.test.yml"
RUNBOOKS = PROMETHEUS / "runbooks.md"

SEVERITIES = {"warning", "critical"}
REQUIRED_ANNOTATIONS = {"summary", "description", "runbook_url"}


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def all_rules() -> list[dict[str, Any]]:
    return [rule for group in load(RULES)["groups"] for rule in group["rules"]]


def alerting_rules() -> list[dict[str, Any]]:
    return [rule for rule in all_rules() if "alert" in rule]


def rule_id(rule: dict[str, Any]) -> str:
    return str(rule.get("alert") or rule.get("record"))


@pytest.mark.prometheus
def test_promtool_check_config(run_promtool: Callable[..., str]) -> None:
    output = run_promtool("check", "config", CONFIG.name, cwd=PROMETHEUS)
    assert "SUCCESS" in output
    assert "1 rule files found" in output


@pytest.mark.prometheus
def test_promtool_check_rules(run_promtool: Callable[..., str]) -> None:
    output = run_promtool("check", "rules", RULES)
    assert f"SUCCESS: {len(all_rules())} rules found" in output


@pytest.mark.prometheus
def test_promtool_unit_tests_of_the_rules(run_promtool: Callable[..., str]) -> None:
    output = run_promtool("test", "rules", RULE_TESTS.name, cwd=RULE_TESTS.parent)
    assert "SUCCESS" in output


def test_config_loads_the_rules_file() -> None:
    config = load(CONFIG)
    assert [(CONFIG.parent / f).resolve() for f in config["rule_files"]] == [RULES]
    assert load(RULE_TESTS)["rule_files"] == [RULES.name]


@pytest.mark.parametrize("rule", alerting_rules(), ids=rule_id)
def test_alert_has_for_severity_and_runbook(rule: dict[str, Any]) -> None:
    assert re.fullmatch(r"\d+[smh]", rule.get("for", "")), "every alert waits with for:"
    assert rule["labels"]["severity"] in SEVERITIES
    assert set(rule["annotations"]) >= REQUIRED_ANNOTATIONS
    path, _, anchor = rule["annotations"]["runbook_url"].partition("#")
    assert (ROOT / path).resolve() == RUNBOOKS
    headings = {
        line.removeprefix("## ").strip().lower()
        for line in RUNBOOKS.read_text(encoding="utf-8").splitlines()
        if line.startswith("## ")
    }
    assert anchor in headings, f"runbooks.md has no section {anchor}"


@pytest.mark.parametrize("rule", alerting_rules(), ids=rule_id)
def test_alert_is_unit_tested_firing_and_not_firing(rule: dict[str, Any]) -> None:
    cases = [
        case
        for test in load(RULE_TESTS)["tests"]
        for case in test.get("alert_rule_test", [])
        if case["alertname"] == rule["alert"]
    ]
    assert any(case["exp_alerts"] for case in cases), "no case where it fires"
    assert any(not case["exp_alerts"] for case in cases), "no case where it stays quiet"


def test_recording_rules_are_named_level_metric_operation() -> None:
    for rule in all_rules():
        if "record" in rule:
            assert re.fullmatch(r"[a-z_]+:streamproc_[a-z_]+:[a-z0-9_]+", rule["record"])


@pytest.mark.parametrize("rule", all_rules(), ids=rule_id)
def test_rule_names_only_known_metrics(
    rule: dict[str, Any],
    known_metric_names: frozenset[str],
    promql_names: Callable[[str], set[str]],
) -> None:
    names = promql_names(rule["expr"])
    assert names, "an expression that names no metric"
    assert names <= known_metric_names, sorted(names - known_metric_names)


NAME_CASES = [
    ("up", {"up"}),
    ('up{job="streamproc"} == 0', {"up"}),
    (
        "sum by (brand, label) (rate(streamproc_scored_mentions_total[5m]))",
        {"streamproc_scored_mentions_total"},
    ),
    (
        'histogram_quantile(0.99, sum(rate(x_bucket{a=~"b|c"}[5m])) by (le))',
        {"x_bucket"},
    ),
    ("a - on (topic, partition) group_left b", {"a", "b"}),
    ("rate(a[1h] offset 1d) > 1e3", {"a"}),
    ('label_replace(a, "dst", "$1", "src", "(by|on)")', {"a"}),
    ("max_over_time(job:a_b:rate5m[1h:5m]) > bool 1", {"job:a_b:rate5m"}),
    ('absent(up{job="streamproc"} == 1)', {"up"}),
    ("time() - last_seen_seconds", {"last_seen_seconds"}),
]


@pytest.mark.parametrize(("expr", "names"), NAME_CASES)
def test_metric_name_extraction(
    promql_names: Callable[[str], set[str]], expr: str, names: set[str]
) -> None:
    assert promql_names(expr) == names


@pytest.mark.prometheus
def test_extraction_cases_are_valid_promql(
    check_expressions: Callable[[dict[str, str]], str],
) -> None:
    check_expressions({f"case{i}": expr for i, (expr, _) in enumerate(NAME_CASES)})
