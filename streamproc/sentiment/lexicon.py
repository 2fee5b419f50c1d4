"""Lexicon scoring with negation, intensifiers, contrast, emoji and emphasis.

The word valences come from the shipped artefact (translated AFINN, VADER for
English, emoji ranking) overridden by the curated lists of
`streamproc.sentiment.words`. The rules follow VADER (Hutto & Gilbert 2014):
negation flips what follows within its clause, boosters scale the next word,
"but" weights the clause after it, capitals, elongation and "!" add emphasis.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from operator import mul

import numpy as np
import numpy.typing as npt

from streamproc.model import Label, SentimentScore
from streamproc.sentiment.text import (
    CLAUSE_BREAK,
    ELONGATED_MARK,
    EXCLAIM_MARK,
    Tokens,
    tokenize,
)
from streamproc.sentiment.words import (
    CONTRAST,
    CRISIS_AND_CORE,
    EMOTICON_VALENCE,
    FLIPPABLE,
    INTENSIFIERS,
    LANGS,
    NEGATORS,
    PHRASES,
    POST_NEGATORS,
    SHARED_NEGATORS,
)

MIXED = "und"
"""Key of the all-languages lexicon, used for "und" and as a fallback."""

NEGATION_SCOPE = 3
"""Tokens after a negator that it still reaches (unless a clause ends first)."""

FOREIGN_WEIGHT = 0.5
"""Weight of a word found only in another language's lexicon (code-switching)."""

_NORM_ALPHA = 15.0

LOOKUP_CACHE_SIZE = 30_000
"""Words per language whose valence look-up is kept; emptied when it fills."""

_MISSING = float("nan")
"""Marks a word not yet in the look-up cache (compared by identity)."""


@dataclass(frozen=True, slots=True)
class Valence:
    """What the lexicon rules made of one text, before it becomes a label."""

    total: float
    """Signed sum of the adjusted word valences (AFINN scale)."""
    positive: float
    negative: float
    """Sum of the magnitudes of the negative contributions."""
    hits: int
    """Tokens or phrases that carried a valence."""
    negated: int
    """Contributions flipped by a negator."""
    domain: int
    """Curated crisis-word hits (negation-immune negatives)."""

    @property
    def score(self) -> float:
        """The total squashed into [-1, 1] (VADER's normalisation)."""
        return squash(self.total)


def squash(total: float) -> float:
    """A valence total squashed into [-1, 1] (VADER's normalisation)."""
    return total / math.sqrt(total * total + _NORM_ALPHA)


Sums = tuple[float, float, float, int, int, int]
"""`Valence`'s fields in order, for callers that need no object."""


NO_SUMS: Sums = (0, 0, 0, 0, 0, 0)
"""What a text without any contribution gets (the sums of nothing are the int 0)."""


def arrays_to_lexicons(
    arrays: Mapping[str, npt.NDArray[np.generic]],
) -> dict[str, dict[str, float]]:
    """Rebuilds the per-language word tables stored in the artefact."""
    out: dict[str, dict[str, float]] = {}
    for lang in (*LANGS, MIXED):
        words = arrays[f"lex_words_{lang}"].tolist()
        values = arrays[f"lex_values_{lang}"].astype(np.float64).tolist()
        out[lang] = dict(zip(words, values, strict=True))
    return out


