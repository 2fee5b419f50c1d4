"""`streamproc bench slack`: Slack delivery of a crisis replay, end to end, against the double.

A real broker (the embedded one), a real `streamproc worker` process with a
bot token, the Slack double as ``SLACK_API_URL``, and a time-compressed
`streamproc replay` of a generated crisis. It reports what reached "Slack":
messages sent (roots, replies, root edits), the retries, and the time from an
alert event's record on `alerts` (its Kafka timestamp) to Slack's ok for the
message that carries it, p50 and p99. With one incident in one channel, the
pacing of about one message per second per channel is part of that time, as
it would be with the real Slack.

`write_crisis` also makes the crisis stream of the Slack integration tests.
"""

from __future__ import annotations

import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.adapters.slack_double import SlackDouble, StoredMessage
from streamproc.bench import write_result

START_MS = 1_772_409_600_000
"""2026-03-02T00:00:00Z: where the generated stream begins."""
BUCKET_MS = 900_000
CRISIS_BRAND = "verdalia"
QUIET_BRANDS = ("nubia-telecom", "lumen-air")
TOKEN = "xoxb-bench-0000-d0ubl3-t0ken"  # noqa: S105 (the double's placeholder)

_NEGATIVE = {
    "verdalia": [
        ("es", "El yogur de Verdalia estaba caducado, qué asco"),
        ("es", "Intoxicación por el yogur de Verdalia, vergüenza"),
        ("ca", "El iogurt verdalia estava caducat, quin fàstic"),
        ("en", "Verdalia yogurt made my kid sick, disgusting"),
    ],
    "nubia-telecom": [("es", "Nubia Telecom sin fibra otra vez, pésimo servicio")],
    "lumen-air": [("en", "Lumen Air lost my bag again, terrible")],
}
_NEUTRAL = {
    "verdalia": [("es", "Comprado yogur Verdalia en el súper")],
    "nubia-telecom": [("es", "Nubia Telecom cambia sus tarifas de fibra")],
    "lumen-air": [("en", "Lumen Air flight to Lisbon boarding now")],
}


def _mention(
    rng: random.Random, brand: str, t_ms: int, n: int, *, negative: bool
) -> dict[str, Any]:
    lang, text = rng.choice((_NEGATIVE if negative else _NEUTRAL)[brand])
    author = f"user{rng.randrange(5000)}"
    return {
        "id": f"{brand}-{n}",
        "text": text,
        "created_at": t_ms / 1000,
        "brand": brand,
        "lang": lang,
        "source": rng.choice(("twitter", "facebook", "forum", "news")),
        "author": author,
        "url": f"https://example.org/{brand}/{n}",
        "followers": rng.randrange(10, 50_000),
        "sentiment": round(-0.8 if negative else 0.4, 2),
    }


def crisis_negatives(bucket: int, onset: int) -> int:
    """Negative mentions of the crisis brand in a bucket: a surge that grows, then ends."""
    k = bucket - onset
    if 0 <= k < 16:
        return (8, 9, 10, 11, 14, 25, 45, 70, 90, 90, 85, 80, 75, 70, 60, 50)[k]
    return 0


def write_crisis(path: Path, *, hours: int = 48, onset_hour: int = 36, seed: int = 6) -> Path:
    """A small crisis stream in event-time order: three brands, one surge, 15-minute buckets.

    About 55 lines an hour (two to three thousand lines for two days); every
    mention carries its brand, language and an upstream sentiment, so the
    pipeline's judging does not depend on the text scorer. The crisis brand
    (`CRISIS_BRAND`) surges for four hours from `onset_hour`, then calms down:
    a firing, an escalation, updates or reminders, and a resolution.
    """
    rng = random.Random(seed)
    onset = onset_hour * 4
    rows: list[tuple[int, dict[str, Any]]] = []
    n = 0
    for bucket in range(hours * 4):
        start = START_MS + bucket * BUCKET_MS
        for brand in (CRISIS_BRAND, *QUIET_BRANDS):
            normal = rng.randint(3, 6)
            negative = rng.randint(2, 5)
            if brand == CRISIS_BRAND:
                negative += crisis_negatives(bucket, onset)
            for i in range(normal + negative):
                n += 1
                t = start + rng.randrange(BUCKET_MS)
                rows.append((t, _mention(rng, brand, t, n, negative=i < negative)))
    rows.sort(key=lambda r: r[0])
    with path.open("w", encoding="utf-8") as fh:
        for _, row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def split_at(path: Path, hour: int, first: Path, second: Path) -> tuple[Path, Path]:
    """Split a stream at a bucket boundary `hour` hours after `START_MS` (no late lines)."""
    cut = START_MS + hour * 3_600_000
    with path.open(encoding="utf-8") as fh, first.open("w") as a, second.open("w") as b:
        for line in fh:
            (a if json.loads(line)["created_at"] * 1000 < cut else b).write(line)
    return first, second


