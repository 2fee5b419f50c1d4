"""docker-compose.yml, the Dockerfile and config/example.env, checked statically.

No Docker engine runs on these machines (and the docker CLI here has no compose
plugin), so these tests check what the files reference: build context and
Dockerfile, mounted paths, ports, the environment DESIGN.md names, pinned images,
health checks, and that no secret has a value.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DESIGN = ROOT.parent / "shared" / "DESIGN.md"
EXAMPLE_ENV = ROOT / "config" / "example.env"
SECRETS = {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"}
WEB_PORT = 6066


def design_env_vars() -> set[str]:
    if not DESIGN.exists():
        pytest.fail(f"{DESIGN} missing: ../shared must be beside the project")
    [line] = [
        line
        for line in DESIGN.read_text(encoding="utf-8").splitlines()
        if line.startswith("- Environment:")
    ]
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", line))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = compose["services"]
    return result


def bind_mounts(service: dict[str, Any]) -> list[tuple[Path, str]]:
    mounts = []
    for volume in service.get("volumes", []):
        source, target, *_ = volume.split(":")
        if source.startswith("."):
            mounts.append(((ROOT / source).resolve(), target))
    return mounts


def container_path(service: dict[str, Any], path: str) -> Path | None:
    """The host file a container path maps to through the service's bind mounts."""
    for source, target in bind_mounts(service):
        if path == target or path.startswith(target.rstrip("/") + "/"):
            return source / path[len(target) :].lstrip("/")
    return None


def test_design_names_the_environment() -> None:
    assert design_env_vars() == {
        "KAFKA_BROKER",
        "SLACK_BOT_TOKEN",
        "SLACK_API_URL",
        "SLACK_SIGNING_SECRET",
        "STREAMPROC_CONFIG",
        "STREAMPROC_WEB_PORT",
    }


def test_the_four_services(services: dict[str, Any]) -> None:
    assert set(services) == {"kafka", "worker", "prometheus", "grafana"}


@pytest.mark.parametrize("name", ["kafka", "worker", "prometheus", "grafana"])
def test_image_is_pinned(services: dict[str, Any], name: str) -> None:
    image = services[name]["image"]
    repository, _, tag = image.rpartition(":")
    assert repository, f"{name}: {image} has no tag"
    assert tag not in {"", "latest"}, f"{name}: {image} is not pinned"
    assert re.fullmatch(r"v?\d+(\.\d+)+", tag), f"{name}: {image} is not a version"


@pytest.mark.parametrize("name", ["kafka", "worker", "prometheus", "grafana"])
def test_every_service_has_a_health_check(services: dict[str, Any], name: str) -> None:
    check = services[name]["healthcheck"]
    assert check["test"][0] in {"CMD", "CMD-SHELL"}
    assert {"interval", "timeout", "retries"} <= set(check)


