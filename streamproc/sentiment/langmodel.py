"""A small in-domain language identifier for the six supported languages.

A softmax regression over the distinct words and character 4-grams of a
text (each weighted by one over the square root of their number), trained on
the sentiment training split. `LanguageModel` caches each word's keys and six
partial scores, so a mention costs a cache look-up per word plus a correction
for repeated keys. `streamproc.lang` falls back to py3langid (97 languages)
when it is unsure or when too few of a text's n-grams are known, which is
what a text in another language looks like.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from streamproc.sentiment.features import repeated
from streamproc.sentiment.text import CLAUSE_BREAK, Tokens

LANG_CHAR_SIZE = 4
LANG_MIN_WORD = 2
N_LANGS = 6
"""es, ca, it, en, pt, fr: the scoring loop is unrolled for six."""

WORD_CACHE_SIZE = 30_000
"""Words whose partial scores are kept; the cache is emptied when it fills."""

_Entry = tuple[float, float, float, float, float, float, tuple[str, ...], int]
"""Six partial scores, the word's keys, how many of them the model knows."""


def word_surface_keys(word: str) -> list[str]:
    """The word key and character-4-gram keys of one token (none for markers)."""
    if not word or word[0] == "<" or word == CLAUSE_BREAK or not word.isalpha():
        return []
    keys = ["w:" + word]
    if len(word) >= LANG_MIN_WORD:
        p = " " + word + " "
        n = LANG_CHAR_SIZE
        keys += [p[i : i + n] for i in range(len(p) - n + 1)]
    return keys


def surface_keys(tokens: Tokens) -> list[str]:
    """Distinct word and character-4-gram keys of ``tokens`` (placeholders skipped)."""
    keys: list[str] = []
    for w in tokens.words:
        keys += word_surface_keys(w)
    return list(dict.fromkeys(keys))


class LanguageModel:
    """``predict`` never raises on odd text; the word cache is its only mutable state."""

    def __init__(
        self,
        *,
        labels: list[str],
        vocab: list[str],
        weights: npt.NDArray[np.floating],
        bias: npt.NDArray[np.floating],
    ) -> None:
        if len(labels) != N_LANGS:
            msg = f"the language model needs {N_LANGS} labels, got {len(labels)}"
            raise ValueError(msg)
        self.labels = labels
        rows = np.asarray(weights, dtype=np.float64).tolist()
        self._weights: dict[str, tuple[float, ...]] = {
            name: tuple(r) for name, r in zip(vocab, rows, strict=True)
        }
        self._bias: tuple[float, ...] = tuple(np.asarray(bias, dtype=np.float64).tolist())
        self._cache: dict[str, _Entry] = {}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, npt.NDArray[np.generic]]) -> LanguageModel:
        """Builds the model from the artefact's ``langid_*`` members."""
        from streamproc.sentiment.linear import decode_vocab

        return cls(
            labels=decode_vocab(arrays["langid_labels"]),
            vocab=decode_vocab(arrays["langid_vocab"]),
            weights=np.asarray(arrays["langid_weights"], dtype=np.float64),
            bias=np.asarray(arrays["langid_bias"], dtype=np.float64),
        )

    def _entry(self, word: str) -> _Entry:
        keys = tuple(word_surface_keys(word))
        get = self._weights.get
        z = [0.0] * N_LANGS
        known = 0
        for key in keys:
            w = get(key)
            if w is not None:
                known += 1
                for j in range(N_LANGS):
                    z[j] += w[j]
        entry = (z[0], z[1], z[2], z[3], z[4], z[5], keys, known)
        if len(self._cache) >= WORD_CACHE_SIZE:
            self._cache.clear()
        self._cache[word] = entry
        return entry

    def predict(self, tokens: Tokens) -> tuple[str, float, float]:
        """(best language, its probability, share of the text's distinct keys known).

        Equals a sum over the text's distinct keys: the cached per-word sums
        count a key once per occurrence, so repeats are taken out afterwards.
        """
        cached = self._cache.get
        z0 = z1 = z2 = z3 = z4 = z5 = 0.0
        known = 0
        keys: list[str] = []
        for word in dict.fromkeys(tokens.words):  # a repeated word adds no new key
            e = cached(word)
            if e is None:
                e = self._entry(word)
            if e[6]:
                z0 += e[0]
                z1 += e[1]
                z2 += e[2]
                z3 += e[3]
                z4 += e[4]
                z5 += e[5]
                keys += e[6]
                known += e[7]
        if not keys:
            return self.labels[0], 0.0, 0.0
        n = len(set(keys))
        if n < len(keys):
            get = self._weights.get
            for key, count in repeated(keys):
                w = get(key)
                if w is not None:
                    extra = count - 1
                    known -= extra
                    z0 -= extra * w[0]
                    z1 -= extra * w[1]
                    z2 -= extra * w[2]
                    z3 -= extra * w[3]
                    z4 -= extra * w[4]
                    z5 -= extra * w[5]
        inv = 1.0 / math.sqrt(n)
        z = [b + a * inv for a, b in zip((z0, z1, z2, z3, z4, z5), self._bias, strict=True)]
        top = max(z)
        e6 = [math.exp(v - top) for v in z]
        total = sum(e6)
        best = e6.index(max(e6))
        return self.labels[best], e6[best] / total, known / n