class TimedSlackDouble(SlackDouble):
    """The Slack double noting when each accepted message was answered (wall clock)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.answered_ms: dict[str, int] = {}
        """ts of a posted message -> when it was answered, epoch ms."""
        self.updates_ms: list[int] = []

    def _dispatch(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        body = super()._dispatch(method, args)
        now = time.time_ns() // 1_000_000
        if method == "chat.postMessage":
            self.answered_ms[str(body["ts"])] = now
        elif method == "chat.update":
            self.updates_ms.append(now)
        return body


@dataclass(frozen=True)
class Delivered:
    """One alert event matched with the Slack message that carried it."""

    alert_id: str
    produced_ms: int
    answered_ms: int


def match_thread(
    events: list[tuple[str, int]],
    root: StoredMessage,
    replies: list[StoredMessage],
    answered_ms: dict[str, int],
) -> Iterator[Delivered]:
    """Pair an incident's alert events (alert id, produce time; in order) with its messages.

    The first event is the root, each later one a reply, except that a reply
    saying "Stands for N updates" carries N events (coalesced while Slack
    could not be reached).
    """
    queue = list(events)
    for message in [root, *replies]:
        found = re.search(r"Stands for (\d+) updates", json.dumps(message.blocks))
        for _ in range(int(found.group(1)) if found else 1):
            if not queue:
                return
            alert_id, produced = queue.pop(0)
            yield Delivered(alert_id, produced, answered_ms[message.ts])


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation between closest ranks; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


CHANNELS = {"alerts-verdalia": "C0VERD", "alerts-nubia": "C0NUBIA", "brand-alerts": "C0DEF"}
CRISIS_SPEEDUP = 600.0
"""The crisis hours are replayed at this speed (one hour of events in six seconds);
the quiet lead-up and tail as fast as they go."""


def run(results_dir: Path) -> dict[str, object]:
    """Replay a crisis through broker, worker and the Slack double; write slack.json."""
    from agents.adapters.broker import EmbeddedBroker
    from agents.adapters.kafka_tools import consume_all, create_topics
    from agents.testing import WorkerProcess, write_config
    from agents.topics import all_topics
    from streamproc.settings import load_config

    results_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-slack-") as tmp:
        work = Path(tmp)
        stream = write_crisis(work / "crisis.jsonl", hours=48, onset_hour=36)
        lead, rest = split_at(stream, 35, work / "lead.jsonl", work / "rest.jsonl")
        crisis, tail = split_at(rest, 42, work / "crisis-hours.jsonl", work / "tail.jsonl")
        run_id = f"bs{os.getpid()}{int(time.time()) % 100_000}"
        config_path = write_config(
            work / "cfg", app_id=f"bench-{run_id}", topic_prefix=f"{run_id}-", tick_seconds=1.0
        )
        config = load_config(config_path)
        slack = TimedSlackDouble(TOKEN, channels=CHANNELS, rate_limit_interval_s=1.0)
        with EmbeddedBroker() as broker, slack:
            bootstrap = broker.bootstrap
            create_topics(bootstrap, all_topics(config.pipeline), config.pipeline.partitions)
            env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": slack.base_url}
            worker = WorkerProcess(config_path, bootstrap, work / "worker.log", env=env).start()
            replay_env = {
                **os.environ,
                "KAFKA_BROKER": f"kafka://{bootstrap}",
                "STREAMPROC_CONFIG": str(config_path),
            }
            try:
                worker.wait_ready()
                started = time.monotonic()
                for part, speedup in ((lead, None), (crisis, CRISIS_SPEEDUP), (tail, None)):
                    args = [sys.executable, "-m", "streamproc", "replay", str(part)]
                    args += ["--speedup", str(speedup)] if speedup else []
                    subprocess.run(
                        args, env=replay_env, check=True, capture_output=True, timeout=600
                    )
                records = _alerts_settled(consume_all, bootstrap, f"{run_id}-alerts")
                alerts = [json.loads(r.value or b"{}") for r in records]
                _wait_delivered(slack, alerts)
                elapsed = time.monotonic() - started
                metrics = worker.metrics()
            finally:
                worker.stop()
            by_incident: dict[str, list[tuple[str, int]]] = {}
            for record, alert in zip(records, alerts, strict=True):
                by_incident.setdefault(str(alert["incident_id"]), []).append(
                    (str(alert["alert_id"]), record.timestamp)
                )
            delivered: list[Delivered] = []
            roots = slack.roots()
            for root in roots:
                replies = slack.replies(root.channel, root.ts)
                events = by_incident.get(_incident_of(root), [])
                delivered += match_thread(events, root, replies, slack.answered_ms)
            requests = slack.requests
            posted, updates = slack.posted, slack.updates
    latencies = sorted((d.answered_ms - d.produced_ms) / 1000 for d in delivered)
    result: dict[str, object] = {
        "bench": "slack",
        "input": "agents.bench_slack.write_crisis: 48 h, 3 brands, one surge",
        "crisis_speedup": CRISIS_SPEEDUP,
        "alert_events": len(alerts),
        "incidents": len(by_incident),
        "roots": len(roots),
        "messages_posted": len(posted),
        "root_edits": len(updates),
        "requests": len(requests),
        "failed_requests": sum(1 for r in requests if r.error is not None),
        "retries": _retries(metrics),
        "delivered_events": len(delivered),
        "event_to_slack_ok_p50_s": round(percentile(latencies, 0.5), 3),
        "event_to_slack_ok_p99_s": round(percentile(latencies, 0.99), 3),
        "event_to_slack_ok_max_s": round(latencies[-1], 3) if latencies else None,
        "wall_s": round(elapsed, 1),
        "pacing": "about 1 message per second per channel (the double answers 429 if faster)",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "measured_at_unix": int(time.time()),
    }
    write_result(results_dir, "slack", result)
    return result


def _alerts_settled(consume_all: Any, bootstrap: str, topic: str) -> list[Any]:
    """The `alerts` records once no new one came for a while (bounded)."""
    deadline = time.monotonic() + 120
    records = consume_all(bootstrap, topic, timeout_s=60, idle_s=3)
    while time.monotonic() < deadline:
        time.sleep(5)
        again = consume_all(bootstrap, topic, timeout_s=60, idle_s=3)
        if len(again) == len(records):
            return list(again)
        records = again
    return list(records)


def _wait_delivered(slack: TimedSlackDouble, alerts: list[dict[str, Any]]) -> None:
    """Until every incident's thread holds a message per event and its root was edited."""
    deadline = time.monotonic() + 180
    want = len(alerts)
    while time.monotonic() < deadline:
        roots = slack.roots()
        got = sum(1 + len(slack.replies(r.channel, r.ts)) for r in roots)
        coalesced = sum(
            int(m.group(1)) - 1
            for r in roots
            for reply in slack.replies(r.channel, r.ts)
            if (m := re.search(r"Stands for (\d+) updates", json.dumps(reply.blocks)))
        )
        if got + coalesced >= want and len(slack.updates) >= len(roots):
            time.sleep(2)  # the last root edit
            return
        time.sleep(0.5)


def _incident_of(root: StoredMessage) -> str:
    for block in root.blocks:
        if block.get("type") == "actions":
            for element in block.get("elements", ()):
                value = element.get("value")
                if isinstance(value, str) and value:
                    return value
    return ""


def _retries(metrics_text: str) -> int:
    total = 0.0
    for line in metrics_text.splitlines():
        if line.startswith("streamproc_slack_retries_total{"):
            total += float(line.rsplit(" ", 1)[1])
    return int(total)
