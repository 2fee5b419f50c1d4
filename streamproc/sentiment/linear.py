"""The default scorer: multinomial logistic regression over text features.

The weights, vocabulary and lexicons live in the shipped artefact (see
`streamproc.sentiment.train`). A language's own weights (``es/...``) are folded
into the shared ones once per language, so a language costs one table. The
n-gram part of the features (`streamproc.sentiment.features`) is a sum of
per-form weights (a form's word key plus its character n-grams) and per-pair
bigram weights, so each table caches the summed weights of each form it has
seen, and a mention costs C-level ``map``/``zip``/``sum`` calls over its tokens
rather than a Python loop per key: a Python loop runs only for a text with a
negator (to mark the words in its scope) and for the forms and pairs a text
repeats. No BLAS, no randomness, the same answer every time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from operator import itemgetter

import numpy as np
import numpy.typing as npt

from streamproc.model import Label, SentimentScore
from streamproc.sentiment.features import (
    BIGRAM_PREFIX,
    COPY_LANGS,
    EMPHASIS,
    LEXICON_FEATURES,
    NEGATED_PREFIX,
    NEGATION_SCOPE,
    copy_of,
    count,
    form_keys,
    is_negator,
    lexicon_values,
    negators_of,
    repeats,
)
from streamproc.sentiment.lexicon import LexiconRules
from streamproc.sentiment.text import CLAUSE_BREAK, Tokens, tokenize_cached
from streamproc.sentiment.words import INTENSIFIERS

LABELS: tuple[Label, Label, Label] = ("negative", "neutral", "positive")
"""Column order of the weight matrix."""

DEFAULT_THRESHOLD = 0.4
"""A polar label needs at least this probability, otherwise the text is neutral."""

METHOD = "linear-v2"

WORD_CACHE_SIZE = 30_000
"""(Language, form) pairs whose summed weights are kept; the caches are emptied when they fill.

An entry is a 5-tuple (about 200 bytes with its key), so the caches stay
under some 10 MB; the dev and sample texts use 13,000 forms."""

_Weights = tuple[float, float, float]
_Entry = tuple[float, float, float, int, int]
"""What the n-gram sum needs of one form: the summed weights of its keys (unknown
keys add nothing), how many keys it has, and 1 when it opens a negation's scope."""
_ZERO: _Weights = (0.0, 0.0, 0.0)
_OPENS = itemgetter(4)
"""An entry's negator flag."""
_LEXICON_CACHE_SIZE = 1_000
"""Languages whose lexicon-feature weights are kept; emptied when it fills."""


@dataclass(frozen=True, slots=True)
class _Table:
    """One language's weights (its own folded into the shared ones) and form cache."""

    weights: dict[str, _Weights]
    bigrams: dict[tuple[str, str], _Weights]
    """The bigram weights alone, keyed by the pair of forms: the per-pair look-ups
    stay in a smaller table, and a text's pairs are tuples (hashed from their
    forms' cached hashes) rather than new ``b:a b`` strings to build and hash."""
    negators: frozenset[str]
    cache: dict[str, _Entry] = field(default_factory=dict)


def _column_sums(rows: list[_Weights] | list[_Entry]) -> list[float]:
    """Each column's sum, added row by row (C-level ``sum`` over ``zip``)."""
    return list(map(sum, zip(*rows, strict=True)))


def _bigrams(weights: dict[str, _Weights]) -> dict[tuple[str, str], _Weights]:
    """The ``b:a b`` keys as ``(a, b)``: forms hold no space, so a key with one
    space is one pair of forms, and a key with more is no pair's."""
    out: dict[tuple[str, str], _Weights] = {}
    for key, w in weights.items():
        if key.startswith(BIGRAM_PREFIX):
            a, space, b = key[len(BIGRAM_PREFIX) :].partition(" ")
            if space and " " not in b:
                out[a, b] = w
    return out


def encode_vocab(names: list[str]) -> npt.NDArray[np.uint8]:
    """Feature names as one UTF-8 byte array (no pickled strings in the artefact)."""
    return np.frombuffer("\n".join(names).encode("utf-8"), dtype=np.uint8).copy()


def decode_vocab(raw: npt.NDArray[np.generic]) -> list[str]:
    """Inverse of `encode_vocab`."""
    text = raw.astype(np.uint8).tobytes().decode("utf-8")
    return text.split("\n") if text else []


