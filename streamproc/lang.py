"""Language detection for mentions that arrive without a ``lang``.

Tells es, ca, it, en, pt and fr apart from function words and spelling cues
(ñ, ç, ã, l·l, -ció/-ción, ...) and answers "und" when the evidence is thin or
split, rather than guessing.
"""

from __future__ import annotations

import re

from streamproc.model import UNDETERMINED_LANG

_STOP = {
    "es": "de la que el en y los se del las un por con no una su para es al lo como "
    "más pero sus le ya o este sí porque esta muy sin sobre también me hasta hay donde "
    "todo nos yo qué eso esto está están estoy ser son soy era hoy ahora pues mi "
    "mis tu te gracias nada mucho bien todos ese esa ni otro otra ella él algo",
    "ca": "de la el i que a en els les un una per amb no és del al com més però dels "
    "seu seva molt ha hi ho jo tu ell ella aquest aquesta això també perquè quan on "
    "tot tots totes mai res gens fins doncs pel pels sense ens us em et li vaig va "
    "van està són som era eren hem han bé molt hotel habitació tenen estava quina "
    "dies sense porto tornen diners servei aquí avui ara",
    "it": "di e il la che in a per un una non è del della dei delle con si le lo gli "
    "da al alla sono mi ma come più ho anche questo questa quello se ci ne io tu "
    "lui lei noi voi loro nel nella sul sulla tutto tutti molto già oggi ancora "
    "così perché quando dove chi cosa sempre solo poi essere stato fatto ha hanno",
    "pt": "de a o que e do da em um uma para com não os as no na se por mais dos das "
    "como mas ao ele ela seu sua ou quando muito nos já eu também só pelo pela até "
    "isso sem mesmo você essa esse nem meu minha está são foi ser tem vai hoje "
    "agora tá pra né vc q é bem tudo",
    "fr": "de la le et les des en un une du est que qui pas pour dans ce il je ne sur "
    "au avec se plus par son sa ses mais ou on nous vous ils elles leur tout cette "
    "été être avoir fait comme bien très aussi sont ont c' j' l' d' n' qu' s' m' "
    "à chez ça suis ai quelle quel trois jours sans ce cette merci rien aux",
    "en": "the and to of a in is it you that for on was with be this have are not but "
    "at they my so just i me your what all do we can if will about get like one no "
    "out up from an or by has more its when there their our who would been had how "
    "some them than too now also i'm it's don't",
}

_STOPWORDS: dict[str, set[str]] = {}
for _lang, _words in _STOP.items():
    for _w in _words.split():
        _STOPWORDS.setdefault(_w, set()).add(_lang)

_CUES: tuple[tuple[re.Pattern[str], str, float], ...] = (
    (re.compile(r"ñ"), "es", 2.0),
    (re.compile(r"ción\b|ciones\b"), "es", 2.0),
    (re.compile(r"l·l|ció\b|cions\b|\bny|ny\b|\bels\b|\bamb\b"), "ca", 2.0),
    (re.compile(r"[ãõ]|ção\b|ções\b|\blh|nh"), "pt", 2.0),
    (re.compile(r"zione\b|zioni\b|\bgli\b|\bchi\b"), "it", 2.0),
    (re.compile(r"[êèù]|eau|\bqu'"), "fr", 1.0),
    (re.compile(r"\bth|ing\b|ght\b"), "en", 1.0),
)

_WORD = re.compile(r"[^\W\d_]+'?|[^\W\d_]+")
_NOISE = re.compile(r"https?://\S+|@\w+|#\w+")
MIN_EVIDENCE = 1.5
"""Below this much weight for the winner, the answer is "und"."""


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text``, or "und" when unsure; never raises."""
    try:
        return _detect(text)
    except Exception:  # a detector must never break ingest
        return UNDETERMINED_LANG


def _detect(text: str) -> str:
    low = _NOISE.sub(" ", text).lower().replace("’", "'")
    scores = dict.fromkeys(_STOP, 0.0)
    for word in _WORD.findall(low):
        langs = _STOPWORDS.get(word)
        if langs:
            share = 1.0 / len(langs)
            for lang in langs:
                scores[lang] += share
    for pattern, lang, weight in _CUES:
        hits = len(pattern.findall(low))
        if hits:
            scores[lang] += weight * min(hits, 3)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    (best, top), (_, second) = ranked[0], ranked[1]
    if top < MIN_EVIDENCE or top - second < 0.5:
        return UNDETERMINED_LANG
    return best
