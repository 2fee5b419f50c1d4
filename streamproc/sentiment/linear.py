"""The default scorer: multinomial logistic regression over text features.

The weights, vocabulary and lexicons live in the shipped artefact (see
`streamproc.sentiment.train`). Scoring is a dictionary lookup per feature and a
3-column weighted sum: no BLAS, no randomness, the same answer every time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from streamproc.model import Label, SentimentScore
from streamproc.sentiment.features import lexicon_features, ngram_counts
from streamproc.sentiment.lexicon import LexiconRules
from streamproc.sentiment.text import Tokens, tokenize_cached

LABELS: tuple[Label, Label, Label] = ("negative", "neutral", "positive")
"""Column order of the weight matrix."""

DEFAULT_THRESHOLD = 0.4
"""A polar label needs at least this probability, otherwise the text is neutral."""

METHOD = "linear-v1"


def encode_vocab(names: list[str]) -> npt.NDArray[np.uint8]:
    """Feature names as one UTF-8 byte array (no pickled strings in the artefact)."""
    return np.frombuffer("\n".join(names).encode("utf-8"), dtype=np.uint8).copy()


def decode_vocab(raw: npt.NDArray[np.generic]) -> list[str]:
    """Inverse of `encode_vocab`."""
    text = raw.astype(np.uint8).tobytes().decode("utf-8")
    return text.split("\n") if text else []


class LinearScorer:
    """A `Scorer`; read-only after construction, so safe to share."""

    method = METHOD

    def __init__(
        self,
        *,
        vocab: list[str],
        weights: npt.NDArray[np.floating],
        bias: npt.NDArray[np.floating],
        rules: LexiconRules,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> None:
        if weights.shape != (len(vocab), len(LABELS)):
            msg = f"weights {weights.shape} do not match {len(vocab)} features"
            raise ValueError(msg)
        rows = np.asarray(weights, dtype=np.float64).tolist()
        self._weights: dict[str, tuple[float, float, float]] = {
            name: (r[0], r[1], r[2]) for name, r in zip(vocab, rows, strict=True)
        }
        b = np.asarray(bias, dtype=np.float64).reshape(len(LABELS)).tolist()
        self._bias = (b[0], b[1], b[2])
        self._rules = rules
        self._threshold = threshold

    @classmethod
    def from_arrays(
        cls, arrays: Mapping[str, npt.NDArray[np.generic]], rules: LexiconRules
    ) -> LinearScorer:
        """Builds the scorer from the artefact's members."""
        return cls(
            vocab=decode_vocab(arrays["vocab"]),
            weights=np.asarray(arrays["weights"], dtype=np.float64),
            bias=np.asarray(arrays["bias"], dtype=np.float64),
            rules=rules,
            threshold=float(np.asarray(arrays["threshold"]).reshape(-1)[0]),
        )

    def probabilities(self, tokens: Tokens, lang: str) -> tuple[float, float, float]:
        """P(negative), P(neutral), P(positive).

        Computes exactly what `features` gives, without building its dict (a
        plain loop over 3-wide tuples beats numpy's per-call cost here).
        """
        get = self._weights.get
        log = math.log
        a0 = a1 = a2 = 0.0
        squares = 0.0
        for key, count in ngram_counts(tokens, lang).items():
            v = 1.0 + log(count) if count > 1 else 1.0
            squares += v * v
            w = get(key)
            if w is not None:
                a0 += w[0] * v
                a1 += w[1] * v
                a2 += w[2] * v
        z0, z1, z2 = self._bias
        if squares:
            inv = 1.0 / math.sqrt(squares)
            z0 += a0 * inv
            z1 += a1 * inv
            z2 += a2 * inv
        for name, value in lexicon_features(tokens, lang, self._rules):
            for key in (name, lang + "|" + name):
                w = get(key)
                if w is not None:
                    z0 += w[0] * value
                    z1 += w[1] * value
                    z2 += w[2] * value
        top = max(z0, z1, z2)
        e0, e1, e2 = math.exp(z0 - top), math.exp(z1 - top), math.exp(z2 - top)
        total = e0 + e1 + e2
        return e0 / total, e1 / total, e2 / total

    def score(self, text: str, lang: str) -> SentimentScore:
        """Score = P(positive) - P(negative); unsure polar labels become neutral."""
        p_neg, p_neu, p_pos = self.probabilities(tokenize_cached(text), lang)
        best = max(p_neg, p_neu, p_pos)
        label: Label = LABELS[(p_neg, p_neu, p_pos).index(best)]
        if label != "neutral" and best < self._threshold:
            label = "neutral"
        score = max(-1.0, min(1.0, p_pos - p_neg))
        return SentimentScore(label=label, score=score, confidence=best, method=self.method)
