"""Salient terms of a mention, for the "top terms" an alert shows.

Deliberately simple: folded words of four letters or more, minus the
stopwords of our six languages, links, handles and the brand's own name. What
matters is that the same text always gives the same terms, live and in replay.
"""

from __future__ import annotations

import re

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


def terms_of(text: str, exclude: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """Distinct salient terms of a text, in order of first appearance.

    >>> terms_of("¡Yogur CADUCADO otra vez! #verdalia https://x.example/a", frozenset({"verdalia"}))
    ('yogur', 'caducado', 'vez')
    """
    folded = _URL_RE.sub(" ", fold(text))
    seen: dict[str, None] = {}
    for match in _WORD_RE.finditer(folded):
        word = match.group(1).strip("'-")
        if len(word) < 3 or word in STOPWORDS or word in exclude:
            continue
        seen.setdefault(word, None)
    return tuple(seen)
