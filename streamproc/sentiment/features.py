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

from streamproc.sentiment.lexicon import LexiconRules
from streamproc.sentiment.text import CLAUSE_BREAK, Tokens
from streamproc.sentiment.words import NEGATORS, SHARED_NEGATORS

NEGATED_PREFIX = "~"
CHAR_MIN = 1
CHAR_MAX = 4
NEGATION_SCOPE = 3
LEXICON_FEATURES: tuple[str, ...] = ("lex:score", "lex:pos", "lex:neg", "lex:dom")
"""Real-valued features (also conjoined with the language as ``xx|lex:...``)."""

_NEGATORS = {lang: words | SHARED_NEGATORS for lang, words in NEGATORS.items()}


def ngram_counts(tokens: Tokens, lang: str) -> dict[str, float]:
    """Raw counts of the word, bigram and character features of ``tokens``."""
    negators = _NEGATORS.get(lang, SHARED_NEGATORS)
    counts: dict[str, float] = {}
    marked: list[str] = []
    scope = 0
    for w in tokens.words:
        if w == CLAUSE_BREAK:
            scope = 0
            marked.append(w)
            continue
        if w in negators or w.endswith("n't"):
            scope = NEGATION_SCOPE
            marked.append(w)
        elif scope:
            scope -= 1
            marked.append(NEGATED_PREFIX + w)
        else:
            marked.append(w)
    prev = CLAUSE_BREAK
    for m in marked:
        if m != CLAUSE_BREAK:
            key = "w:" + m
            counts[key] = counts.get(key, 0.0) + 1.0
            if prev != CLAUSE_BREAK:
                key = "b:" + prev + " " + m
                counts[key] = counts.get(key, 0.0) + 1.0
        prev = m
    for w in tokens.words:
        if w[0] == "<" or w == CLAUSE_BREAK:
            continue
        padded = " " + w + " "
        size = len(padded)
        for n in range(CHAR_MIN, CHAR_MAX + 1):
            for i in range(size - n + 1):
                key = "c:" + padded[i : i + n]
                counts[key] = counts.get(key, 0.0) + 1.0
    return counts


def features(tokens: Tokens, lang: str, rules: LexiconRules) -> dict[str, float]:
    """The model's input: log-scaled, L2-normalised n-grams plus lexicon values."""
    counts = ngram_counts(tokens, lang)
    scaled = {k: 1.0 + math.log(v) for k, v in counts.items()}
    norm = math.sqrt(sum(v * v for v in scaled.values())) or 1.0
    out = {k: v / norm for k, v in scaled.items()}
    val = rules.valence(tokens, lang)
    lex = (val.score, math.log1p(val.positive), math.log1p(val.negative), min(val.domain, 3))
    for name, value in zip(LEXICON_FEATURES, lex, strict=True):
        if value:
            out[name] = float(value)
            out[lang + "|" + name] = float(value)
    return out
