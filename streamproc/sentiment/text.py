"""Tokenisation shared by the sentiment scorers and the language detector.

Social text is normalised the same way for training and scoring: links,
@handles and emoticons become placeholder tokens, hashtags are split into
their words (``#FoodPoisoning`` -> ``food poisoning``), runs of three or more
letters are squashed to two and flagged, and each emoji is a token of its own.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

URL_MARK = "<url>"
USER_MARK = "<user>"
EMO_POS = "<emo+>"
EMO_NEG = "<emo->"
HASHTAG_MARK = "<hashtag>"
ELONGATED_MARK = "<elong>"
EXCLAIM_MARK = "!"
QUESTION_MARK = "?"
CLAUSE_BREAK = "<br>"
"""Stands for punctuation that ends a negation's scope (, . ; : and the like)."""

_URL = re.compile(r"(?:https?://|www\.)\S+?(?=[.,!?;:)\]]*(?:\s|$))|\bhttps?\b", re.IGNORECASE)
_USER = re.compile(r"@\w+")
_HASHTAG = re.compile(r"#(\w+)")
_CAMEL = re.compile(r"(?<=[a-zà-ÿ])(?=[A-ZÀ-Þ])")
_EMO_POS = re.compile(
    r"(?:(?<=\s)|^)(?:[:;=8][-'^o]?[)\]}dDpP3*]+|[(\[]+[-'^o]?[:;=]|<3+|\^_*\^|xD+|XD+)"
    r"(?=\s|$|[!?.,])"
)
_EMO_NEG = re.compile(
    r"(?:(?<=\s)|^)(?:[:;=8][-'^o]?[(\[{/\\|]+|:'\(+|[)\]]+[-'^o]?[:;=]|</3|D[-']?:|-_-+|T_T)"
    r"(?=\s|$|[!?.,])"
)
_EMO_HINT = re.compile(
    r"[:;=8)(\]\[<^xXDT\-]"
    r"(?:(?<=[:;=8])[-'^o]?[()\[\]{}dDpP3*/\\|]"
    r"|(?<=[)(\]\[])[-'^o]?[:;=]"
    r"|(?<=<)/?3"
    r"|(?<=\^)_*\^"
    r"|(?<=[xX])D"
    r"|(?<=D)[-']?:"
    r"|(?<=-)_-"
    r"|(?<=T)_T)"
)
"""Found where an emoticon may be, which gates the two substitutions above.

The alternatives are ``[:;=8][-'^o]?`` plus a mouth, a mouth plus ``[-'^o]?[:;=]``,
``<3``, ``</3``, ``^_^``, ``xD``, ``XD``, ``D:``, ``-_-`` and ``T_T``; each is written
as its first character (one class for all, which the regex engine scans for
quickly) and, behind a look-behind for that character, the rest of it."""
_ELONG = re.compile(r"([^\W\d_])\1{2,}")
_TOKEN = re.compile(
    r"<[a-z+\-]+>"  # placeholders put in above
    r"|[^\W\d_]+n['’]t\b"  # English n't stays on its verb
    r"|(?:[^\W\d_]|(?<=[lL])·(?=[lL]))+['’]?"  # words; keeps l·l and elided m' l' n'
    r"|\d+(?:[.,]\d+)?"
    r"|[!?]"
    r"|[.,;:()\"«»“”…]+"
    r"|[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2190-\u21FF\u3030\u303D]"
)
_BREAKS = frozenset('.,;:()"«»“”…')
_DROP = re.compile(r"[\uFE0F\u200D\U0001F3FB-\U0001F3FF]")


@dataclass(frozen=True, slots=True)
class Tokens:
    """The tokens of one text plus the surface cues lost by lower-casing."""

    words: tuple[str, ...]
    """Lower-cased tokens, placeholders and punctuation markers included."""
    caps: frozenset[int]
    """Indices of tokens written in capitals (shouting), 3+ letters."""


def split_hashtag(match: re.Match[str]) -> str:
    """``#FoodPoisoning`` -> `` <hashtag> Food Poisoning ``."""
    body = match.group(1).replace("_", " ")
    return f" {HASHTAG_MARK} {_CAMEL.sub(' ', body)} "


def normalise(text: str) -> str:
    """Replaces links, handles, hashtags and emoticons; keeps case."""
    if not text.isascii():
        text = _DROP.sub("", unicodedata.normalize("NFC", text))
    if "http" in text or "www." in text or "HTTP" in text:
        text = _URL.sub(f" {URL_MARK} ", text)
    if "@" in text:
        text = _USER.sub(f" {USER_MARK} ", text)
    if "#" in text:
        text = _HASHTAG.sub(split_hashtag, text)
    if _EMO_HINT.search(text):
        text = _EMO_NEG.sub(f" {EMO_NEG} ", text)
        text = _EMO_POS.sub(f" {EMO_POS} ", text)
    return text


