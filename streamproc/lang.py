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

Steps 2 to 4 give py3langid's own answers, computed once per text for both
questions by `streamproc.byte_ngrams` (a quarter of the sample's mentions reach
them: brand names and hashtags make the in-house model unsure).
"""

from __future__ import annotations

import re
from functools import lru_cache

from streamproc import byte_ngrams
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

_NOISE = re.compile(
    r"[@hw#\d_]"
    r"(?:(?<=@)\w+"
    r"|(?<=h)ttps?://\S+"
    r"|(?<=w)ww\.\S+"
    r"|(?<=(?<!\w)h)ttps?\b"
    r"|(?<=[#\d_])[#\d_]*)",
    re.IGNORECASE,
)
"""Handles, links, a bare "http(s)" and runs of ``#``, digits and ``_``:
``@\\w+|(?:https?://|www\\.)\\S+|\\bhttps?\\b|[#\\d_]+``, each alternative written as its
first character (one class for all, which the regex engine scans for quickly)
and, behind a look-behind for that character, the rest of it."""
_ELONG = re.compile(r"(\w)\1{2,}")


@lru_cache(maxsize=1)
def _own_model() -> LanguageModel:
    return LanguageModel.from_arrays(shipped_arrays())


def clean(text: str) -> str:
    """What the identifier sees: lower case, no handles, links, digits or ``#``."""
    cleaned = _NOISE.sub(" ", text).lower()
    # searching first: a substitution costs twice a search even when nothing matches
    return _ELONG.sub(r"\1\1", cleaned) if _ELONG.search(cleaned) else cleaned


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
    model = byte_ngrams.shared(SUPPORTED)
    evidence = model.evidence(cleaned)
    lang, prob = model.classify(evidence, model.full)
    if prob >= SURE and (lang in _SUPPORTED or (len(lang) == 2 and lang.isalpha())):
        return lang
    lang, prob = model.classify(evidence, model.six)
    return lang if prob >= MIN_CONFIDENCE else UNDETERMINED_LANG