def test_depends_on_waits_for_healthy_services(services: dict[str, Any]) -> None:
    assert services["worker"]["depends_on"] == {"kafka": {"condition": "service_healthy"}}
    assert services["grafana"]["depends_on"] == {"prometheus": {"condition": "service_healthy"}}
    for name, service in services.items():
        for dependency, how in service.get("depends_on", {}).items():
            assert dependency in services, name
            if how["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], dependency


def test_kafka_runs_kraft_and_listens_where_the_worker_looks(
    services: dict[str, Any],
) -> None:
    kafka = services["kafka"]
    env = kafka["environment"]
    assert kafka["image"].startswith("apache/kafka:")
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert "ZOOKEEPER" not in " ".join(env)
    broker = services["worker"]["environment"]["KAFKA_BROKER"]
    assert broker == "kafka://kafka:9092"
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"].split(",")


def test_worker_builds_from_the_dockerfile(services: dict[str, Any]) -> None:
    build = services["worker"]["build"]
    context = (ROOT / build["context"]).resolve()
    assert context == ROOT
    dockerfile = context / build["dockerfile"]
    assert dockerfile == ROOT / "deploy" / "docker" / "Dockerfile"
    text = dockerfile.read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim$", text, re.MULTILINE)
    assert re.search(rf"^EXPOSE {WEB_PORT}$", text, re.MULTILINE)
    assert re.search(r"^HEALTHCHECK .*$", text, re.MULTILINE)
    assert "/healthz" in text
    assert re.search(r'^CMD \["streamproc", "worker"\]$', text, re.MULTILINE)
    for line in text.splitlines():
        if line.startswith("COPY "):
            *sources, _ = line.split()[1:]
            for source in sources:
                assert (context / source).exists(), f"COPY {source}: not in the context"


def test_worker_environment_is_design_md_and_holds_no_secret(
    services: dict[str, Any],
) -> None:
    env = services["worker"]["environment"]
    assert set(env) <= design_env_vars()
    assert env["STREAMPROC_WEB_PORT"] == str(WEB_PORT)
    for name in SECRETS:
        assert name in env, f"{name} is not passed to the worker"
        assert env[name] is None, f"{name} must come from the shell, never a value"
    config = container_path(services["worker"], env["STREAMPROC_CONFIG"])
    assert config == ROOT / "config" / "streamproc.toml"
    assert config.is_file()


def test_no_secret_value_anywhere_in_compose() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    assert not re.search(r"xox[abprs]-[0-9A-Za-z]", text)
    for line in text.splitlines():
        if not line.lstrip().startswith("#"):
            words = line.replace("_", " ")
            assert not re.search(r"(?i)(password|secret|token)[ \t]*[:=][ \t]*\S", words), line


def test_bind_mounts_exist(services: dict[str, Any]) -> None:
    for name, service in services.items():
        for source, target in bind_mounts(service):
            assert source.exists(), f"{name}: {source} -> {target} does not exist"


def test_prometheus_reads_the_deploy_files_and_scrapes_the_workers(
    services: dict[str, Any],
) -> None:
    prometheus = services["prometheus"]
    config_arg = next(a for a in prometheus["command"] if a.startswith("--config.file="))
    config_path = container_path(prometheus, config_arg.split("=", 1)[1])
    assert config_path == ROOT / "deploy" / "prometheus" / "prometheus.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    for rule_file in config["rule_files"]:
        assert (config_path.parent / rule_file).is_file()
    [job] = [j for j in config["scrape_configs"] if j["job_name"] == "streamproc"]
    assert job["metrics_path"] == "/metrics"
    targets = [(name, sd["port"]) for sd in job["dns_sd_configs"] for name in sd["names"]]
    assert targets == [("worker", WEB_PORT)]
    assert "6066" in services["worker"]["ports"]


def test_grafana_mounts_provisioning_and_dashboards(services: dict[str, Any]) -> None:
    grafana = services["grafana"]
    provisioning = container_path(grafana, "/etc/grafana/provisioning/datasources")
    assert provisioning == ROOT / "deploy" / "grafana" / "provisioning" / "datasources"
    providers = yaml.safe_load(
        (ROOT / "deploy/grafana/provisioning/dashboards/streamproc.yml").read_text(encoding="utf-8")
    )
    dashboards = container_path(grafana, providers["providers"][0]["options"]["path"])
    assert dashboards == ROOT / "deploy" / "grafana" / "dashboards"
    home = container_path(
        grafana, grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    )
    assert home is not None
    assert home.is_file()
    [source] = yaml.safe_load(
        (ROOT / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text(
            encoding="utf-8"
        )
    )["datasources"]
    url = re.fullmatch(r"http://([\w-]+):(\d+)", source["url"])
    assert url is not None
    host, port = url.groups()
    assert host in services
    assert f"{port}:{port}" in services[host]["ports"]


def test_example_env_lists_every_variable_with_placeholders_only() -> None:
    text = EXAMPLE_ENV.read_text(encoding="utf-8")
    assignments = dict(
        line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#")
    )
    assert set(assignments) == design_env_vars()
    for name in SECRETS | {"KAFKA_BROKER", "SLACK_API_URL"}:
        assert assignments[name] == "", f"{name} must stay empty in the example"
    assert assignments["STREAMPROC_WEB_PORT"] == str(WEB_PORT)
    assert (ROOT / assignments["STREAMPROC_CONFIG"]).is_file()
    assert not re.search(r"xox[abprs]-[0-9A-Za-z]", text)
    lines = text.splitlines()
    for above, line in itertools.pairwise(lines):
        if line and not line.startswith("#"):
            assert above.startswith("#"), f"{line}: no comment above it"
