"""The domain types every part of streamproc passes around.

All are frozen, slotted, keyword-only dataclasses: values, never objects
mutated in place, so that a core step can be replayed and compared. Times are
integer UTC epoch milliseconds and every such name ends in ``_ms``; the codec
turns them into DESIGN.md's wire fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

Label = Literal["negative", "neutral", "positive"]
"""A sentiment label."""

VerdictKind = Literal["warming_up", "normal", "anomalous"]
"""What the detector made of one closed bucket."""

UNDETERMINED_LANG = "und"
"""ISO 639-2 code used when a mention's language cannot be told."""

MAX_TEXT_CHARS = 20_000
"""DESIGN.md: a text longer than this is an error."""


class Severity(StrEnum):
    """How bad an incident is; ordered: warning < critical."""

    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for warning, 1 for critical (comparisons without string order)."""
        return 0 if self is Severity.WARNING else 1


class AlertStatus(StrEnum):
    """The lifecycle of one incident's alert events."""

    FIRING = "firing"
    UPDATED = "updated"
    ESCALATED = "escalated"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True, kw_only=True)
class Mention:
    """One post about one or more brands, as parsed from the `mentions` topic."""

    mention_id: str
    """Unique per source; the key for dropping duplicates."""
    text: str
    created_at_ms: int
    """Event time, UTC epoch milliseconds."""
    brands: tuple[str, ...] = ()
    """Brand slugs given upstream (the `brand` field), or empty: matched later."""
    lang: str | None = None
    """ISO 639-1 code given upstream, or None: detected later."""
    source: str | None = None
    author: str | None = None
    url: str | None = None
    followers: int | None = None
    upstream_sentiment: float | None = None
    """A score in [-1, 1] from upstream; used as given when present."""
    extra: Mapping[str, object] = field(default_factory=dict)
    """Unknown fields, kept and ignored."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Rejection:
    """A record that is not a valid mention: goes to `mentions-dlq`, never lost."""

    reason: str
    """A stable reason code (see `streamproc.parse.REASONS`)."""
    detail: str
    """A one-line human explanation."""
    raw: bytes
    """The original bytes, unchanged."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SentimentScore:
    """A sentiment verdict for one text."""

    label: Label
    score: float
    """In [-1, 1]; negative below zero."""
    confidence: float
    """In [0, 1]; below the scorer's threshold the label is neutral."""
    method: str
    """Which scorer produced it ("upstream", "lexicon-v1", ...)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoredMention:
    """A mention matched to exactly one brand, with its language and sentiment.

    This is what `scored-mentions` carries, keyed by `brand`.
    """

    mention: Mention
    brand: str
    lang: str
    """Resolved language: given, detected, or "und"."""
    sentiment: SentimentScore


@dataclass(frozen=True, slots=True, kw_only=True)
class Sample:
    """A negative mention kept as an example for an alert."""

    mention_id: str
    text: str
    created_at_ms: int
    lang: str
    source: str | None = None
    author: str | None = None
    url: str | None = None
    followers: int | None = None
    score: float = 0.0
    """The mention's sentiment score."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowStats:
    """The counts of one brand's closed event-time bucket ``[start_ms, end_ms)``."""

    brand: str
    start_ms: int
    end_ms: int
    total: int = 0
    """All mentions of the brand in the bucket."""
    negative: int = 0
    """Mentions whose sentiment label is negative; ``0 <= negative <= total``."""
    by_lang: Mapping[str, int] = field(default_factory=dict)
    """Negative mentions per language."""
    by_source: Mapping[str, int] = field(default_factory=dict)
    """Negative mentions per source."""
    top_terms: tuple[tuple[str, int], ...] = ()
    """Terms of the negative mentions, (term, count), the most distinctive for the
    brand first (`streamproc.salience`)."""
    samples: tuple[Sample, ...] = ()
    """A few negative mentions, clearest and widest-reaching first."""
    authors: int = 0
    """Distinct authors of negative mentions."""
    top_author_share: float = 0.0
    """Share of negative mentions written by the five most active authors."""

    def __post_init__(self) -> None:
        if self.end_ms <= self.start_ms:
            msg = f"empty window [{self.start_ms}, {self.end_ms})"
            raise ValueError(msg)
        if not 0 <= self.negative <= self.total:
            msg = f"negative={self.negative} outside [0, total={self.total}]"
            raise ValueError(msg)

    @property
    def share(self) -> float:
        """Negative share of all mentions (0 when the bucket is empty)."""
        return self.negative / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """What the detector made of one closed bucket, with the numbers behind it."""

    window: WindowStats
    kind: VerdictKind
    observed: float
    """The value judged: negative mentions in the bucket."""
    expected: float
    """The baseline for this bucket (same unit as `observed`)."""
    score: float
    """How anomalous, comparable across brands and volumes (higher = worse)."""
    growth: float = 0.0
    """Rate of change of the negative volume (ratio over recent buckets; 0 = flat)."""
    share: float = 0.0
    """Negative share of all mentions in the bucket."""
    expected_share: float = 0.0
    """The negative share expected for this bucket: the brand's usual share
    for the day times its hour's factor (the hour's usual share)."""
    severity: Severity | None = None
    """Set when `kind` is "anomalous"."""
    baseline_buckets: int = 0
    """How many buckets of history the baseline rests on."""
    young_baseline: bool = False
    """True while the baseline is still learning (cold start: its first days, or
    a day of the week it has not yet seen in full)."""
    record_days: int = 0
    """Whole days since the brand last had a bucket this high (0: earlier
    today or unknown); when nothing as high is remembered, the days
    remembered, so "highest in N days" is then a lower bound."""

    @property
    def brand(self) -> str:
        """The brand of the judged window."""
        return self.window.brand

    @property
    def ratio(self) -> float:
        """Observed over expected ("N x normal"); expected floored at 1."""
        return self.observed / max(self.expected, 1.0)


