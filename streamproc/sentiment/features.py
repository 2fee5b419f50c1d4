"""Feature extraction for the linear sentiment model, shared by training and scoring.

A text becomes a sequence of *forms*, one per token: the token itself, or
``~word`` inside a negation's scope (so "no funciona" and "funciona" differ);
the emphasis marks ("!", elongation) are left to the lexicon rules. Each form
brings its word key (``w:form``) and the character 4-grams of its word (which
carry spelling variants, elongations and cognates across the Romance
languages); each pair of adjacent forms brings a bigram key (``b:a b``). A
form or pair seen ``n`` times weighs ``1 + ln n``, and the whole is divided by
the square root of the weighted number of keys, so a text's n-gram part is a
sum of per-form and per-pair weights the scorer can cache (see
`streamproc.sentiment.linear`). A few real-valued lexicon features bring in
the curated crisis vocabulary the training tweets rarely contain; they are
not scaled. For the six languages each n-gram also comes as a
language-prefixed copy (``es/w:funciona``), so a word can weigh differently in
each language while sharing what the languages have in common; the lexicon
features stay shared (and ``xx|lex:...``).
"""

from __future__ import annotations

import math
from collections import _count_elements as _count_into  # type: ignore[attr-defined]
from collections.abc import Hashable, Iterable
from itertools import pairwise
from typing import TypeVar

from streamproc.sentiment.lexicon import LexiconRules, squash
from streamproc.sentiment.text import CLAUSE_BREAK, ELONGATED_MARK, EXCLAIM_MARK, Tokens
from streamproc.sentiment.words import INTENSIFIERS, LANGS, NEGATORS, SHARED_NEGATORS

_K = TypeVar("_K", bound=Hashable)

NEGATED_PREFIX = "~"
CHAR_SIZE = 4
CHAR_MIN_WORD = 3
"""Shorter words are covered by their word feature alone."""
NEGATION_SCOPE = 3
BIGRAM_PREFIX = "b:"
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


def is_negator(word: str, negators: frozenset[str]) -> bool:
    """Whether ``word`` opens a negation's scope (English "n't" verbs in any language)."""
    return word in negators or word.endswith("n't")


def forms(tokens: Tokens, lang: str) -> list[str]:
    """The model's view of each token: emphasis marks dropped, negated words marked.

    A negator reaches the next `NEGATION_SCOPE` words, not counting
    intensifiers; a clause break ends its scope.
    """
    negators = negators_of(lang)
    out: list[str] = []
    scope = 0
    for w in tokens.words:
        if w in EMPHASIS:
            continue
        if w == CLAUSE_BREAK:
            scope = 0
        elif w in INTENSIFIERS:
            pass
        elif is_negator(w, negators):
            scope = NEGATION_SCOPE
        elif scope:
            scope -= 1
            w = NEGATED_PREFIX + w
        out.append(w)
    return out


def form_keys(form: str) -> list[str]:
    """The character 4-grams of the form's word, then its word key."""
    word = form[1:] if form.startswith(NEGATED_PREFIX) else form
    return [*char_keys(word), "w:" + form]


def pair_keys(seq: list[str] | tuple[str, ...]) -> list[str]:
    """The bigram key of each pair of adjacent forms."""
    return [f"{BIGRAM_PREFIX}{a} {b}" for a, b in pairwise(seq)]


def count(keys: Iterable[_K]) -> dict[_K, int]:
    """Occurrences of each key, in order of first occurrence.

    `Counter`'s own C loop, called without `Counter`'s Python wrapper (which
    costs as much again on a mention's keys).
    """
    counts: dict[_K, int] = {}
    _count_into(counts, keys)
    return counts


def repeats(counts: dict[_K, int]) -> list[tuple[_K, int]]:
    """``(key, count)`` for the keys of `count`'s ``counts`` seen more than once, in its order."""
    return [(k, n) for k, n in counts.items() if n > 1]


def ngram_features(tokens: Tokens, lang: str) -> dict[str, float]:
    """The scaled n-gram part of `features` (no language copies)."""
    seq = forms(tokens, lang)
    out: dict[str, float] = {}
    squares = 0.0
    for units, keys_of in ((count(seq), form_keys), (count(pair_keys(seq)), _pair_key)):
        for unit, n in units.items():
            v = 1.0 + math.log(n) if n > 1 else 1.0
            keys = keys_of(unit)
            squares += v * v * len(keys)
            for key in keys:
                out[key] = out.get(key, 0.0) + v
    if not out:
        return out
    inv = 1.0 / math.sqrt(squares)
    return {key: v * inv for key, v in out.items()}


def _pair_key(key: str) -> list[str]:
    return [key]


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
    """The model's input: scaled n-grams, their language copies, lexicon values.

    The language copies repeat the n-grams' values, so the scorer can fold
    each copy's weight into the shared one and look each key up once.
    """
    out = ngram_features(tokens, lang)
    if lang in COPY_LANGS:
        prefix = lang + LANG_SEPARATOR
        out.update([(prefix + k, v) for k, v in out.items()])
    for name, value in lexicon_features(tokens, lang, rules):
        out[name] = value
        out[lang + "|" + name] = value
    return out
