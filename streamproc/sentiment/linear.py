"""The default scorer: multinomial logistic regression over text features.

The weights, vocabulary and lexicons live in the shipped artefact (see
`streamproc.sentiment.train`). Scoring is a dictionary lookup per feature and a
3-column weighted sum: no BLAS, no randomness, the same answer every time.
A language's own weights (``es/...``) are folded into the shared ones once per
language, so a language costs one table, not a second look-up per key. The
sums keep one fixed order (the terms in text order, then the corrections for
repeated keys in order of first occurrence), and unknown keys, whose zero would
change no sum, are skipped: speed-ups must keep the answers to the last bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
import numpy.typing as npt

from streamproc.model import Label, SentimentScore
from streamproc.sentiment.features import (
    COPY_LANGS,
    EMPHASIS,
    LEXICON_FEATURES,
    NEGATED_PREFIX,
    NEGATION_SCOPE,
    char_keys,
    copy_of,
    count,
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

METHOD = "linear-v1"

WORD_CACHE_SIZE = 30_000
"""(Language, word) pairs whose character n-grams are kept; the caches are emptied when they fill.

The per-word caches of scoring and detection together hold about 2 KB a word
(measured), so at most some 60 MB; the dev and sample texts use 13,000 words."""

_Weights = tuple[float, float, float]
_Form = tuple[str, tuple[str, ...], tuple[_Weights, ...], str]
"""One form of a word (plain, or ``~word`` in a negation's scope): the form, its
keys (character n-grams, then the ``w:`` key), the weights they add in that order
(the n-grams' sum, the word's; unknown ones left out), and the start of the
bigram key it opens (``b:form ``)."""
_Entry = tuple[int, _Form, _Form | None]
"""What scoring needs of one word, whatever its neighbours: its kind, then its
plain and negated forms; the negated one is None until a text needs it (most
words never occur inside a negation's scope, and the cache stays smaller)."""
_ZERO: _Weights = (0.0, 0.0, 0.0)
_WORD, _SKIP, _BREAK, _NEGATOR = 0, 1, 2, 3
_LEXICON_CACHE_SIZE = 1_000
"""Languages whose lexicon-feature weights are kept; emptied when it fills."""
_Table = tuple[dict[str, _Weights], dict[str, _Weights], dict[str, _Entry]]
"""A language's weights, its bigram weights alone (the per-word look-ups then
stay in a table a third of the size), and its word cache (one per table, so
a word is looked up as it is, without building a (language, word) key)."""
_BIGRAM = "b:"
_Get = Callable[[str], _Weights | None]


def _bigrams(weights: dict[str, _Weights]) -> dict[str, _Weights]:
    return {key: w for key, w in weights.items() if key.startswith(_BIGRAM)}


def _form(m: str, ckeys: tuple[str, ...], chars: tuple[_Weights, ...], get: _Get) -> _Form:
    key = "w:" + m
    w = get(key)
    return (m, (*ckeys, key), chars if w is None else (*chars, w), f"b:{m} ")


def encode_vocab(names: list[str]) -> npt.NDArray[np.uint8]:
    """Feature names as one UTF-8 byte array (no pickled strings in the artefact)."""
    return np.frombuffer("\n".join(names).encode("utf-8"), dtype=np.uint8).copy()


def decode_vocab(raw: npt.NDArray[np.generic]) -> list[str]:
    """Inverse of `encode_vocab`."""
    text = raw.astype(np.uint8).tobytes().decode("utf-8")
    return text.split("\n") if text else []


class LinearScorer:
    """A `Scorer`, safe to share: its caches only ever map a key to the same answers
    (a word's entry may gain its negated form, which changes none)."""

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
        self._shared: _Table = (self._weights, _bigrams(self._weights), {})
        self._tables: dict[str, _Table] = {}
        self._cached_words = 0
        """Entries in all the tables' word caches together."""
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
        """Weights with ``lang``'s own folded in, its bigrams alone, its cache-key prefix.

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
        table = (merged, _bigrams(merged), {})
        self._tables[lang] = table
        return table

    def _entry(
        self,
        word: str,
        table: _Table,
        negators: frozenset[str],
        *,
        negated: bool = False,
    ) -> _Entry:
        """``negators`` are the language's: each table's languages have one set of them."""
        weights, _, cache = table
        get = weights.get
        ckeys = tuple(char_keys(word))
        a0 = a1 = a2 = 0.0
        known = False
        for key in ckeys:
            w = get(key)
            if w is not None:
                known = True
                a0 += w[0]
                a1 += w[1]
                a2 += w[2]
        chars: tuple[_Weights, ...] = ((a0, a1, a2),) if known else ()
        if word == CLAUSE_BREAK:
            kind = _BREAK
        elif word in INTENSIFIERS or word in EMPHASIS:
            kind = _SKIP
        elif word.endswith("n't") or word in negators:
            kind = _NEGATOR
        else:
            kind = _WORD
        if kind in (_SKIP, _BREAK):  # no word key: only the n-grams count
            entry: _Entry = (kind, (word, ckeys, chars, ""), None)
        else:
            forms = [_form(word, ckeys, chars, get)]
            if negated:
                forms.append(_form(NEGATED_PREFIX + word, ckeys, chars, get))
            entry = (kind, forms[0], forms[1] if negated else None)
        if word not in cache:
            if self._cached_words >= WORD_CACHE_SIZE:
                for _, _, full in (self._shared, *self._tables.values()):
                    full.clear()
                self._cached_words = 0
            self._cached_words += 1
        cache[word] = entry
        return entry

    def _negated(self, word: str, table: _Table, lang: str) -> _Form:
        """The negated form of a word whose cache entry was built without it."""
        form = self._entry(word, table, negators_of(lang), negated=True)[2]
        if form is None:  # a word of another kind is never negated
            msg = f"no negated form for {word!r}"
            raise ValueError(msg)
        return form

    def _lexicon_table(
        self, lang: str, get: _Get
    ) -> tuple[tuple[_Weights | None, _Weights | None], ...]:
        """Per `LEXICON_FEATURES` name, its shared and ``lang|`` weights (None when unknown)."""
        table = self._lexicon_weights.get(lang)
        if table is None:
            table = tuple((get(name), get(lang + "|" + name)) for name in LEXICON_FEATURES)
            if len(self._lexicon_weights) >= _LEXICON_CACHE_SIZE:
                self._lexicon_weights.clear()
            self._lexicon_weights[lang] = table
        return table

    def probabilities(self, tokens: Tokens, lang: str) -> tuple[float, float, float]:
        """P(negative), P(neutral), P(positive).

        Computes exactly what `features` gives, without building its dict (a
        plain loop over 3-wide tuples beats numpy's per-call cost here). What
        does not depend on a word's neighbours (its character n-grams, its word
        features) is cached per word, so the sum runs over occurrences; keys
        that occur more than once are then brought to their log-scaled count.
        Unknown keys add nothing, so they are not added: a sum that starts at
        0.0 never becomes -0.0, so adding a zero would leave it unchanged.
        """
        table = self._table(lang)
        weights, bigrams, cache = table
        get = weights.get
        get_bigram = bigrams.get
        cached = cache.get
        keys: list[str] = []
        terms: list[_Weights] = []
        scope = 0
        prev = ""
        for word in tokens.words:
            e = cached(word)
            if e is None:
                e = self._entry(word, table, negators_of(lang))
            kind = e[0]
            if kind == _WORD:
                if scope:
                    scope -= 1
                    negated = e[2]
                    if negated is None:
                        negated = self._negated(word, table, lang)
                    m, ks, ts, opens = negated
                else:
                    m, ks, ts, opens = e[1]
            elif kind == _NEGATOR:
                scope = NEGATION_SCOPE
                m, ks, ts, opens = e[1]
            else:
                keys += e[1][1]
                terms += e[1][2]
                if kind == _BREAK:
                    scope = 0
                    prev = ""
                continue
            keys += ks
            terms += ts
            if prev:
                key = prev + m
                keys.append(key)
                w = get_bigram(key)
                if w is not None:
                    terms.append(w)
            prev = opens
        z0, z1, z2 = self._bias
        if keys:
            # C-level sums, term by term in text order as a Python loop would add them
            a0, a1, a2 = map(sum, zip(*terms, strict=True)) if terms else _ZERO
            counts = count(keys)
            squares = float(len(counts))
            if squares < len(keys):
                log = math.log
                for key, n in repeats(counts):
                    v = 1.0 + log(n)
                    squares += v * v - 1.0
                    w = get(key)
                    if w is not None:
                        d = v - n
                        a0 += w[0] * d
                        a1 += w[1] * d
                        a2 += w[2] * d
            inv = 1.0 / math.sqrt(squares)
            z0 += a0 * inv
            z1 += a1 * inv
            z2 += a2 * inv
        values = lexicon_values(tokens, lang, self._rules)
        if values[0] or values[1] or values[2] or values[3]:
            for value, (shared, own) in zip(values, self._lexicon_table(lang, get), strict=True):
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
