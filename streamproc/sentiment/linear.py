"""The default scorer: multinomial logistic regression over text features.

The weights, vocabulary and lexicons live in the shipped artefact (see
`streamproc.sentiment.train`). Scoring is a dictionary lookup per feature and a
3-column weighted sum: no BLAS, no randomness, the same answer every time.
A language's own weights (``es/...``) are folded into the shared ones once per
language, so a language costs one table, not a second look-up per key.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from streamproc.model import Label, SentimentScore
from streamproc.sentiment.features import (
    COPY_LANGS,
    EMPHASIS,
    NEGATED_PREFIX,
    NEGATION_SCOPE,
    char_keys,
    copy_of,
    lexicon_features,
    negators_of,
    repeated,
)
from streamproc.sentiment.lexicon import LexiconRules
from streamproc.sentiment.text import CLAUSE_BREAK, Tokens, tokenize_cached
from streamproc.sentiment.words import INTENSIFIERS

LABELS: tuple[Label, Label, Label] = ("negative", "neutral", "positive")
"""Column order of the weight matrix."""

DEFAULT_THRESHOLD = 0.4
"""A polar label needs at least this probability, otherwise the text is neutral."""

METHOD = "linear-v1"

WORD_CACHE_SIZE = 30_000
"""(Language, word) pairs whose character n-grams are kept; the cache is emptied when it fills.

The per-word caches of scoring and detection together hold about 2 KB a word
(measured), so at most some 60 MB; the dev and sample texts use 13,000 words."""

_Weights = tuple[float, float, float]
_Entry = tuple[float, float, float, tuple[str, ...], int, str, _Weights, str, str, _Weights]
"""What scoring needs of one word, whatever its neighbours: summed character-n-gram
weights, the n-grams, its kind, then plain and negated (``~word``) word keys and
weights."""
_ZERO: _Weights = (0.0, 0.0, 0.0)
_SHARED_TAG = "*\x00"
"""Cache-key prefix for languages without their own weights (a language tag is ``es\x00``)."""
_WORD, _SKIP, _BREAK, _NEGATOR = 0, 1, 2, 3


def encode_vocab(names: list[str]) -> npt.NDArray[np.uint8]:
    """Feature names as one UTF-8 byte array (no pickled strings in the artefact)."""
    return np.frombuffer("\n".join(names).encode("utf-8"), dtype=np.uint8).copy()


def decode_vocab(raw: npt.NDArray[np.generic]) -> list[str]:
    """Inverse of `encode_vocab`."""
    text = raw.astype(np.uint8).tobytes().decode("utf-8")
    return text.split("\n") if text else []


class LinearScorer:
    """A `Scorer`, safe to share: its word cache only ever maps a word to the same value."""

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
        self._weights: dict[str, _Weights] = {}
        own: dict[str, dict[str, _Weights]] = {lang: {} for lang in COPY_LANGS}
        for name, r in zip(vocab, rows, strict=True):
            copy = copy_of(name)
            if copy is not None:
                own[copy[0]][copy[1]] = (r[0], r[1], r[2])
            else:
                self._weights[name] = (r[0], r[1], r[2])
        self._own = own
        self._tables: dict[str, tuple[dict[str, _Weights], str]] = {}
        b = np.asarray(bias, dtype=np.float64).reshape(len(LABELS)).tolist()
        self._bias = (b[0], b[1], b[2])
        self._rules = rules
        self._threshold = threshold
        self._cache: dict[str, _Entry] = {}

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

    def _table(self, lang: str) -> tuple[dict[str, _Weights], str]:
        """Weights with ``lang``'s own folded in, and its cache-key prefix.

        Built on first use; rebuilding it gives the same table, so a race
        between threads only costs time.
        """
        table = self._tables.get(lang)
        if table is not None:
            return table
        if lang not in self._own:
            return self._weights, _SHARED_TAG
        merged = dict(self._weights)
        for key, w in self._own[lang].items():
            s = merged.get(key, _ZERO)
            merged[key] = (s[0] + w[0], s[1] + w[1], s[2] + w[2])
        table = (merged, lang + "\x00")
        self._tables[lang] = table
        return table

    def _entry(self, word: str, cache_key: str, weights: dict[str, _Weights]) -> _Entry:
        get = weights.get
        ckeys = tuple(char_keys(word))
        a0 = a1 = a2 = 0.0
        for key in ckeys:
            w = get(key)
            if w is not None:
                a0 += w[0]
                a1 += w[1]
                a2 += w[2]
        if word == CLAUSE_BREAK:
            kind = _BREAK
        elif word in INTENSIFIERS or word in EMPHASIS:
            kind = _SKIP
        else:
            kind = _NEGATOR if word.endswith("n't") else _WORD
        negated = NEGATED_PREFIX + word
        entry = (
            a0,
            a1,
            a2,
            ckeys,
            kind,
            "w:" + word,
            get("w:" + word, _ZERO),
            negated,
            "w:" + negated,
            get("w:" + negated, _ZERO),
        )
        if len(self._cache) >= WORD_CACHE_SIZE:
            self._cache.clear()
        self._cache[cache_key] = entry
        return entry

    def probabilities(self, tokens: Tokens, lang: str) -> tuple[float, float, float]:
        """P(negative), P(neutral), P(positive).

        Computes exactly what `features` gives, without building its dict (a
        plain loop over 3-wide tuples beats numpy's per-call cost here). What
        does not depend on a word's neighbours (its character n-grams, its word
        features) is cached per word, so the sum runs over occurrences; keys
        that occur more than once are then brought to their log-scaled count.
        """
        weights, tag = self._table(lang)
        get = weights.get
        cached = self._cache.get
        negators = negators_of(lang)
        a0 = a1 = a2 = 0.0
        keys: list[str] = []
        scope = 0
        prev = ""
        for word in tokens.words:
            ckey = tag + word
            e = cached(ckey)
            if e is None:
                e = self._entry(word, ckey, weights)
            if e[3]:
                a0 += e[0]
                a1 += e[1]
                a2 += e[2]
                keys += e[3]
            kind = e[4]
            if kind == _BREAK:
                scope = 0
                prev = ""
                continue
            if kind == _SKIP:
                continue
            if kind == _NEGATOR or word in negators:
                scope = NEGATION_SCOPE
                m, key, w = word, e[5], e[6]
            elif scope:
                scope -= 1
                m, key, w = e[7], e[8], e[9]
            else:
                m, key, w = word, e[5], e[6]
            keys.append(key)
            a0 += w[0]
            a1 += w[1]
            a2 += w[2]
            if prev:
                key = "b:" + prev + " " + m
                keys.append(key)
                w = get(key, _ZERO)
                a0 += w[0]
                a1 += w[1]
                a2 += w[2]
            prev = m
        z0, z1, z2 = self._bias
        if keys:
            squares = float(len(set(keys)))
            if squares < len(keys):
                log = math.log
                for key, count in repeated(keys):
                    v = 1.0 + log(count)
                    squares += v * v - 1.0
                    d = v - count
                    w = get(key, _ZERO)
                    a0 += w[0] * d
                    a1 += w[1] * d
                    a2 += w[2] * d
            inv = 1.0 / math.sqrt(squares)
            z0 += a0 * inv
            z1 += a1 * inv
            z2 += a2 * inv
        for name, value in lexicon_features(tokens, lang, self._rules):
            for key in (name, lang + "|" + name):
                w = get(key, _ZERO)
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
