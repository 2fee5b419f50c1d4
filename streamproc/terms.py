"""Salient terms of a mention, for the "top terms" an alert shows.

Deliberately simple: folded words of four letters or more, minus the
stopwords of our six languages, links, handles and the brand's own name. What
matters is that the same text always gives the same terms, live and in replay.

Each term also has a *key*, its Snowball stem in the mention's language
(taken before accents are folded, as the stemmers expect), under which
inflected forms are counted together: "intoxicación" and "intoxicaciones"
are one term, shown as the form the bucket used most. Stems shorter than
four letters are too blunt to merge on (Catalan stems "retirada" to "ret"):
such a word is its own key.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import snowballstemmer

from streamproc.brands import fold

_WORD_RE = re.compile(r"(?<![@\w/])#?([^\W\d_][\w'-]{3,})", re.UNICODE)
_URL_RE = re.compile(r"https?://\S+|www\.\S+")

STOPWORDS = frozenset(
    """
    this that with have from they their there what when were will would your yours about just
    like been more than then them into only also some very really dont cant still after before
    because could should these those where which while being here over para pero como esta
    este esto estos estas porque cuando donde todo todos toda todas tengo tiene tienen hace
    hemos habia sido solo siempre nada muy mucho mucha muchos desde hasta otra otro otros
    sobre entre algo alguien ahora aqui alli pues bueno igual tambien nunca cada menos mismo
    misma llevo estoy estan esta eres somos amb aquest aquesta aquests perque quan molt molta
    molts moltes tots totes tinc tenen fins ara aqui mateix nosaltres vosaltres sempre mai
    encara doncs gaire questo questa questi quello quella sono siamo anche della delle degli
    nella nelle perche quando dove tutto tutti sempre ancora molto poco dopo prima come cosa
    niente mais avec pour dans sont cette ceux elles nous vous leur leurs tout tous toute
    toutes tres encore depuis aussi comme quand apres avant rien jamais peut fait voila
    vraiment chez voce voces isso essa esse esta estou estao muito muita pelo pela pelos pelas
    quando onde tudo todos sempre ainda nada depois antes agora aqui mesmo
    """.split()  # noqa: SIM905 - a word list reads best as text
)


_STEMMERS = {
    "ca": "catalan",
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "it": "italian",
    "pt": "portuguese",
}
_MIN_STEM = 4


@lru_cache(maxsize=65_536)
def _stem(word: str, lang: str) -> str:
    algorithm = _STEMMERS.get(lang)
    if algorithm is None:
        return fold(word)
    stem = fold(_stemmer(algorithm).stemWord(word))
    return stem if len(stem) >= _MIN_STEM else fold(word)


@lru_cache(maxsize=len(_STEMMERS))
def _stemmer(algorithm: str) -> Any:
    return snowballstemmer.stemmer(algorithm)


def keyed_terms(
    text: str, lang: str, exclude: frozenset[str] = frozenset()
) -> tuple[tuple[str, str], ...]:
    """Distinct salient terms of a text as (form, key), in order of first appearance.

    >>> keyed_terms("Intoxicaciones por el yogur: otra intoxicación", "es")
    (('intoxicaciones', 'intox'), ('yogur', 'yogur'))
    >>> keyed_terms("Retirada del lot! #Verdalia https://x.example", "ca", frozenset({"verdalia"}))
    (('retirada', 'retirada'),)
    """
    lowered = _URL_RE.sub(" ", text.casefold())
    seen: dict[str, str] = {}
    keys: set[str] = set()
    for match in _WORD_RE.finditer(lowered):
        word = match.group(1).strip("'-")
        form = fold(word)
        if len(form) < 3 or form in STOPWORDS or form in exclude or form in seen:
            continue
        key = _stem(word, lang)
        if key not in keys:  # a mention counts once per term, whatever its forms
            keys.add(key)
            seen[form] = key
    return tuple(seen.items())