class LexiconRules:
    """Applies the rules; holds only read-only tables (safe to share)."""

    def __init__(self, lexicons: Mapping[str, Mapping[str, float]]) -> None:
        self._lex = lexicons
        self._mixed = lexicons[MIXED]
        self._immune = {
            lang: frozenset(w for w, v in table.items() if v < 0 and w not in FLIPPABLE)
            for lang, table in CRISIS_AND_CORE.items()
        }
        self._neg = {lang: NEGATORS[lang] | SHARED_NEGATORS for lang in LANGS}
        self._neg[MIXED] = SHARED_NEGATORS
        self._phrases = PHRASES
        self._all_phrases: dict[tuple[str, str], float] = {}
        for table in PHRASES.values():
            for key, val in table.items():
                self._all_phrases.setdefault(key, val)
        self._phrase_starts = {
            lang: frozenset(first for first, _ in table) for lang, table in PHRASES.items()
        }
        self._all_starts = frozenset(first for first, _ in self._all_phrases)
        self._found: dict[str, dict[str, float | None]] = {}
        """Per language, words already looked up (the tables are read-only)."""
        self._inert: dict[str, set[str]] = {}
        """Per language, words seen to carry no valence and trigger no rule."""

    def _lookup_cached(self, word: str, lang: str) -> float | None:
        table = self._found.get(lang)
        if table is None:
            table = self._found.setdefault(lang, {})
        try:
            return table[word]
        except KeyError:
            pass
        found = self._lookup(word, lang)
        if len(table) >= LOOKUP_CACHE_SIZE:
            table.clear()
        table[word] = found
        return found

    def _lookup(self, word: str, lang: str) -> float | None:
        if word in EMOTICON_VALENCE:
            return EMOTICON_VALENCE[word]
        own = self._lex.get(lang)
        if own is not None:
            val = own.get(word)
            if val is not None:
                return val
            val = self._mixed.get(word)
            return None if val is None else val * FOREIGN_WEIGHT
        return self._mixed.get(word)

    def valence(self, tokens: Tokens, lang: str) -> Valence:
        """Sums adjusted valences over ``tokens`` read as language ``lang``."""
        return Valence(*self.sums(tokens, lang))

    def sums(self, tokens: Tokens, lang: str) -> Sums:
        """`valence`'s fields, without building it (the linear scorer needs four)."""
        words = tokens.words
        lang = lang if lang in self._lex else MIXED
        negators = self._neg.get(lang, SHARED_NEGATORS)
        post_neg = POST_NEGATORS.get(lang, frozenset())
        phrases = self._phrases.get(lang, self._all_phrases)
        starts = self._phrase_starts.get(lang, self._all_starts)
        found_in = self._found.get(lang)
        if found_in is None:
            found_in = self._found.setdefault(lang, {})
        get_found = found_in.get
        immune = self._immune.get(lang, frozenset())
        contrib: list[float] = []
        flipped: list[bool] = []
        positions: list[int] = []
        weights: list[float] = []
        neg_left = 0
        boost = 1.0
        clause_weight = 1.0
        domain = 0
        n = len(words)
        inert = self._inert.get(lang)
        if inert is None:
            inert = self._inert.setdefault(lang, set())
        elong = ELONGATED_MARK
        any_elong = elong in words
        skip = False
        for i, w in enumerate(words):
            if skip:  # the second word of a phrase
                skip = False
                continue
            if w in inert and (not any_elong or i + 1 == n or words[i + 1] != elong):
                # the common case, a word no rule reacts to: it only uses up negation scope
                if neg_left > 0 and w != elong:
                    neg_left -= 1
                continue
            if w == CLAUSE_BREAK:
                neg_left, boost = 0, 1.0
                continue
            if w in starts and i + 1 < n and (w, words[i + 1]) in phrases:
                val = phrases[(w, words[i + 1])]
                if val:
                    contrib.append(val)
                    flipped.append(True)
                    positions.append(i + 1)
                    weights.append(clause_weight)
                    neg_left = 0
                skip = True
                continue
            if w in CONTRAST:
                weights = [x * 0.5 for x in weights]
                clause_weight = 1.5
                neg_left, boost = 0, 1.0
                continue
            if w in post_neg and contrib and not flipped[-1] and i - positions[-1] <= 2:
                contrib[-1] = _negate(contrib[-1], words[positions[-1]] in immune)
                flipped[-1] = True
                continue
            if w in negators or w.endswith("n't"):
                neg_left = NEGATION_SCOPE
                continue
            mult = INTENSIFIERS.get(w)
            if mult is not None:
                boost *= mult
                continue
            found = get_found(w, _MISSING)
            if found is _MISSING:
                found = self._lookup_cached(w, lang)
            if not found and w not in starts and w not in post_neg:
                if len(inert) >= LOOKUP_CACHE_SIZE:
                    inert.clear()
                inert.add(w)
            elongated = any_elong and i + 1 < n and words[i + 1] == elong
            if found is None and elongated:
                found = self._lookup_cached(_squash(w), lang)
            if found:
                val = found
                if i in tokens.caps:
                    val *= 1.3
                if elongated:
                    val *= 1.3
                val *= boost
                was_negated = neg_left > 0
                if was_negated:
                    val = _negate(val, w in immune)
                if w in immune:
                    domain += 1
                contrib.append(val)
                flipped.append(was_negated)
                positions.append(i)
                weights.append(clause_weight)
                boost = 1.0
            if neg_left > 0 and w != elong:
                neg_left -= 1
        if not contrib:
            return NO_SUMS
        adjusted = list(map(mul, contrib, weights))  # as long as each other
        total = sum(adjusted)
        if total:
            bangs = min(words.count(EXCLAIM_MARK), 4)
            total *= 1.0 + 0.08 * bangs
        return (
            total,
            sum([c for c in adjusted if c > 0]),
            -sum([c for c in adjusted if c < 0]),
            len(contrib),
            sum(flipped),
            domain,
        )


def _negate(val: float, immune: bool) -> float:
    if immune:
        return val
    return -0.75 * val if val > 0 else -0.5 * val


def _squash(word: str) -> str:
    out: list[str] = []
    for ch in word:
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


class LexiconScorer:
    """A `Scorer` from the lexicon rules alone ("lexicon-v1")."""

    method = "lexicon-v1"

    def __init__(self, rules: LexiconRules, *, threshold: float = 0.2) -> None:
        self._rules = rules
        self._threshold = threshold

    def score(self, text: str, lang: str) -> SentimentScore:
        """Scores ``text``; below the threshold the label is neutral."""
        val = self._rules.valence(tokenize(text), lang)
        score = max(-1.0, min(1.0, val.score))
        confidence = abs(score)
        label: Label = "neutral"
        if confidence >= self._threshold:
            label = "positive" if score > 0 else "negative"
        return SentimentScore(label=label, score=score, confidence=confidence, method=self.method)