_Raw = tuple[tuple[str, ...], tuple[str, ...], bool, bool]
"""A raw token's scorer tokens as is and squashed, whether it is shouted, and
whether it holds a run of three letters."""


def _raw_token(raw: str) -> _Raw:
    if raw[0] in _BREAKS:
        return ((CLAUSE_BREAK,), (CLAUSE_BREAK,), False, False)
    low = raw.lower()
    if "’" in low:
        low = low.replace("’", "'")
    squashed = _ELONG.sub(r"\1\1", low)
    caps = len(raw) >= 3 and raw.isupper() and raw.isalpha()
    as_is = (low,)
    run = _ELONG.search(raw) is not None
    return (as_is, (squashed, ELONGATED_MARK) if squashed != low else as_is, caps, run)


_Chunk = tuple[tuple[str, ...], tuple[int, ...], tuple[str, ...], tuple[int, ...], bool]
"""A whitespace-delimited chunk's scorer tokens and the offsets of its shouted
ones among them, as is then squashed, and whether it holds a run of three letters."""
_CHUNK_CACHE: dict[str, _Chunk] = {}
RAW_CACHE_SIZE = 30_000
"""Chunks whose tokens are kept (named for the raw tokens it held before); emptied when it fills."""
_SEEN_CHUNKS: set[str] = set()
"""Chunks already looked up once: only these are cached, so a unique link or
typo does not push out the words that recur."""


def _normalised_chunk(normalised: str) -> _Chunk:
    """The tokens of a chunk `normalise` has been applied to (white space free)."""
    words: list[str] = []
    caps: list[int] = []
    squashed: list[str] = []
    squashed_caps: list[int] = []
    run = False
    for raw in _TOKEN.findall(normalised):
        as_is, squash, shouted, has_run = _raw_token(raw)
        if shouted:
            caps.append(len(words))
            squashed_caps.append(len(squashed))
        run = run or has_run
        words += as_is
        squashed += squash
    plain, squashed_words = tuple(words), tuple(squashed)
    if squashed_words == plain:  # one tuple for both, the common case
        squashed_words = plain
    return (plain, tuple(caps), squashed_words, tuple(squashed_caps), run)


def _chunk(chunk: str) -> _Chunk:
    """The tokens of a raw chunk of text (no white space), normalised.

    `normalise` never looks across white space (its patterns stop at it, or
    look for it, and NFC never composes across it) and only adds spaces, so a
    text's tokens are its chunks' tokens end to end: a recurring chunk is
    normalised and tokenised once, and most texts need no regex at all.
    """
    parts = normalise(chunk).split()
    if len(parts) == 1:
        entry = _normalised_chunk(parts[0])
    else:
        words: list[str] = []
        caps: list[int] = []
        squashed: list[str] = []
        squashed_caps: list[int] = []
        run = False
        for part in parts:
            p_words, p_caps, p_squashed, p_squashed_caps, p_run = _normalised_chunk(part)
            caps += [len(words) + i for i in p_caps]
            squashed_caps += [len(squashed) + i for i in p_squashed_caps]
            words += p_words
            squashed += p_squashed
            run = run or p_run
        plain, squashed_words = tuple(words), tuple(squashed)
        if squashed_words == plain:
            squashed_words = plain
        entry = (plain, tuple(caps), squashed_words, tuple(squashed_caps), run)
    if chunk in _SEEN_CHUNKS:
        if len(_CHUNK_CACHE) >= RAW_CACHE_SIZE:
            _CHUNK_CACHE.clear()
        _CHUNK_CACHE[chunk] = entry
    else:
        if len(_SEEN_CHUNKS) >= RAW_CACHE_SIZE:
            _SEEN_CHUNKS.clear()
        _SEEN_CHUNKS.add(chunk)
    return entry


def tokenize(text: str) -> Tokens:
    """Normalises then splits ``text`` into scorer tokens.

    Letter runs are squashed only when the text has one (before lower-casing),
    so "Aaa" stays as it is but "aaa" becomes "aa" plus the elongation mark.
    The text is split at white space first and each chunk's tokens are taken
    from the chunk cache (see `_chunk`); a run in the text is a run in one of
    its chunks, which the cache remembers.
    """
    chunks = text.split()
    cached = _CHUNK_CACHE.get
    entries = [cached(chunk) or _chunk(chunk) for chunk in chunks]
    words: list[str] = []
    caps: list[int] = []
    run = False
    for entry in entries:
        if entry[1]:
            base = len(words)
            caps += [base + i for i in entry[1]]
        if entry[4]:
            run = True
        words += entry[0]
    if run:
        words.clear()
        caps.clear()
        for entry in entries:
            if entry[3]:
                base = len(words)
                caps += [base + i for i in entry[3]]
            words += entry[2]
    return Tokens(words=tuple(words), caps=frozenset(caps))


@lru_cache(maxsize=4096)
def tokenize_cached(text: str) -> Tokens:
    """`tokenize` memoised: ingest detects the language, then scores, the same text."""
    return tokenize(text)
