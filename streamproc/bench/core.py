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

from streamproc import backtest, lang, settings
from streamproc.bench import write_result
from streamproc.errors import InputFileError
from streamproc.sentiment import default_scorer

ROUNDS = 3


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
        "python": platform.python_version(),
        "machine": platform.machine(),
        "measured_at_unix": int(time.time()),
    }
    write_result(results_dir, "core", report)
    return report
