"""Agents under Faust's test_context with the memory store: decode, core, encode, send.

Sends to other topics are captured (Faust's guide: mock what leaves the
process); tables are real Faust tables on the memory store.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from agents.app import Wiring, wire
from agents.services import Services
from agents.testing import give_histories, write_config
from agents.topics import CONTROL_HEADER
from streamproc import codec
from streamproc.settings import load_config, load_env
from streamproc.windows import ID_CHUNK

T0 = 1_772_409_600_000  # 2026-03-02T00:00Z
WIDTH = 900_000
PARTITIONS = 2


class Captured:
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def hook(self, name: str) -> Any:
        async def send(**kw: Any) -> None:
            self.records.append({"topic": name, **kw})

        return send

    def on(self, name: str) -> list[dict[str, Any]]:
        return [r for r in self.records if r["topic"] == name]


@pytest.fixture
async def wiring() -> tuple[Wiring, Captured, list[str]]:
    config = load_config()
    config = replace(config, pipeline=replace(config.pipeline, partitions=PARTITIONS))
    lines: list[str] = []
    env = load_env({})
    services = Services.create(config, env, CollectorRegistry(), console=lines.append)
    w = wire(config, env, "127.0.0.1:1", services)
    w.app.conf.store = "memory://"
    captured = Captured()
    for name in ("scored", "dlq", "alerts", "ticks"):
        topic = getattr(w.topics, name)
        topic.send = captured.hook(name)  # type: ignore[method-assign]
    return w, captured, lines


def mention(mid: str, minute: float, text: str, **kw: Any) -> bytes:
    created = (T0 + int(minute * 60_000)) / 1000
    return json.dumps({"id": mid, "text": text, "created_at": created, **kw}).encode()


async def test_ingest_scores_routes_and_dead_letters(wiring: Any) -> None:
    w, captured, _ = wiring
    agent = w.app.agents["ingest"]
    async with agent.test_context() as ingest:
        await ingest.put(
            mention("1", 1, "El yogur de Verdalia estaba caducado, qué asco"), partition=0
        )
        await ingest.put(mention("2", 2, "@caffeorso il miglior caffè, grazie!"), partition=0)
        await ingest.put(mention("3", 3, "nothing about any brand here"), partition=1)
        await ingest.put(b"{not json", partition=1)
        await ingest.put(mention("4", 4, "Verdalia y Lumen Air, los dos fatal"), partition=0)
    scored = [r for r in captured.on("scored") if r["value"]["kind"] == "mention"]
    assert [(r["key"], r["value"]["id"]) for r in scored] == [
        (b"verdalia", "1"),
        (b"caffe-orso", "2"),
        (b"verdalia", "4"),
        (b"lumen-air", "4"),
    ]
    assert scored[0]["value"]["sentiment"]["label"] == "negative"
    assert scored[0]["value"]["lang"] == "es"
    (dead,) = captured.on("dlq")
    assert dead["value"] == b"{not json"
    headers = dict(dead["headers"])
    assert headers["streamproc-reason"] == b"invalid_json"
    assert w.services.progress.rejected == {"invalid_json": 1}
    assert w.services.progress.unmatched == 1


async def test_ingest_announces_watermarks_to_every_partition(wiring: Any) -> None:
    w, captured, _ = wiring
    async with w.app.agents["ingest"].test_context() as ingest:
        await ingest.put(mention("1", 1, "Verdalia ok"), partition=1)
        await ingest.put(mention("2", 40, "Verdalia ok"), partition=1)
        flush = json.dumps({"watermark_ms": T0 + 10 * WIDTH}).encode()
        await ingest.put(flush, partition=1, headers=[(CONTROL_HEADER, b"flush")])
    marks = [r for r in captured.on("scored") if r["value"]["kind"] == "watermark"]
    assert {r["partition"] for r in marks} == set(range(PARTITIONS))
    assert all(r["value"]["source"] == 1 for r in marks)
    assert marks[-1]["value"]["watermark_ms"] == T0 + 10 * WIDTH
    assert not captured.on("dlq")  # a control record is not a malformed mention


def scored_record(mid: str, minute: float, label: str, brand: str = "verdalia") -> dict[str, Any]:
    return {
        "v": 1,
        "kind": "mention",
        "id": mid,
        "text": "yogur caducado intoxicación",
        "created_at_ms": T0 + int(minute * 60_000),
        "brand": brand,
        "lang": "es",
        "source": "twitter",
        "author": f"user{mid}",
        "url": None,
        "followers": 10,
        "sentiment": {"label": label, "score": -0.9, "confidence": 0.9, "method": "t"},
    }


async def test_windows_judges_when_all_sources_pass_and_alerts_a_surge(wiring: Any) -> None:
    w, captured, _ = wiring
    async with w.app.agents["windows"].test_context() as windows:
        n = 0
        for bucket in range(0, 4 * 24 * 4):  # four days of 15-minute buckets
            minute = bucket * 15
            count = 40 if bucket >= 4 * 24 * 4 - 4 else (2 if bucket % 2 else 1)
            for _ in range(count):
                n += 1
                await windows.put(scored_record(str(n), minute + 1, "negative"), partition=0)
            for source in range(PARTITIONS):
                wm = {
                    "kind": "watermark",
                    "source": source,
                    "watermark_ms": T0 + (minute + 15) * 60_000,
                }
                await windows.put(wm, partition=0)
        # after the judging, a mention for a judged bucket is late, redelivered or not
        await windows.put(scored_record(str(n), 4 * 24 * 60 - 14, "negative"), partition=0)
        await windows.put(scored_record("late", 5, "negative"), partition=0)
    alerts = captured.on("alerts")
    assert alerts, "the surge of the last hour raised no alert"
    first = alerts[0]["value"]
    assert first["status"] == "firing"
    assert first["brand"] == "verdalia"
    assert first["window_start"] >= "2026-03-05T23:00:00Z"
    assert all(a["key"] == b"verdalia" for a in alerts)
    assert w.tables.brand_state["verdalia"]["closed_any"] is True
    clock = w.tables.clocks["0"]
    assert clock["brands"] == ["verdalia"]
    reg = w.services.registry
    assert reg.get_sample_value("streamproc_late_mentions_total", {"brand": "verdalia"}) == 2.0


async def test_windows_waits_for_the_slowest_source(wiring: Any) -> None:
    w, _, _ = wiring
    async with w.app.agents["windows"].test_context() as windows:
        await windows.put(scored_record("1", 1, "negative"), partition=0)
        await windows.put(scored_record("1", 1, "negative"), partition=0)  # redelivered
        await windows.put(
            {"kind": "watermark", "source": 0, "watermark_ms": T0 + 10 * WIDTH}, partition=0
        )
        assert w.tables.brand_state["verdalia"]["next_start_ms"] == T0
        await windows.put(
            {"kind": "watermark", "source": 1, "watermark_ms": T0 + WIDTH}, partition=0
        )
    state = w.tables.brand_state["verdalia"]
    assert state["next_start_ms"] == T0 + WIDTH  # only the bucket both sources passed
    assert f"verdalia|{T0}" not in w.tables.buckets
    reg = w.services.registry
    assert reg.get_sample_value("streamproc_duplicate_mentions_total", {"brand": "verdalia"}) == 1.0


async def test_a_big_bucket_seals_its_ids_into_chunks_and_counts_redeliveries_once(
    wiring: Any,
) -> None:
    """1,100 mentions in one bucket, then 20 of the first chunk's again: counted once.

    The bucket's value holds only the ids since its last sealed chunk, so no
    changelog record grows with the bucket; the chunks go when it is judged.
    """
    w, _, _ = wiring
    n = 2 * ID_CHUNK + 100
    key = f"verdalia|{T0}"
    async with w.app.agents["windows"].test_context() as windows:
        for i in range(n):
            await windows.put(scored_record(str(i), 1 + i / n, "negative"), partition=0)
        for i in range(20):
            await windows.put(scored_record(str(i), 1 + i / n, "negative"), partition=0)
        bucket = w.tables.buckets[key]
        assert (bucket["total"], bucket["sealed"], len(bucket["ids"])) == (n, 2, 100)
        assert [len(w.tables.buckets[f"{key}|ids.{k}"]["ids"]) for k in (0, 1)] == [500, 500]
        for source in range(PARTITIONS):
            wm = {"kind": "watermark", "source": source, "watermark_ms": T0 + WIDTH}
            await windows.put(wm, partition=0)
    assert not [k for k in w.tables.buckets if k.startswith(key)]
    reg = w.services.registry
    assert reg.get_sample_value("streamproc_duplicate_mentions_total", {"brand": "verdalia"}) == 20
    judged = reg.get_sample_value("streamproc_observed_negative_mentions", {"brand": "verdalia"})
    assert judged == n


async def test_notify_prints_the_alert(wiring: Any) -> None:
    w, _, lines = wiring
    alert = {
        "v": 1,
        "alert_id": "a",
        "incident_id": "i",
        "brand": "verdalia",
        "status": "firing",
        "severity": "critical",
        "window_start": "2026-03-04T10:00:00Z",
        "window_end": "2026-03-04T10:15:00Z",
        "observed": 45.0,
        "expected": 5.0,
        "ratio": 9.0,
        "score": 20.0,
        "growth": 3.0,
        "share": 0.7,
        "total": 64,
        "onset": "2026-03-04T10:00:00Z",
        "languages": {"es": 30, "ca": 15},
        "sources": {"twitter": 45},
        "top_terms": ["caducado"],
        "samples": [],
        "authors": 40,
        "top_author_share": 0.1,
        "baseline_young": True,
        "reason": "anomaly",
        "detected_at": "2026-03-04T10:15:00Z",
    }
    async with w.app.agents["notify"].test_context() as notify:
        await notify.put(alert)
    text = "\n".join(lines)
    assert "Verdalia: 9.0x normal: 45 negative mentions in 15 min, about 5 expected" in text
    assert "es 30, ca 15" in text
    assert "young baseline" in text


async def test_windows_starts_a_brand_given_a_history_from_it(tmp_path: Path) -> None:
    """The seeded state is what the table stores and recovers: the history's
    buckets are late, the first live one is judged against the history."""
    path = write_config(tmp_path, app_id="h", topic_prefix="")
    days = 3
    rows = [
        f"{(T0 - (days * 96 - i) * WIDTH) // 1000},{1 + i % 2},{8 + i % 5}"
        for i in range(days * 96)
    ]
    (tmp_path / "verdalia.csv").write_text("timestamp,value,total\n" + "\n".join(rows) + "\n")
    give_histories(tmp_path / "brands.toml", {"Verdalia": "verdalia.csv"})
    config = load_config(path)
    config = replace(config, pipeline=replace(config.pipeline, partitions=PARTITIONS))
    seed = config.params_for("verdalia").seed
    assert seed is not None
    services = Services.create(config, load_env({}), CollectorRegistry(), console=[].append)
    w = wire(config, load_env({}), "127.0.0.1:1", services)
    w.app.conf.store = "memory://"
    for name in ("scored", "dlq", "alerts", "ticks"):
        getattr(w.topics, name).send = Captured().hook(name)
    async with w.app.agents["windows"].test_context() as windows:
        await windows.put(scored_record("old", -20, "negative"), partition=0)  # in the history
        await windows.put(scored_record("new", 1, "negative"), partition=0)
        for source in range(PARTITIONS):
            wm = {"kind": "watermark", "source": source, "watermark_ms": T0 + WIDTH}
            await windows.put(wm, partition=0)
    stored = codec.brand_state_from_dict(w.tables.brand_state["verdalia"])
    assert stored.detector.buckets_seen == seed.buckets_seen + 1 == days * 96 + 1
    assert stored.next_start_ms == T0 + WIDTH
    reg = w.services.registry
    assert reg.get_sample_value("streamproc_late_mentions_total", {"brand": "verdalia"}) == 1.0
    assert (
        reg.get_sample_value("streamproc_baseline_negative_mentions", {"brand": "verdalia"}) > 0.5
    )
