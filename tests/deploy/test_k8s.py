"""The kustomize base and example overlay: parsed and cross-checked, built if possible.

No cluster runs here. `kubectl kustomize` (kustomize built into kubectl) renders
the overlay offline when kubectl is installed; without it that test skips, also
under CI (the project's test setup does not install kubectl).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
BASE = K8S / "base"
OVERLAY = K8S / "overlays" / "example"
DESIGN = ROOT.parent / "shared" / "DESIGN.md"
WEB_PORT = 6066


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def design_env_vars() -> set[str]:
    [line] = [
        line
        for line in DESIGN.read_text(encoding="utf-8").splitlines()
        if line.startswith("- Environment:")
    ]
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", line))


def generator(kustomization: dict[str, Any], name: str) -> dict[str, Any]:
    [found] = [g for g in kustomization["configMapGenerator"] if g["name"] == name]
    return found


def literals(generated: dict[str, Any]) -> dict[str, str]:
    return dict(item.split("=", 1) for item in generated.get("literals", []))


@pytest.fixture(scope="module")
def base() -> dict[str, Any]:
    result: dict[str, Any] = load(BASE / "kustomization.yaml")
    return result


@pytest.fixture(scope="module")
def container() -> dict[str, Any]:
    deployment = load(BASE / "deployment.yaml")
    [found] = deployment["spec"]["template"]["spec"]["containers"]
    result: dict[str, Any] = found
    return result


def test_base_resources_exist(base: dict[str, Any]) -> None:
    assert base["resources"] == ["deployment.yaml", "service.yaml"]
    kinds = {load(BASE / name)["kind"] for name in base["resources"]}
    assert kinds == {"Deployment", "Service"}


def test_config_map_is_built_from_every_config_file(base: dict[str, Any]) -> None:
    files = dict(item.split("=", 1) for item in generator(base, "streamproc-config")["files"])
    for key, relative in files.items():
        source = (BASE / relative).resolve()
        assert source.is_file(), relative
        assert source.parent == ROOT / "config"
        assert source.name == key
    toml_files = {p.name for p in (ROOT / "config").glob("*.toml")}
    assert set(files) == toml_files, "add every config/*.toml to the ConfigMap"


def test_environment_is_design_md_and_config_is_mounted(
    base: dict[str, Any], container: dict[str, Any]
) -> None:
    env = literals(generator(base, "streamproc-env"))
    secret_env = {item["name"] for item in container["env"]}
    assert set(env) | secret_env <= design_env_vars()
    assert env["STREAMPROC_WEB_PORT"] == str(WEB_PORT)
    [mount] = [m for m in container["volumeMounts"] if m["name"] == "config"]
    config_path = Path(env["STREAMPROC_CONFIG"])
    assert config_path.parent == Path(mount["mountPath"])
    files = dict(item.split("=", 1) for item in generator(base, "streamproc-config")["files"])
    assert config_path.name in files
    assert [ref["configMapRef"]["name"] for ref in container["envFrom"]] == ["streamproc-env"]


def test_slack_secrets_come_from_a_secret(container: dict[str, Any]) -> None:
    by_name = {item["name"]: item for item in container["env"]}
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        item = by_name[name]
        assert "value" not in item, f"{name} must not have a value"
        ref = item["valueFrom"]["secretKeyRef"]
        assert ref["name"] == "streamproc-slack"
        assert ref["optional"] is True  # no token: alerts go to the console


def test_no_secret_value_in_any_manifest() -> None:
    for path in K8S.rglob("*.yaml"):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            assert document.get("kind") != "Secret", path
            assert "secretGenerator" not in document, path
        assert not re.search(r"xox[abprs]-[0-9A-Za-z]", path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("probe", "path"),
    [("livenessProbe", "/healthz"), ("startupProbe", "/healthz"), ("readinessProbe", "/ready")],
)
def test_probes_hit_the_worker_web_port(container: dict[str, Any], probe: str, path: str) -> None:
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    check = container[probe]["httpGet"]
    assert check["path"] == path
    assert ports[check["port"]] == WEB_PORT


def test_resources_requests_and_limits(container: dict[str, Any]) -> None:
    resources = container["resources"]
    assert set(resources["requests"]) == {"cpu", "memory"}
    assert set(resources["limits"]) == {"cpu", "memory"}


def test_service_targets_the_web_port() -> None:
    service = load(BASE / "service.yaml")
    [port] = service["spec"]["ports"]
    assert (port["port"], port["targetPort"]) == (WEB_PORT, "web")


def test_deployment_scrape_annotations_match_the_port() -> None:
    annotations = load(BASE / "deployment.yaml")["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(WEB_PORT)
    assert annotations["prometheus.io/path"] == "/metrics"


def test_overlay_pins_the_image_and_points_at_its_kafka() -> None:
    overlay = load(OVERLAY / "kustomization.yaml")
    assert overlay["resources"] == ["../../base"]
    assert (OVERLAY / overlay["resources"][0]).resolve() == BASE
    [image] = overlay["images"]
    assert image["name"] == "streamproc"
    assert re.fullmatch(r"\d+\.\d+\.\d+", image["newTag"])
    env = generator(overlay, "streamproc-env")
    assert env["behavior"] == "merge"
    assert literals(env)["KAFKA_BROKER"].startswith("kafka://")


def test_kustomize_build_of_the_overlay() -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl (with its built-in kustomize) is not installed")
    done = subprocess.run(
        [kubectl, "kustomize", "--load-restrictor", "LoadRestrictionsNone", str(OVERLAY)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    documents = {d["kind"]: d for d in yaml.safe_load_all(done.stdout) if d["kind"] != "ConfigMap"}
    config_maps = [d for d in yaml.safe_load_all(done.stdout) if d["kind"] == "ConfigMap"]
    assert set(documents) == {"Deployment", "Service"}
    deployment = documents["Deployment"]
    assert deployment["metadata"]["namespace"] == "streamproc-example"
    assert deployment["spec"]["replicas"] == 2
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "registry.example.com/streamproc:0.1.0"
    names = {cm["metadata"]["name"] for cm in config_maps}
    env_ref = container["envFrom"][0]["configMapRef"]["name"]
    volume = deployment["spec"]["template"]["spec"]["volumes"][0]["configMap"]["name"]
    assert {env_ref, volume} <= names  # hashed names, rolled on every config change
    [env_map] = [cm for cm in config_maps if cm["metadata"]["name"] == env_ref]
    assert env_map["data"]["KAFKA_BROKER"] == "kafka://kafka-bootstrap.kafka.svc:9092"
    [config_map] = [cm for cm in config_maps if cm["metadata"]["name"] == volume]
    assert config_map["data"]["brands.toml"] == (ROOT / "config" / "brands.toml").read_text(
        encoding="utf-8"
    )
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert documents["Service"]["spec"]["selector"] == selector
    assert deployment["spec"]["template"]["metadata"]["labels"] == selector
