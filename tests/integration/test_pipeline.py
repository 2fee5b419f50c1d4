"""The whole path on a real broker: replay -> ingest -> windows -> alerts, and the DLQ.

Runs on both brokers (see conftest: Tansu, the embedded default, and Apache
Kafka in KRaft mode). The live run's alert events must equal `backtest`'s
over the same file: same ids, brands, windows and statuses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from agents.adapters.kafka_tools import consume_all, create_topics
from agents.testing import WorkerProcess, write_config
from agents.topics import all_topics
from streamproc import backtest, codec, lang, report, review
from streamproc.model import Rejection
from streamproc.parse import parse
from streamproc.sentiment import default_scorer
from streamproc.settings import SAMPLE_FILE, load_config

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CRISIS_BRAND = "verdalia"
ONSET = "2026-03-04T10:00:00Z"


def key(event: dict[str, Any]) -> tuple[str, str, str, str, str]:
    return (
        event["alert_id"],
        event["incident_id"],
        event["brand"],
        event["window_start"],
        event["status"],
    )


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What the offline core makes of the sample: alerts and rejections."""
    config = load_config(write_config(tmp_path_factory.mktemp("cfg"), app_id="x", topic_prefix=""))
    lines = [line for line in SAMPLE_FILE.read_bytes().splitlines() if line.strip()]
    events = [
        codec.alert_to_dict(e)
        for e in backtest.run(lines, config, default_scorer(), lang.detect_language)
    ]
    rejected = [r for r in (parse(line) for line in lines) if isinstance(r, Rejection)]
    return {"events": events, "rejected": rejected}


def test_backtest_of_the_sample_alerts_the_crisis_only(expected: dict[str, Any]) -> None:
    events = expected["events"]
    assert {e["brand"] for e in events} == {CRISIS_BRAND}
    firing = [e for e in events if e["status"] == "firing"]
    assert len(firing) == 1
    onset_ms = codec.ms_from_iso(ONSET)
    alerted_bucket = codec.ms_from_iso(firing[0]["window_start"])
    assert 0 <= alerted_bucket - onset_ms <= 2 * 15 * 60_000, "not within two buckets of the onset"
    assert len(expected["rejected"]) > 0


def test_live_run_equals_backtest_and_dead_letters_everything(
    broker: Any, tmp_path: Path, expected: dict[str, Any]
) -> None:
    run = f"it{os.getpid()}{int(time.time() * 1000) % 10_000_000}"
    config_path = write_config(tmp_path / "cfg", app_id=f"sp-{run}", topic_prefix=f"{run}-")
    config = load_config(config_path)
    bootstrap = broker.bootstrap
    create_topics(bootstrap, all_topics(config.pipeline), config.pipeline.partitions)
    worker = WorkerProcess(config_path, bootstrap, tmp_path / "worker.log").start()
    try:
        worker.wait_ready()
        env = {
            **os.environ,
            "KAFKA_BROKER": f"kafka://{bootstrap}",
            "STREAMPROC_CONFIG": str(config_path),
        }
        subprocess.run(
            [sys.executable, "-m", "streamproc", "replay", str(SAMPLE_FILE)],
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        want = expected["events"]
        got = consume_all(bootstrap, f"{run}-alerts", timeout_s=240, expected=len(want), idle_s=60)
        live = [json.loads(r.value) for r in got]
        assert sorted(map(key, live)) == sorted(map(key, want)), worker.tail()
        _review_from_the_topic_equals_the_backtest_review(env, want, tmp_path)
        _review_pages_serve_the_same_review(worker, want)
        dead = consume_all(
            bootstrap,
            f"{run}-mentions-dlq",
            timeout_s=60,
            expected=len(expected["rejected"]),
            idle_s=20,
        )
        by_bytes = {r.value: dict(r.headers) for r in dead}
        for rejection in expected["rejected"]:
            assert rejection.raw in by_bytes, f"missing from the DLQ: {rejection.raw[:80]!r}"
            assert by_bytes[rejection.raw]["streamproc-reason"] == rejection.reason.encode()
        assert len(dead) == len(expected["rejected"])
        metrics = worker.metrics()
        assert "streamproc_mentions_total" in metrics
        assert "streamproc_messages_received" in metrics  # Faust's own sensor
    finally:
        worker.stop()


def _review_from_the_topic_equals_the_backtest_review(
    env: dict[str, str], want: list[dict[str, Any]], tmp_path: Path
) -> None:
    """`streamproc incident` reads the live `alerts` topic: the same review as offline."""
    offline = review.fold(codec.alert_from_dict(e) for e in want)
    (incident_id,) = offline
    cli = [sys.executable, "-m", "streamproc", "incident"]
    listed = subprocess.run(
        [*cli, "list"], env=env, check=True, capture_output=True, text=True, timeout=120
    ).stdout.splitlines()
    assert [line.split()[:2] for line in listed] == [[incident_id, CRISIS_BRAND]]
    out = tmp_path / "review.json"
    subprocess.run(
        [*cli, "report", incident_id[:8], "--out", str(out)],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    live = json.loads(out.read_text(encoding="utf-8"))
    expected = report.as_dict(review.review(offline[incident_id]))
    for part in ("timeline", "durations", "curve", "top_terms", "severity"):
        assert live[part] == expected[part], part


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - a local worker
            return resp.status, resp.headers.get_content_type(), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get_content_type(), exc.read()


def _review_pages_serve_the_same_review(worker: WorkerProcess, want: list[dict[str, Any]]) -> None:
    """The worker's /incidents pages, from the `incidents` table: the same review again."""
    offline = review.fold(codec.alert_from_dict(e) for e in want)
    (incident_id,) = offline
    base = f"http://127.0.0.1:{worker.port}/incidents"
    listed: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60  # the agent may still be keeping the last events
    while time.monotonic() < deadline:
        status, _, raw = _get(base)
        listed = json.loads(raw)["incidents"] if status == 200 else []
        if listed and listed[0]["events"] == len(want):
            break
        time.sleep(0.5)
    assert [(i["id"], i["brand"], i["events"]) for i in listed] == [
        (incident_id, CRISIS_BRAND, len(want))
    ], worker.tail()
    status, content_type, raw = _get(f"{base}/{incident_id}?format=json")  # routed by Faust
    assert (status, content_type) == (200, "application/json"), raw[:300]
    live = json.loads(raw)
    expected = report.as_dict(review.review(offline[incident_id]))
    for part in ("timeline", "durations", "curve", "top_terms", "severity"):
        assert live[part] == expected[part], part
    status, content_type, raw = _get(f"{base}/{incident_id[:6]}")
    assert (status, content_type) == (200, "text/html")
    assert raw.startswith(b"<!doctype html>")
    status, content_type, raw = _get(f"{base}/{'0' * 16}")
    assert (status, content_type) == (404, "application/json")
    assert json.loads(raw)["incident_id"] == "0" * 16
