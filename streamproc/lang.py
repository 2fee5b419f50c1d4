"""Language detection for mentions that arrive without a ``lang``.

Uses py3langid (langid.py's naive Bayes over byte n-grams, about 140 languages, its
model shipped inside the wheel, no pickle) after removing what is not
language: @handles, links, the ``#`` of hashtags, digits, and letters repeated
for emphasis. Measured on the dev split it beat lingua restricted to our six
languages (see ``streamproc bench sentiment``).

The decision, in order (after the in-house model of
`streamproc.sentiment.langmodel`, whose answer is taken when it is sure and
knows most of the text's n-grams):
1. Fewer than three letters: "und".
2. The full model is sure (>= 0.9) of one of our six languages: that one.
3. The full model is sure (>= 0.9) of another language: that one (its
   ISO 639-1 code), so such mentions are counted under their own language.
4. Otherwise the model restricted to our six decides, and answers "und" when
   its best language has less than 0.4 of the probability: a short "no
   funciona" is Spanish or Catalan, and we do not guess.

Steps 2 to 4 give py3langid's own answers, but computed by `ByteNgrams`:
py3langid walks a text's bytes through its n-gram automaton one byte at a
time in Python, twice here (full, then restricted), and converts float16
weight rows on every call. A quarter of the sample's mentions reach it (brand
names and hashtags make the in-house model unsure), where it was half of the
detection cost. Its float32 table (57 MB) replaces the second copy of the
model that the restricted identifier used to load.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from streamproc.model import UNDETERMINED_LANG
from streamproc.sentiment.artefact import shipped_arrays
from streamproc.sentiment.langmodel import LanguageModel
from streamproc.sentiment.text import tokenize_cached

SUPPORTED: tuple[str, ...] = ("es", "ca", "it", "en", "pt", "fr")
"""The languages the product is measured on."""

OWN_SURE = 0.9
"""Probability above which the in-domain model's answer is taken as is."""

OWN_MIN_KNOWN = 0.7
"""Share of a text's n-grams the in-domain model must know (else: maybe foreign)."""

SURE = 0.9
"""Probability over all the model's languages above which the full model is believed."""

MIN_CONFIDENCE = 0.4
"""Below this share among the six, the answer is "und"."""

MIN_LETTERS = 3
_ENOUGH_LETTERS = re.compile(r"[^\W\d_](?:[\W\d_]*[^\W\d_]){2}")
"""Matches once the text has `MIN_LETTERS` letters."""
_SUPPORTED = frozenset(SUPPORTED)

_NOISE = re.compile(r"@\w+|(?:https?://|www\.)\S+|\bhttps?\b|[#\d_]+", re.IGNORECASE)
_ELONG = re.compile(r"(\w)\1{2,}")


CHUNK_CACHE_SIZE = 50_000
"""Automaton walks over chunks of bytes kept; the cache is emptied when it fills."""
_CHUNK_MAX_BYTES = 40
"""Longer chunks (runs of letters without a space) are walked, not kept."""


@lru_cache(maxsize=1)
def _own_model() -> LanguageModel:
    return LanguageModel.from_arrays(shipped_arrays())


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
    """py3langid's classifier, over all its languages and over `SUPPORTED`.

    Same features, arithmetic and answers as ``LanguageIdentifier.classify``
    with ``norm_probs=True`` (and ``set_languages(SUPPORTED)``), which the
    tests check; faster because a text's features are found once for both
    classifiers, and because the automaton, from a given state, always turns
    the same chunk of bytes into the same state and features: chunks (words
    and their space) are walked once and remembered. The chunk cache is the
    only mutable state.
    """

    def __init__(self, identifier: Any) -> None:
        """``identifier``: a py3langid ``LanguageIdentifier`` over all its languages."""
        self._next: Sequence[int] = identifier.tk_nextmove
        self._rowbase = [row << 8 for row in identifier.tk_row]
        self._out: Sequence[int] = identifier.tk_output
        labels = list(identifier.nb_classes)
        table, prior = identifier.nb_ptc, identifier.nb_pc
        six = [i for i, label in enumerate(labels) if label in _SUPPORTED]
        self.full = _classes(labels, table, prior)
        self.six = _classes([labels[i] for i in six], table[:, six], prior[six])
        self._chunks: dict[tuple[int, bytes], tuple[int, tuple[int, ...]]] = {}

    def evidence(self, text: str) -> Evidence:
        """The features py3langid would find in ``text``."""
        if text.isupper():
            text = text.lower()
        data = unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")
        counts = Counter(self._walk(data))
        return Evidence(
            length=len(data),
            rows=np.fromiter(counts.keys(), dtype=np.intp, count=len(counts)),
            weights=np.log1p(np.fromiter(counts.values(), dtype=np.float32, count=len(counts))),
        )

    def classify(self, evidence: Evidence, classes: _Classes) -> tuple[str, float]:
        """(best label, its probability among ``classes``), as py3langid computes them."""
        if evidence.rows.size:
            scores = evidence.weights @ classes.table.take(evidence.rows, axis=0) + classes.prior
        else:
            scores = np.zeros(len(classes.labels), dtype=np.float32)
        scores *= 1.0 / math.sqrt(evidence.length or 1)
        np.exp(scores - scores.max(), out=scores)
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
        for chunk in [*(w + b" " for w in words), last]:
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
def _byte_ngrams() -> ByteNgrams:
    from py3langid.langid import (  # type: ignore[import-untyped]
        MODEL_FILE,
        LanguageIdentifier,
    )

    return ByteNgrams(LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True))


def clean(text: str) -> str:
    """What the identifier sees: lower case, no handles, links, digits or ``#``."""
    return _ELONG.sub(r"\1\1", _NOISE.sub(" ", text).lower())


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text``, or "und" when unsure; never raises."""
    try:
        return _detect(text)
    except Exception:  # a detector must never stop ingest; "und" is counted
        return UNDETERMINED_LANG


def _detect(text: str) -> str:
    lang, prob, known = _own_model().predict(tokenize_cached(text))
    if prob >= OWN_SURE and known >= OWN_MIN_KNOWN:
        return lang
    cleaned = clean(text)
    if _ENOUGH_LETTERS.search(cleaned) is None:
        return UNDETERMINED_LANG
    model = _byte_ngrams()
    evidence = model.evidence(cleaned)
    lang, prob = model.classify(evidence, model.full)
    if prob >= SURE and (lang in _SUPPORTED or (len(lang) == 2 and lang.isalpha())):
        return lang
    lang, prob = model.classify(evidence, model.six)
    return lang if prob >= MIN_CONFIDENCE else UNDETERMINED_LANG
