"""`streamproc bench core`: the offline core's throughput against plain JSON decoding.

Both rates come from the same file in the same run, so the ratio says how
much the core (parse, brand matching, language, sentiment, buckets, detector,
alerts) costs per mention compared with merely reading it, on whatever
machine runs it.
"""

from __future__ import annotations

import contextlib
import json
import platform
import statistics
import time
from pathlib import Path

from streamproc import backtest, codec, lang, settings
from streamproc.bench import write_result
from streamproc.engine import ListChunks, accumulate
from streamproc.errors import InputFileError
from streamproc.model import Mention, ScoredMention, SentimentScore
from streamproc.sentiment import default_scorer
from streamproc.windows import BucketAcc

ROUNDS = 3
BIG_BUCKET = 20_000
"""Mentions in the one bucket of the big-bucket figure (22 a second over 15 minutes)."""


class _MeasuredChunks(ListChunks):
    """In-memory chunks that note the size of each chunk record put, as the agent writes it."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    def put(self, k: int, ids: frozenset[str]) -> None:
        super().put(k, ids)
        self.sizes.append(len(json.dumps(codec.id_chunk_to_dict(ids)).encode()))


def big_bucket(n: int = BIG_BUCKET) -> dict[str, object]:
    """One brand's bucket filling with ``n`` negative mentions, written as the agent does.

    Every mention rewrites the bucket's table value (one changelog record),
    and a full chunk of ids is written once; the figures are the bytes those
    records add up to and the largest, which Kafka caps at 1 MB by default.
    """
    acc: BucketAcc | None = None
    chunks = _MeasuredChunks()
    written = largest = 0
    t0 = time.perf_counter()
    for i in range(n):
        mention = Mention(
            mention_id=str(1_800_000_000_000_000_000 + i),
            text=f"Yogur caducado otra vez, lote {i % 50}: intoxicación #{i % 7}",
            created_at_ms=1_700_000_000_000 + i,
            author=f"user{i % 3000}",
            url=f"https://x.example/status/{i}",
            followers=i % 5000,
        )
        sentiment = SentimentScore(label="negative", score=-0.8, confidence=0.9, method="b")
        scored = ScoredMention(mention=mention, brand="acme", lang="es", sentiment=sentiment)
        acc = accumulate(acc, scored, frozenset(), 900_000, chunks)
        sizes = [*chunks.sizes, len(json.dumps(codec.bucket_to_dict(acc)).encode())]
        chunks.sizes.clear()
        written += sum(sizes)
        largest = max(largest, *sizes)
    seconds = time.perf_counter() - t0
    return {
        "mentions": n,
        "mentions_per_s": round(n / seconds),
        "changelog_mb": round(written / 1e6, 1),
        "largest_record_kb": round(largest / 1e3, 1),
    }


def run(results_dir: Path, path: Path | None = None) -> dict[str, object]:
    """Time `backtest.run` and `json.loads` over the file; write bench/results/core.json."""
    path = path or settings.SAMPLE_FILE
    try:
        lines = [line for line in path.read_bytes().splitlines() if line.strip()]
    except OSError as exc:
        msg = f"{path}: cannot read: {exc.strerror}"
        raise InputFileError(msg) from None
    config = settings.load_config()
    scorer = default_scorer()
    core_s: list[float] = []
    decode_s: list[float] = []
    events = 0
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        for line in lines:
            with contextlib.suppress(ValueError):
                json.loads(line)
        decode_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        events = sum(1 for _ in backtest.run(lines, config, scorer, lang.detect_language))
        core_s.append(time.perf_counter() - t0)
    n = len(lines)
    core_rate = n / statistics.median(core_s)
    decode_rate = n / statistics.median(decode_s)
    report: dict[str, object] = {
        "bench": "core",
        "input": str(path),
        "lines": n,
        "rounds": ROUNDS,
        "alert_events": events,
        "core_mentions_per_s": round(core_rate),
        "json_decode_per_s": round(decode_rate),
        "core_over_decode": round(core_rate / decode_rate, 4),
        "big_bucket": big_bucket(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "measured_at_unix": int(time.time()),
    }
    write_result(results_dir, "core", report)
    return report