CurveBucket = tuple[int, float, float]
"""(bucket start ms, observed negatives, expected negatives)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertEvent:
    """One event of an incident's lifecycle, as sent to the `alerts` topic."""

    alert_id: str
    """Deterministic: the same incident, status and window always give the same id."""
    incident_id: str
    """Deterministic from (brand, onset bucket start): replays cannot open a second."""
    brand: str
    status: AlertStatus
    severity: Severity
    window_start_ms: int
    window_end_ms: int
    observed: float
    expected: float
    score: float
    growth: float
    share: float
    onset_ms: int
    """Start of the bucket where the incident began."""
    detected_at_ms: int
    """When the event was made: event time (window end) in the core."""
    languages: Mapping[str, int] = field(default_factory=dict)
    sources: Mapping[str, int] = field(default_factory=dict)
    top_terms: tuple[str, ...] = ()
    samples: tuple[Sample, ...] = ()
    authors: int = 0
    top_author_share: float = 0.0
    total: int = 0
    """All mentions of the brand in the window (negative share context)."""
    baseline_young: bool = False
    record_days: int = 0
    """The bucket's `Verdict.record_days`: "the highest in N days"."""
    reason: str = ""
    """Why this event: "anomaly", "growth", "recovered", "acknowledged", ..."""
    actor: str = ""
    """Who acted, for events of a person's action (acknowledged, snoozed, manual)."""
    peak_observed: float = 0.0
    """Largest bucket count of the incident so far: updates are sparse, so a
    review would otherwise miss a peak that fell between two events."""
    peak_at_ms: int = 0
    """Start of that bucket (0 when unknown, e.g. events of older workers)."""
    curve: tuple[CurveBucket, ...] = ()
    """(bucket start, observed, expected) from a few buckets before the onset to
    this event, so that a review draws the whole curve, not only the buckets
    that happened to make an event."""

    @property
    def ratio(self) -> float:
        """Observed over expected ("N x normal"); expected floored at 1."""
        return self.observed / max(self.expected, 1.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Incident:
    """A fold of one incident's alert events: its timeline for reviews."""

    incident_id: str
    brand: str
    events: tuple[AlertEvent, ...]
    opened_at_ms: int
    peak_observed: float
    peak_at_ms: int
    severity: Severity
    resolved_at_ms: int | None = None
