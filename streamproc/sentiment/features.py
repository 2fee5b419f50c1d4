"""Feature extraction for the linear sentiment model, shared by training and scoring.

A text becomes a sparse bag of named features: words (marked ``~`` inside a
negation's scope, so "no funciona" and "funciona" differ), word bigrams,
character 4-grams of each word (which carry spelling variants, elongations
and cognates across the Romance languages), and a few real-valued lexicon
features that bring in the curated crisis vocabulary the training tweets
rarely contain. The n-gram part is log-scaled and L2-normalised; the lexicon
part is not. For the six languages each n-gram also comes as a
language-prefixed copy (``es/w:funciona``), so a word can weigh differently in
each language while sharing what the languages have in common; the lexicon
features stay shared (and ``xx|lex:...``) and unscaled. A word's character
n-grams do not depend on its neighbours, so the scorer caches them per word
and language (see `streamproc.sentiment.linear`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections import _count_elements as _count_into  # type: ignore[attr-defined]
from collections.abc import Iterable

from streamproc.sentiment.lexicon import LexiconRules, squash
from streamproc.sentiment.text import CLAUSE_BREAK, ELONGATED_MARK, EXCLAIM_MARK, Tokens
from streamproc.sentiment.words import INTENSIFIERS, LANGS, NEGATORS, SHARED_NEGATORS

NEGATED_PREFIX = "~"
CHAR_SIZE = 4
CHAR_MIN_WORD = 3
"""Shorter words are covered by their word feature alone."""
NEGATION_SCOPE = 3
LEXICON_FEATURES: tuple[str, ...] = ("lex:score", "lex:pos", "lex:neg", "lex:dom")
"""Real-valued features (also conjoined with the language as ``xx|lex:...``)."""

LANG_SEPARATOR = "/"
"""Between a language and an n-gram key in the language's own copy (``es/w:no``)."""

COPY_LANGS = frozenset(LANGS)
"""Languages whose n-grams get their own copies; others use the shared ones alone."""

_COPY_MIN_LEN = 6
"""A copy is ``xx/`` plus a key of at least 3 characters (``w:a``, a 4-gram), so
a shared 4-gram that happens to read ``es/x`` is never taken for one."""


def copy_of(name: str) -> tuple[str, str] | None:
    """``(lang, shared key)`` when ``name`` is a language copy, else None."""
    if len(name) < _COPY_MIN_LEN or name[2:3] != LANG_SEPARATOR:
        return None
    lang = name[:2]
    return (lang, name[3:]) if lang in COPY_LANGS else None


EMPHASIS = frozenset({EXCLAIM_MARK, ELONGATED_MARK})
"""Left to the lexicon rules, which scale the words they emphasise."""

_NEGATORS = {lang: words | SHARED_NEGATORS for lang, words in NEGATORS.items()}


def negators_of(lang: str) -> frozenset[str]:
    """The words that open a negation's scope in ``lang``."""
    return _NEGATORS.get(lang, SHARED_NEGATORS)


def char_keys(word: str) -> list[str]:
    """Character 4-grams of `` word `` (padded), or none for short words and markers.

    They carry no prefix: the padding spaces never occur in a word feature.
    """
    if len(word) < CHAR_MIN_WORD or word[0] == "<" or word in INTENSIFIERS:
        return []
    p = " " + word + " "
    n = CHAR_SIZE
    return [p[i : i + n] for i in range(len(p) - n + 1)]


def word_keys(tokens: Tokens, lang: str) -> list[str]:
    """The word (``w:``) and bigram (``b:``) keys of ``tokens``, in order."""
    negators = negators_of(lang)
    keys: list[str] = []
    scope = 0
    prev = ""
    for w in tokens.words:
        if w == CLAUSE_BREAK:
            scope = 0
            prev = ""
            continue
        if w in INTENSIFIERS or w in EMPHASIS:
            continue
        if w in negators or w.endswith("n't"):
            scope = NEGATION_SCOPE
            m = w
        elif scope:
            scope -= 1
            m = NEGATED_PREFIX + w
        else:
            m = w
        keys.append("w:" + m)
        if prev:
            keys.append("b:" + prev + " " + m)
        prev = m
    return keys


def count(keys: Iterable[str]) -> dict[str, int]:
    """Occurrences of each key, in order of first occurrence.

    `Counter`'s own C loop, called without `Counter`'s Python wrapper (which
    costs as much again on the hundred keys of a mention).
    """
    counts: dict[str, int] = {}
    _count_into(counts, keys)
    return counts


def repeats(counts: dict[str, int]) -> list[tuple[str, int]]:
    """``(key, count)`` for the keys of `count`'s ``counts`` seen more than once, in its order."""
    return [(k, n) for k, n in counts.items() if n > 1]


def repeated(keys: list[str]) -> list[tuple[str, int]]:
    """``(key, count)`` for the keys of ``keys`` that occur more than once.

    Only the repeats are returned, which is what the cached scorers need to correct.
    """
    return repeats(count(keys))


def ngram_counts(tokens: Tokens, lang: str) -> Counter[str]:
    """Raw counts of the word, bigram and character features of ``tokens``."""
    keys = word_keys(tokens, lang)
    for w in tokens.words:
        keys += char_keys(w)
    return Counter(keys)


def lexicon_values(
    tokens: Tokens, lang: str, rules: LexiconRules
) -> tuple[float, float, float, float]:
    """The lexicon features' values, in `LEXICON_FEATURES` order (zeros included)."""
    total, positive, negative, _, _, domain = rules.sums(tokens, lang)
    return (squash(total), math.log1p(positive), math.log1p(negative), float(min(domain, 3)))


def lexicon_features(tokens: Tokens, lang: str, rules: LexiconRules) -> list[tuple[str, float]]:
    """The non-zero lexicon features, in `LEXICON_FEATURES` order."""
    values = lexicon_values(tokens, lang, rules)
    return [(n, v) for n, v in zip(LEXICON_FEATURES, values, strict=True) if v]


def features(tokens: Tokens, lang: str, rules: LexiconRules) -> dict[str, float]:
    """The model's input: log-scaled, L2-normalised n-grams plus lexicon values.

    The language copies repeat the normalised values (the norm is taken over
    the shared n-grams), so the scorer can fold each copy's weight into the
    shared one and look each key up once.
    """
    counts = ngram_counts(tokens, lang)
    scaled = {k: 1.0 + math.log(v) if v > 1 else 1.0 for k, v in counts.items()}
    norm = math.sqrt(sum(v * v for v in scaled.values())) or 1.0
    out = {k: v / norm for k, v in scaled.items()}
    if lang in COPY_LANGS:
        prefix = lang + LANG_SEPARATOR
        out.update([(prefix + k, v) for k, v in out.items()])
    for name, value in lexicon_features(tokens, lang, rules):
        out[name] = value
        out[lang + "|" + name] = value
    return out
