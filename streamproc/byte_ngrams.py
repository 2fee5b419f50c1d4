"""py3langid's naive Bayes over byte n-grams, computed faster with the same answers.

py3langid walks a text's bytes through its n-gram automaton one byte at a
time in Python, and `streamproc.lang` asks it twice per text (all languages,
then our six), converting float16 weight rows on every call. Here a text's
features are found once for both questions, each chunk of bytes is walked once
and remembered, and the weights are kept as float32 (57 MB, in place of the
second copy of the model a restricted identifier would load).
"""

from __future__ import annotations

import math
import unicodedata
from collections import _count_elements as _count_into  # type: ignore[attr-defined]
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, repeat
from operator import add
from typing import Any

import numpy as np
import numpy.typing as npt

CHUNK_CACHE_SIZE = 50_000
"""Automaton walks over chunks of bytes kept; the cache is emptied when it fills."""
_CHUNK_MAX_BYTES = 40
"""Longer chunks (runs of letters without a space) are walked, not kept."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """The byte n-grams of one text: what both py3langid classifiers score."""

    length: int
    """Bytes of the encoded text (py3langid calibrates its softmax by it)."""
    rows: npt.NDArray[np.intp]
    """Feature numbers, in order of first occurrence (py3langid's sum order)."""
    weights: npt.NDArray[np.float32]
    """``log1p`` of each feature's count."""


@dataclass(frozen=True, slots=True)
class _Classes:
    labels: tuple[str, ...]
    table: npt.NDArray[np.float32]
    """Feature-by-class log probabilities, float32 (py3langid keeps float16)."""
    prior: npt.NDArray[np.float32]
    aliases: tuple[tuple[int, int], ...]
    """(first, duplicate) columns of a label listed twice (py3langid's srl->sr)."""


def _classes(labels: Sequence[str], table: Any, prior: Any) -> _Classes:
    first: dict[str, int] = {}
    aliases: list[tuple[int, int]] = []
    for i, label in enumerate(labels):
        if label in first:
            aliases.append((first[label], i))
        else:
            first[label] = i
    return _Classes(
        labels=tuple(str(label) for label in labels),
        table=np.ascontiguousarray(table, dtype=np.float32),
        prior=np.asarray(prior, dtype=np.float32),
        aliases=tuple(aliases),
    )


class ByteNgrams:
    """py3langid's classifier, over all its languages and over a few (``six``).

    Same features, arithmetic and answers as ``LanguageIdentifier.classify``
    with ``norm_probs=True`` (and ``set_languages(languages)``), which the
    tests check; faster because a text's features are found once for both
    classifiers, and because the automaton, from a given state, always turns
    the same chunk of bytes into the same state and features: chunks (words
    and their space) are walked once and remembered. The chunk cache is the
    only mutable state.
    """

    def __init__(self, identifier: Any, languages: Sequence[str]) -> None:
        """``identifier``: a py3langid ``LanguageIdentifier`` over all its languages;
        ``languages``: the ones the restricted classifier (``six``) keeps."""
        self._next: Sequence[int] = identifier.tk_nextmove
        self._rowbase = [row << 8 for row in identifier.tk_row]
        self._out: Sequence[int] = identifier.tk_output
        labels = list(identifier.nb_classes)
        table, prior = identifier.nb_ptc, identifier.nb_pc
        wanted = frozenset(languages)
        six = [i for i, label in enumerate(labels) if label in wanted]
        self.full = _classes(labels, table, prior)
        self.six = _classes([labels[i] for i in six], table[:, six], prior[six])
        self._chunks: dict[tuple[int, bytes], tuple[int, tuple[int, ...]]] = {}

    def evidence(self, text: str) -> Evidence:
        """The features py3langid would find in ``text``."""
        if text.isupper():
            text = text.lower()
        if not text.isascii():  # ASCII is its own NFC
            text = unicodedata.normalize("NFC", text)
        data = text.encode("utf8", errors="surrogatepass")
        counts: dict[int, int] = {}  # Counter's C loop without its Python wrapper: same order
        _count_into(counts, self._walk(data))
        return Evidence(
            length=len(data),
            rows=np.fromiter(counts.keys(), dtype=np.intp, count=len(counts)),
            weights=np.log1p(np.fromiter(counts.values(), dtype=np.float32, count=len(counts))),
        )

    def classify(self, evidence: Evidence, classes: _Classes) -> tuple[str, float]:
        """(best label, its probability among ``classes``), as py3langid computes them."""
        if evidence.rows.size:
            scores = evidence.weights @ classes.table.take(evidence.rows, axis=0)
            scores += classes.prior
        else:
            scores = np.zeros(len(classes.labels), dtype=np.float32)
        scores *= 1.0 / math.sqrt(evidence.length or 1)
        np.subtract(scores, scores.max(), out=scores)
        np.exp(scores, out=scores)
        scores /= scores.sum()
        for i, j in classes.aliases:
            scores[i] += scores[j]
            scores[j] = 0.0
        best = int(scores.argmax())
        return classes.labels[best], float(scores[best])

    def _walk(self, data: bytes) -> list[int]:
        *words, last = data.split(b" ")
        chunks = self._chunks
        state = 0
        features: list[int] = []
        for chunk in chain(map(add, words, repeat(b" ")), (last,)):
            hit = chunks.get((state, chunk))
            if hit is None:
                hit = self._step(state, chunk)
                if len(chunk) <= _CHUNK_MAX_BYTES:
                    if len(chunks) >= CHUNK_CACHE_SIZE:
                        chunks.clear()
                    chunks[state, chunk] = hit
            state = hit[0]
            features += hit[1]
        return features

    def _step(self, state: int, chunk: bytes) -> tuple[int, tuple[int, ...]]:
        """py3langid's ``visit_counts`` loop over one chunk."""
        nextmove, rowbase, out = self._next, self._rowbase, self._out
        found: list[int] = []
        for byte in chunk:
            state = nextmove[rowbase[state] + byte]
            feature = out[state]
            if feature >= 0:
                found.append(feature)
        return state, tuple(found)


@lru_cache(maxsize=1)
def shared(languages: tuple[str, ...]) -> ByteNgrams:
    from py3langid.langid import (  # type: ignore[import-untyped]
        MODEL_FILE,
        LanguageIdentifier,
    )

    return ByteNgrams(LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True), languages)
