"""A real Prometheus (Debian's package) scraping real /metrics pages on loopback.

`prometheus_server(targets)` starts Prometheus with a generated config: the
project's rules (deploy/prometheus/rules/streamproc.rules.yml), job
"streamproc", 1 s scrape and evaluation intervals, its own TSDB under
tmp_path, listening on a free 127.0.0.1 port; it returns a small client of the
HTTP API, and every server is stopped at teardown.

The tests here scrape an exporter made of the streamproc bundle and Faust's
sensor metrics on one registry, as a worker serves them. The test of a live
worker during a crisis replay on the embedded broker (issue 7: the crisis
brand's anomaly score rises, its alert state changes, Faust's lag metrics are
there) is the lead's to write with this fixture, once the worker runs:

    server = prometheus_server([f"127.0.0.1:{web_port}"])
    server.wait_for('max(streamproc_anomaly_score{brand="verdalia"}) > 5')
    server.wait_for('brand:streamproc_alert_state:max{brand="verdalia"} > 0')
    server.wait_for("topic:streamproc_consumer_lag:messages")
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from faust.sensors.prometheus import FaustMetrics
from prometheus_client import CollectorRegistry, generate_latest, start_http_server
from prometheus_client.parser import text_string_to_metric_families

from agents.adapters.metrics import FAUST_METRICS_PREFIX, StreamprocMetrics

pytestmark = [pytest.mark.prometheus, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "rules" / "streamproc.rules.yml"
WAIT_S = 60.0
"""How long to wait for Prometheus to start or for a query to become true:
a bound against hanging, not a speed expectation."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def http_get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only
        return json.loads(response.read())


@dataclass(frozen=True)
class PrometheusServer:
    """A running Prometheus and the bits of its HTTP API the tests need."""

    url: str
    log: Path

    def query(self, expr: str) -> list[dict[str, Any]]:
        body = http_get(f"{self.url}/api/v1/query?{urllib.parse.urlencode({'query': expr})}")
        assert body["status"] == "success", body
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    def wait_for(self, expr: str) -> list[dict[str, Any]]:
        """Poll an instant query until it returns something (or fail after WAIT_S)."""
        deadline = time.monotonic() + WAIT_S
        while True:
            result = self.query(expr)
            if result:
                return result
            if time.monotonic() > deadline:
                pytest.fail(f"{expr!r} stayed empty for {WAIT_S:.0f} s; log: {self.log}")
            time.sleep(0.25)

    def metric_names(self, job: str = "streamproc") -> set[str]:
        query = urllib.parse.urlencode({"match[]": f'{{job="{job}"}}'})
        body = http_get(f"{self.url}/api/v1/label/__name__/values?{query}")
        return set(body["data"])

    def rules(self) -> list[dict[str, Any]]:
        body = http_get(f"{self.url}/api/v1/rules")
        return [rule for group in body["data"]["groups"] for rule in group["rules"]]


