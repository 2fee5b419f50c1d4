"""The optional encoder scorer's figures (``streamproc[encoder]``), beside the default's.

Per-language macro-F1, accuracy and confusion matrices on the dev split for
`streamproc.sentiment.encoder.EncoderScorer`, the default linear scorer's
macro-F1 on the same texts, the published anchors, and mentions per second on
one core (one text per call, as ingest scores, and in batches), written to
``bench/results/sentiment_encoder.json``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from streamproc.bench import write_result
from streamproc.bench.sentiment import FLOORS, Example, load_split, sentiment_figures
from streamproc.model import SentimentScore
from streamproc.sentiment import default_scorer
from streamproc.sentiment.encoder import (
    ENCODER_PACKAGE,
    EncoderScorer,
    read_head,
)
from streamproc.sentiment.train import splits_dir

BATCH = 64
"""Texts per call in the batched throughput pass."""

BATCH_TEXTS = 512
"""Dev texts used for the batched pass (the one-at-a-time pass uses all)."""


class _TimedScorer:
    """Wraps a scorer and adds up the CPU time its `score` calls take."""

    def __init__(self, inner: EncoderScorer) -> None:
        self.inner = inner
        self.cpu_s = 0.0
        self.wall_s = 0.0
        self.calls = 0

    def score(self, text: str, lang: str) -> SentimentScore:
        cpu, wall = time.process_time(), time.perf_counter()
        out = self.inner.score(text, lang)
        self.cpu_s += time.process_time() - cpu
        self.wall_s += time.perf_counter() - wall
        self.calls += 1
        return out


def _per_second(count: int, seconds: float) -> float | None:
    return round(count / seconds, 1) if seconds > 0 else None


def batched_throughput(examples: Sequence[Example], scorer: EncoderScorer) -> dict[str, object]:
    """Mentions per CPU second when ``BATCH`` texts go to the engine per call."""
    rows = list(examples[:BATCH_TEXTS])
    cpu, wall = time.process_time(), time.perf_counter()
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        scorer.score_many([e.text for e in chunk], [e.lang for e in chunk])
    return {
        "mentions": len(rows),
        "batch": BATCH,
        "mentions_per_cpu_s": _per_second(len(rows), time.process_time() - cpu),
        "mentions_per_wall_s": _per_second(len(rows), time.perf_counter() - wall),
    }


def install_size() -> dict[str, object]:
    """Bytes the encoder package occupies once installed (its model files included)."""
    dist = metadata.distribution(ENCODER_PACKAGE)
    total = 0
    for f in dist.files or ():
        path = Path(str(dist.locate_file(f)))
        if path.is_file():
            total += path.stat().st_size
    return {"package": f"{ENCODER_PACKAGE}=={dist.version}", "installed_bytes": total}


def run(results_dir: Path, data_dir: Path) -> dict[str, object]:
    """Measures on ``data_dir``'s dev split; writes ``results_dir/sentiment_encoder.json``."""
    sentiment_dir = splits_dir(data_dir)
    dev = load_split(sentiment_dir / "dev.jsonl")
    scorer = EncoderScorer(read_head(), threads=1)
    scorer.score("warm up", "en")
    timed = _TimedScorer(scorer)
    figures = sentiment_figures(dev, timed)
    linear = sentiment_figures(dev, default_scorer())
    linear_langs = linear["per_language"]
    linear_f1 = (
        {lang: row["macro_f1"] for lang, row in linear_langs.items() if isinstance(row, dict)}
        if isinstance(linear_langs, dict)
        else {}
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    result: dict[str, object] = {
        "split": "dev",
        "method": scorer.method,
        "sentiment": figures,
        "linear_scorer_dev_macro_f1": linear_f1,
        "linear_scorer_overall": linear["overall"],
        "throughput_one_core": {
            "one_text_per_call": {
                "mentions": timed.calls,
                "mentions_per_cpu_s": _per_second(timed.calls, timed.cpu_s),
                "mentions_per_wall_s": _per_second(timed.calls, timed.wall_s),
            },
            "batched": batched_throughput(dev, scorer),
            "threads": 1,
            "load_average_1m": load,
            "cpus": os.cpu_count(),
            "note": "scoring only, language given; the default scorer's target is 5000/s",
        },
        "install": install_size(),
        "floors_test": FLOORS,
        "note": "anchors are macro-F1 on the held-out test sets (data README); "
        "our figures are on dev, which also chose the head's settings.",
    }
    write_result(results_dir, "sentiment_encoder", result)
    return result
