"""A parsed mention -> one `ScoredMention` per brand it is about.

This is the `ingest` agent's work minus Kafka: brand matching, language
detection and sentiment. `backtest` calls the same function.
"""

from __future__ import annotations

from collections.abc import Callable

from streamproc.brands import BrandCatalog
from streamproc.model import UNDETERMINED_LANG, Mention, ScoredMention, SentimentScore
from streamproc.sentiment import Scorer

UPSTREAM_NEGATIVE = -0.25
"""An upstream score at or below this is a negative mention."""
UPSTREAM_POSITIVE = 0.25


def upstream_score(value: float) -> SentimentScore:
    """Use an upstream sentiment as given, labelled with fixed thresholds.

    >>> upstream_score(-0.8).label
    'negative'
    """
    if value <= UPSTREAM_NEGATIVE:
        label: str = "negative"
    elif value >= UPSTREAM_POSITIVE:
        label = "positive"
    else:
        label = "neutral"
    return SentimentScore(
        label=label,  # type: ignore[arg-type]  # one of the three literals above
        score=value,
        confidence=min(1.0, abs(value) * 2),
        method="upstream",
    )


def enrich(
    mention: Mention,
    catalog: BrandCatalog,
    scorer: Scorer,
    detect_language: Callable[[str], str],
) -> tuple[ScoredMention, ...]:
    """The mention once per matched brand (empty when it is about none)."""
    brands = catalog.resolve(mention.brands, mention.text)
    if not brands:
        return ()
    lang = mention.lang or detect_language(mention.text) or UNDETERMINED_LANG
    if mention.upstream_sentiment is not None:
        sentiment = upstream_score(mention.upstream_sentiment)
    else:
        sentiment = scorer.score(mention.text, lang)
    return tuple(
        ScoredMention(mention=mention, brand=brand, lang=lang, sentiment=sentiment)
        for brand in brands
    )
