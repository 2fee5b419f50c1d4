"""A small in-domain language identifier for the six supported languages.

A softmax regression over the words and character 4-grams that the sentiment
features already use, trained on the same split. It answers most mentions in
a few microseconds; `streamproc.lang` falls back to py3langid (97 languages)
when it is unsure or when too few of a text's n-grams are known, which is
what a text in another language looks like.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from streamproc.sentiment.text import CLAUSE_BREAK, Tokens

LANG_CHAR_SIZE = 4
LANG_MIN_WORD = 2
N_LANGS = 6
"""es, ca, it, en, pt, fr: the scoring loop is unrolled for six."""


def surface_keys(tokens: Tokens) -> list[str]:
    """Distinct word and character-4-gram keys of ``tokens`` (placeholders skipped)."""
    words = [w for w in tokens.words if w[0] != "<" and w != CLAUSE_BREAK and w.isalpha()]
    keys = ["w:" + w for w in words]
    n = LANG_CHAR_SIZE
    padded = [" " + w + " " for w in words if len(w) >= LANG_MIN_WORD]
    keys += [p[i : i + n] for p in padded for i in range(len(p) - n + 1)]
    return list(dict.fromkeys(keys))


class LanguageModel:
    """Read-only after construction; ``predict`` never raises on odd text."""

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

    def predict(self, tokens: Tokens) -> tuple[str, float, float]:
        """(best language, its probability, share of the text's keys known)."""
        keys = surface_keys(tokens)
        if not keys:
            return self.labels[0], 0.0, 0.0
        get = self._weights.get
        z0 = z1 = z2 = z3 = z4 = z5 = 0.0
        known = 0
        for key in keys:
            w = get(key)
            if w is not None:
                known += 1
                z0 += w[0]
                z1 += w[1]
                z2 += w[2]
                z3 += w[3]
                z4 += w[4]
                z5 += w[5]
        inv = 1.0 / math.sqrt(len(keys))
        z = [b + a * inv for a, b in zip((z0, z1, z2, z3, z4, z5), self._bias, strict=True)]
        top = max(z)
        e = [math.exp(v - top) for v in z]
        total = sum(e)
        best = e.index(max(e))
        return self.labels[best], e[best] / total, known / len(keys)