class LinearScorer:
    """A `Scorer`, safe to share: its caches only ever map a key to the same answer."""

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
        self._shared = _Table(self._weights, _bigrams(self._weights), negators_of("und"))
        self._tables: dict[str, _Table] = {}
        self._cached_forms = 0
        """Entries in all the tables' form caches together."""
        b = np.asarray(bias, dtype=np.float64).reshape(len(LABELS)).tolist()
        self._bias = (b[0], b[1], b[2])
        self._rules = rules
        self._threshold = threshold
        self._lexicon_weights: dict[str, tuple[tuple[_Weights | None, _Weights | None], ...]] = {}

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

    def _table(self, lang: str) -> _Table:
        """``lang``'s table; languages without their own weights share one.

        Built on first use; rebuilding it gives the same table, so a race
        between threads only costs time.
        """
        table = self._tables.get(lang)
        if table is not None:
            return table
        if lang not in self._own:
            return self._shared
        merged = dict(self._weights)
        for key, w in self._own[lang].items():
            s = merged.get(key, _ZERO)
            merged[key] = (s[0] + w[0], s[1] + w[1], s[2] + w[2])
        table = _Table(merged, _bigrams(merged), negators_of(lang))
        self._tables[lang] = table
        return table

    def _entry(self, form: str, table: _Table) -> _Entry:
        found = table.cache.get(form)  # a form seen twice in the text that missed
        if found is not None:
            return found
        keys = form_keys(form)
        known = [w for w in map(table.weights.get, keys) if w is not None]
        a0, a1, a2 = _column_sums(known) if known else _ZERO
        entry = (a0, a1, a2, len(keys), 1 if is_negator(form, table.negators) else 0)
        if self._cached_forms >= WORD_CACHE_SIZE:
            for full in (self._shared, *self._tables.values()):
                full.cache.clear()
            self._cached_forms = 0
        self._cached_forms += 1
        table.cache[form] = entry
        return entry

    def _entries(self, seq: Sequence[str], table: _Table) -> list[_Entry]:
        entries = list(map(table.cache.get, seq))
        if all(entries):
            return entries  # type: ignore[return-value]  # no None left
        return [e or self._entry(f, table) for e, f in zip(entries, seq, strict=True)]

    def _negate(
        self, seq: Sequence[str], entries: list[_Entry], start: int, table: _Table
    ) -> tuple[list[str], list[_Entry]]:
        """`forms` and their entries, for tokens whose first negator is at ``start``.

        The words before it are their own forms already, so only the rest is walked.
        """
        out = list(seq)
        found = list(entries)
        scope = 0
        for i in range(start, len(out)):
            w = out[i]
            if w == CLAUSE_BREAK:
                scope = 0
            elif w in INTENSIFIERS:
                pass
            elif found[i][4]:
                scope = NEGATION_SCOPE
            elif scope:
                scope -= 1
                form = out[i] = NEGATED_PREFIX + w
                found[i] = table.cache.get(form) or self._entry(form, table)
        return out, found

    def _lexicon_table(
        self, lang: str, table: _Table
    ) -> tuple[tuple[_Weights | None, _Weights | None], ...]:
        """Per `LEXICON_FEATURES` name, its shared and ``lang|`` weights (None when unknown)."""
        found = self._lexicon_weights.get(lang)
        if found is None:
            get = table.weights.get
            found = tuple((get(name), get(lang + "|" + name)) for name in LEXICON_FEATURES)
            if len(self._lexicon_weights) >= _LEXICON_CACHE_SIZE:
                self._lexicon_weights.clear()
            self._lexicon_weights[lang] = found
        return found

    def probabilities(self, tokens: Tokens, lang: str) -> tuple[float, float, float]:
        """P(negative), P(neutral), P(positive): what `features` and the weights give.

        The tokens are taken as forms as they are, and those after a negator
        are then marked as `streamproc.sentiment.features.forms` marks them.
        """
        table = self._table(lang)
        words = tokens.words
        seq = words if EMPHASIS.isdisjoint(words) else [w for w in words if w not in EMPHASIS]
        entries = self._entries(seq, table)
        opens = list(map(_OPENS, entries))
        if 1 in opens:
            seq, entries = self._negate(seq, entries, opens.index(1), table)
        z0, z1, z2 = self._bias
        if entries:
            a0, a1, a2, keys, _ = _column_sums(entries)
            pairs = list(pairwise(seq))
            get_bigram = table.bigrams.get
            known = list(filter(None, map(get_bigram, pairs)))
            if known:
                b0, b1, b2 = _column_sums(known)
                a0 += b0
                a1 += b1
                a2 += b2
            keys += len(pairs)
            log = math.log
            counts = count(seq)
            if len(counts) < len(seq):  # a repeated form weighs 1 + ln n, not n
                cached = table.cache.get
                for form, n in repeats(counts):
                    v = 1.0 + log(n)
                    d = v - n
                    e = cached(form) or self._entry(form, table)
                    a0 += e[0] * d
                    a1 += e[1] * d
                    a2 += e[2] * d
                    keys += (v * v - n) * e[3]
            pair_counts = count(pairs)
            if len(pair_counts) < len(pairs):
                for pair, n in repeats(pair_counts):
                    v = 1.0 + log(n)
                    keys += v * v - n
                    w = get_bigram(pair)
                    if w is not None:
                        d = v - n
                        a0 += w[0] * d
                        a1 += w[1] * d
                        a2 += w[2] * d
            inv = 1.0 / math.sqrt(keys)
            z0 += a0 * inv
            z1 += a1 * inv
            z2 += a2 * inv
        values = lexicon_values(tokens, lang, self._rules)
        if values[0] or values[1] or values[2] or values[3]:
            for value, (shared, own) in zip(values, self._lexicon_table(lang, table), strict=True):
                if value:
                    if shared is not None:
                        z0 += shared[0] * value
                        z1 += shared[1] * value
                        z2 += shared[2] * value
                    if own is not None:
                        z0 += own[0] * value
                        z1 += own[1] * value
                        z2 += own[2] * value
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
