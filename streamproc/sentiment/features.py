"""Feature extraction for the linear sentiment model, shared by training and scoring.

A text becomes a sparse bag of named features: words (marked ``~`` inside a
negation's scope, so "no funciona" and "funciona" differ), word bigrams,
character 1-4-grams of each word (which carry spelling variants, elongations
and cognates across the Romance languages), and a few real-valued lexicon
features that bring in the curated crisis vocabulary the training tweets
rarely contain. The n-gram part is L2-normalised; the lexicon part is not.
"""

from __future__ import annotations

import math
from collections import Counter

from streamproc.sentiment.lexicon import LexiconRules
from streamproc.sentiment.text import CLAUSE_BREAK, ELONGATED_MARK, EXCLAIM_MARK, Tokens
from streamproc.sentiment.words import INTENSIFIERS, NEGATORS, SHARED_NEGATORS

NEGATED_PREFIX = "~"
CHAR_SIZES: tuple[int, ...] = (4,)
CHAR_MIN_WORD = 3
"""Shorter words are covered by their word feature alone."""
NEGATION_SCOPE = 3
LEXICON_FEATURES: tuple[str, ...] = ("lex:score", "lex:pos", "lex:neg", "lex:dom")
"""Real-valued features (also conjoined with the language as ``xx|lex:...``)."""

_EMPHASIS = frozenset({EXCLAIM_MARK, ELONGATED_MARK})
"""Left to the lexicon rules, which scale the words they emphasise."""

_NEGATORS = {lang: words | SHARED_NEGATORS for lang, words in NEGATORS.items()}


def ngram_counts(tokens: Tokens, lang: str) -> Counter[str]:
    """Raw counts of the word, bigram and character features of ``tokens``.

    Words are prefixed ``w:``, bigrams ``b:``; character n-grams carry no prefix
    (they are padded with spaces, which no word feature contains).
    """
    negators = _NEGATORS.get(lang, SHARED_NEGATORS)
    keys: list[str] = []
    scope = 0
    prev = ""
    for w in tokens.words:
        if w == CLAUSE_BREAK:
            scope = 0
            prev = ""
            continue
        if w in INTENSIFIERS or w in _EMPHASIS:
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
    padded = [
        " " + w + " "
        for w in tokens.words
        if len(w) >= CHAR_MIN_WORD and w[0] != "<" and w not in INTENSIFIERS
    ]
    for n in CHAR_SIZES:
        keys += [p[i : i + n] for p in padded for i in range(len(p) - n + 1)]
    return Counter(keys)


def lexicon_features(tokens: Tokens, lang: str, rules: LexiconRules) -> list[tuple[str, float]]:
    """The non-zero lexicon features, in `LEXICON_FEATURES` order."""
    val = rules.valence(tokens, lang)
    values = (
        val.score,
        math.log1p(val.positive),
        math.log1p(val.negative),
        float(min(val.domain, 3)),
    )
    return [(n, v) for n, v in zip(LEXICON_FEATURES, values, strict=True) if v]


def features(tokens: Tokens, lang: str, rules: LexiconRules) -> dict[str, float]:
    """The model's input: log-scaled, L2-normalised n-grams plus lexicon values."""
    counts = ngram_counts(tokens, lang)
    scaled = {k: 1.0 + math.log(v) if v > 1 else 1.0 for k, v in counts.items()}
    norm = math.sqrt(sum(v * v for v in scaled.values())) or 1.0
    out = {k: v / norm for k, v in scaled.items()}
    for name, value in lexicon_features(tokens, lang, rules):
        out[name] = value
        out[lang + "|" + name] = value
    return out
