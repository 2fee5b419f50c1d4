"""Sentiment scoring for mentions: the `Scorer` protocol and the default scorer.

`default_scorer()` loads the artefact shipped inside this package once and
returns a scorer that is safe to share between threads (read-only tables).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Protocol

from streamproc.model import SentimentScore
from streamproc.sentiment.artefact import read_npz, shipped_arrays
from streamproc.sentiment.lexicon import LexiconRules, LexiconScorer, arrays_to_lexicons
from streamproc.sentiment.linear import LinearScorer


class Scorer(Protocol):
    """Anything that turns a text and its language into a `SentimentScore`."""

    def score(self, text: str, lang: str) -> SentimentScore:
        """``lang`` is an ISO 639-1 code or "und"; never raises on odd text."""
        ...


def load_scorer(path: Path | None = None) -> Scorer:
    """The scorer an artefact holds (the shipped one when ``path`` is None)."""
    arrays = shipped_arrays() if path is None else read_npz(path)
    rules = LexiconRules(arrays_to_lexicons(arrays))
    if "weights" in arrays:
        return LinearScorer.from_arrays(arrays, rules)
    return LexiconScorer(rules)


@lru_cache(maxsize=1)
def default_scorer() -> Scorer:
    """The shipped scorer, loaded once per process."""
    return load_scorer()


__all__ = ["Scorer", "SentimentScore", "default_scorer", "load_scorer"]
