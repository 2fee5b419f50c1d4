"""A small in-domain language identifier for the six supported languages.

A softmax regression over the word and character 4-gram keys of a text's
distinct words, scaled by one over the square root of their number, trained on
the sentiment training split. A key shared by two different words counts
twice: then a text's score is the sum of its distinct words' cached partial
scores, which C-level ``map``/``zip``/``sum`` compute without a Python loop
per word (deduplicating keys across words as well cost a third of the
detector's time and changed no dev answer; see `streamproc.sentiment.train`).
`streamproc.lang` falls back to py3langid (97 languages) when it is unsure or
when too few of a text's keys are known, which is what a text in another
language looks like.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from streamproc.sentiment.features import count
from streamproc.sentiment.text import CLAUSE_BREAK, Tokens

LANG_CHAR_SIZE = 4
LANG_MIN_WORD = 2
N_LANGS = 6
"""es, ca, it, en, pt, fr."""

WORD_CACHE_SIZE = 30_000
"""Words whose partial scores are kept; the cache is emptied when it fills."""

_Entry = tuple[float, float, float, float, float, float, int, int]
"""A word's six partial scores, its number of keys, how many of them the model knows."""


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


def surface_counts(tokens: Tokens) -> dict[str, int]:
    """How often each key occurs among the keys of the distinct words of ``tokens``."""
    keys: list[str] = []
    for w in dict.fromkeys(tokens.words):
        keys += word_surface_keys(w)
    return count(keys)


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
        keys = word_surface_keys(word)
        get = self._weights.get
        z = [0.0] * N_LANGS
        known = 0
        for key in keys:
            w = get(key)
            if w is not None:
                known += 1
                for j in range(N_LANGS):
                    z[j] += w[j]
        entry = (z[0], z[1], z[2], z[3], z[4], z[5], len(keys), known)
        if len(self._cache) >= WORD_CACHE_SIZE:
            self._cache.clear()
        self._cache[word] = entry
        return entry

    def predict(self, tokens: Tokens) -> tuple[str, float, float]:
        """(best language, its probability, share of the text's keys known)."""
        distinct = dict.fromkeys(tokens.words)
        entries = list(map(self._cache.get, distinct))
        if not all(entries):  # entries are non-empty tuples: only a miss is falsy
            entries = [e or self._entry(w) for e, w in zip(entries, distinct, strict=True)]
        if not entries:
            return self.labels[0], 0.0, 0.0
        sums: list[float] = list(map(sum, zip(*entries, strict=True)))
        n, known = sums[N_LANGS], sums[N_LANGS + 1]
        if not n:
            return self.labels[0], 0.0, 0.0
        inv = 1.0 / math.sqrt(n)
        z = [b + a * inv for a, b in zip(sums[:N_LANGS], self._bias, strict=True)]
        top = max(z)
        e6 = [math.exp(v - top) for v in z]
        best = e6.index(1.0)
        return self.labels[best], 1.0 / sum(e6), known / n