def _require_prometheus() -> str:
    path = shutil.which("prometheus")
    if path is None:
        reason = "prometheus not installed (Debian package `prometheus`)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: the test setup must install it")
        pytest.skip(reason)
    return path


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + WAIT_S
    while True:
        if process.poll() is not None:
            pytest.fail(f"prometheus exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"prometheus not ready after {WAIT_S:.0f} s:\n{log.read_text()}")
        time.sleep(0.2)


@pytest.fixture
def prometheus_server(
    tmp_path: Path,
) -> Iterator[Callable[[Sequence[str]], PrometheusServer]]:
    """``prometheus_server(["127.0.0.1:PORT", ...])``: a Prometheus scraping them."""
    binary = _require_prometheus()
    processes: list[subprocess.Popen[bytes]] = []

    def start(targets: Sequence[str]) -> PrometheusServer:
        n = len(processes)
        port = free_port()
        config = tmp_path / f"prometheus-{n}.yml"
        config.write_text(
            yaml.safe_dump(
                {
                    "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                    "rule_files": [str(RULES)],
                    "scrape_configs": [
                        {
                            "job_name": "streamproc",
                            "metrics_path": "/metrics",
                            "static_configs": [{"targets": list(targets)}],
                        }
                    ],
                }
            ),
            encoding="utf-8",
        )
        log = tmp_path / f"prometheus-{n}.log"
        url = f"http://127.0.0.1:{port}"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    binary,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={tmp_path / f'tsdb-{n}'}",
                    f"--web.listen-address=127.0.0.1:{port}",
                    "--log.level=warn",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        processes.append(process)
        _wait_ready(process, url, log)
        return PrometheusServer(url=url, log=log)

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class Exporter:
    registry: CollectorRegistry
    metrics: StreamprocMetrics
    faust: FaustMetrics
    target: str


@pytest.fixture
def exporter() -> Iterator[Exporter]:
    """The bundle and Faust's sensor metrics on one registry, served on loopback."""
    registry = CollectorRegistry()
    metrics = StreamprocMetrics.create(registry, ("verdalia", "lumen-air"))
    faust = FaustMetrics.create(registry, FAUST_METRICS_PREFIX)
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    yield Exporter(registry, metrics, faust, f"127.0.0.1:{port}")
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_prometheus_sees_every_exposed_name(
    prometheus_server: Callable[[Sequence[str]], PrometheusServer], exporter: Exporter
) -> None:
    exporter.faust.topic_partition_end_offset.labels(topic="mentions", partition=0).set(1)
    server = prometheus_server([exporter.target])
    server.wait_for('up{job="streamproc"} == 1')
    exposed = {
        sample.name
        for family in text_string_to_metric_families(generate_latest(exporter.registry).decode())
        for sample in family.samples
    }
    assert "streamproc_build_info" in exposed
    assert "streamproc_topic_partition_end_offset" in exposed
    assert exposed <= server.metric_names()


def test_rules_load_and_evaluate_on_scraped_series(
    prometheus_server: Callable[[Sequence[str]], PrometheusServer], exporter: Exporter
) -> None:
    exporter.metrics.bucket_judged(
        "verdalia", observed=40.0, expected=5.0, score=9.5, total=120, negative=40
    )
    exporter.metrics.alert_event("verdalia", "firing", "critical")
    exporter.faust.topic_partition_end_offset.labels(topic="mentions", partition=0).set(500)
    exporter.faust.topic_partition_offset_commited.labels(topic="mentions", partition=0).set(100)
    server = prometheus_server([exporter.target])

    loaded = {rule["name"] for rule in server.rules()}
    in_file = {
        rule.get("alert") or rule.get("record")
        for group in yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
        for rule in group["rules"]
    }
    assert loaded == in_file

    [lag] = server.wait_for('topic:streamproc_consumer_lag:messages{topic="mentions"}')
    assert float(lag["value"][1]) == 400
    [state] = server.wait_for('brand:streamproc_alert_state:max{brand="verdalia"}')
    assert float(state["value"][1]) == 2
    [score] = server.wait_for('max(streamproc_anomaly_score{brand="verdalia"})')
    assert float(score["value"][1]) == 9.5
    [quiet] = server.wait_for('brand:streamproc_alert_state:max{brand="lumen-air"}')
    assert float(quiet["value"][1]) == 0
    pending = server.wait_for('ALERTS{alertname="StreamprocIncidentUnacknowledged"}')
    assert {alert["metric"]["brand"] for alert in pending} == {"verdalia"}


@pytest.mark.integration
def test_live_worker_scraped_during_a_crisis_replay(
    prometheus_server: Callable[[Sequence[str]], PrometheusServer], tmp_path: Path
) -> None:
    """Prometheus scrapes a real worker while the sample's crisis is replayed.

    The crisis brand's anomaly score rises and its alert state changes as seen
    through Prometheus's own API, and Faust's lag metrics are there. The
    brands are onboarded with the sample's first two days as their history
    (the worker learns it at start), so only the crisis's day is replayed.
    """
    from agents.adapters.broker import EmbeddedBroker
    from agents.adapters.kafka_tools import create_topics
    from agents.replay import replay_file
    from agents.testing import WorkerProcess, give_histories, split_at, write_config
    from agents.topics import all_topics
    from streamproc import backtest, lang
    from streamproc.counts import write_counts
    from streamproc.model import WindowStats
    from streamproc.sentiment import default_scorer
    from streamproc.settings import SAMPLE_FILE, load_config

    # 2026-03-04T00:00Z: the crisis's day
    before, after = split_at(SAMPLE_FILE.read_bytes().splitlines(), 1_772_582_400_000)
    config_path = write_config(tmp_path / "cfg", app_id="scrape", topic_prefix="scrape-")
    cold = load_config(config_path)
    buckets: dict[str, list[WindowStats]] = {}
    learnt = backtest.run(
        before,
        cold,
        default_scorer(),
        lang.detect_language,
        lambda v: buckets.setdefault(v.window.brand, []).append(v.window),
    )
    assert list(learnt) == []  # the first two days page nobody
    for brand in cold.catalog.brands:
        write_counts(tmp_path / "cfg" / f"{brand.slug}.csv", buckets[brand.slug])
    histories = {b.name: f"{b.slug}.csv" for b in cold.catalog.brands}
    give_histories(tmp_path / "cfg" / "brands.toml", histories)
    crisis_day = tmp_path / "crisis-day.jsonl"
    crisis_day.write_bytes(b"\n".join(after) + b"\n")

    with EmbeddedBroker() as broker:
        config = load_config(config_path)
        assert config.params_for("verdalia").seed is not None
        create_topics(broker.bootstrap, all_topics(config.pipeline), config.pipeline.partitions)
        worker = WorkerProcess(config_path, broker.bootstrap, tmp_path / "worker.log").start()
        try:
            worker.wait_ready()
            server = prometheus_server([f"127.0.0.1:{worker.port}"])
            server.wait_for('up{job="streamproc"} == 1')
            quiet = server.query('streamproc_alert_state{brand="verdalia"} > 0')
            assert quiet == []  # nothing firing before the replay
            # Paced (about 13 s for the day) so that scrapes see the crisis as it unfolds.
            replay_file(crisis_day, broker.bootstrap, "scrape-mentions", config, speedup=6500)
            server.wait_for('max_over_time(streamproc_anomaly_score{brand="verdalia"}[10m]) > 5')
            server.wait_for('max_over_time(streamproc_alert_state{brand="verdalia"}[10m]) > 0')
            calm = server.query(
                'max_over_time(streamproc_alert_state{brand=~"caffe-orso|mare-cosmetics"}[10m]) > 0'
            )
            assert calm == []
            server.wait_for("streamproc_topic_partition_end_offset")
            server.wait_for("streamproc_topic_partition_offset_commited")
        finally:
            worker.stop()
