"""Event-time buckets, their accumulators, and the watermark that closes them.

One rule decides which bucket a mention belongs to (`bucket_of`: integer ms,
half-open). A bucket is judged once the *watermark* passes its end. The
watermark of a partition of `scored-mentions` is the minimum over the source
partitions of `mentions` of (latest event time seen there - allowed
lateness): each source partition is in event-time order up to that lateness,
so no mention can still arrive for a closed bucket, whatever the
interleaving of partitions. That is what makes a live run give exactly the
alerts of `streamproc backtest` over the same file.

Wall-clock ticks only move the watermark when the stream is live (its event
time is within `live_horizon_ms` of the wall clock): then a source partition
that has been silent for `idle_ms` stops holding the others back, and when
every source is silent the watermark follows the wall clock, so that silence
is judged too. For a replay of history the wall clock says nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from streamproc.model import Sample, ScoredMention, WindowStats
from streamproc.salience import TermBackground, distinctive

MAX_TERMS = 300
"""Distinct terms kept per bucket (the least frequent are dropped beyond)."""
MAX_SAMPLES = 5
MAX_AUTHORS = 1000
ID_CHUNK = 500
"""Mention ids a bucket holds before it seals them away as a chunk (`BucketAcc.seal`).

A bucket value is rewritten on every mention. Holding all its ids made that
quadratic: 20,000 mentions in one bucket wrote 4.9 GB of changelog, the last
record 476 kB (Kafka refuses 1 MB by default). Sealed chunks are written once.
"""


def bucket_of(ts_ms: int, width_ms: int) -> tuple[int, int]:
    """The half-open bucket ``[start, end)`` holding an event time.

    >>> bucket_of(1_000_000, 900_000)
    (900000, 1800000)
    >>> bucket_of(-1, 1000)
    (-1000, 0)
    """
    start = ts_ms - ts_ms % width_ms
    return start, start + width_ms


def _bump(counts: Mapping[str, int], key: str) -> dict[str, int]:
    new = dict(counts)
    new[key] = new.get(key, 0) + 1
    return new


def _sample_rank(sample: Sample) -> tuple[float, int, str]:
    """Best example first: wide reach and clearly negative (log reach x negativity)."""
    weight = (math.log1p(sample.followers or 0) + 1.0) * max(0.0, -sample.score)
    return (-weight, sample.created_at_ms, sample.mention_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class BucketAcc:
    """Counts of one brand's still-open bucket; immutable, `add` returns a new one."""

    brand: str
    start_ms: int
    end_ms: int
    total: int = 0
    negative: int = 0
    by_lang: Mapping[str, int] = field(default_factory=dict)
    by_source: Mapping[str, int] = field(default_factory=dict)
    terms: Mapping[str, int] = field(default_factory=dict)
    """Negative mentions per term form (folded)."""
    stems: Mapping[str, str] = field(default_factory=dict)
    """The key (stem) of each form in `terms` whose key is not the form itself."""
    samples: tuple[Sample, ...] = ()
    authors: Mapping[str, int] = field(default_factory=dict)
    ids: frozenset[str] = frozenset()
    """Mention ids counted here since the last sealed chunk: a redelivered
    mention is not counted twice (the caller checks the sealed chunks)."""
    sealed: int = 0
    """Chunks of `ID_CHUNK` ids sealed away so far (numbered from 0)."""

    @property
    def full(self) -> bool:
        """Whether the ids should be sealed away before the bucket is stored."""
        return len(self.ids) >= ID_CHUNK

    def seal(self) -> tuple[BucketAcc, frozenset[str]]:
        """This bucket without its ids, and the chunk to store as number `sealed`.

        Store the chunk before the bucket: after a crash in between, the chunk
        is stored twice (the same ids), never lost.
        """
        return replace(self, ids=frozenset(), sealed=self.sealed + 1), self.ids

    def add(self, scored: ScoredMention, terms: tuple[tuple[str, str], ...]) -> BucketAcc:
        """This bucket with one more mention (unchanged if its id is known)."""
        m = scored.mention
        if m.mention_id in self.ids:
            return self
        ids = self.ids | {m.mention_id}
        if scored.sentiment.label != "negative":
            return replace(self, total=self.total + 1, ids=ids)
        new_terms = dict(self.terms)
        for form, _ in terms:
            new_terms[form] = new_terms.get(form, 0) + 1
        fresh = {form: key for form, key in terms if key != form and form not in self.stems}
        stems = {**self.stems, **fresh} if fresh else self.stems
        if len(new_terms) > MAX_TERMS:
            kept = sorted(new_terms.items(), key=lambda kv: (-kv[1], kv[0]))
            new_terms = dict(kept[:MAX_TERMS])
            stems = {f: k for f, k in stems.items() if f in new_terms}
        sample = Sample(
            mention_id=m.mention_id,
            text=m.text,
            created_at_ms=m.created_at_ms,
            lang=scored.lang,
            source=m.source,
            author=m.author,
            url=m.url,
            followers=m.followers,
            score=scored.sentiment.score,
        )
        samples = tuple(sorted((*self.samples, sample), key=_sample_rank))
        authors = self.authors
        if m.author and (m.author in authors or len(authors) < MAX_AUTHORS):
            authors = _bump(authors, m.author)
        return replace(
            self,
            total=self.total + 1,
            negative=self.negative + 1,
            by_lang=_bump(self.by_lang, scored.lang),
            by_source=_bump(self.by_source, m.source or "unknown"),
            terms=new_terms,
            stems=stems,
            samples=samples[:MAX_SAMPLES],
            authors=authors,
            ids=ids,
        )

    def keyed_terms(self) -> tuple[dict[str, int], dict[str, str]]:
        """Negative mentions per term key, and the form each key is shown as
        (the one used most; ties to the alphabet)."""
        counts: dict[str, int] = {}
        shown: dict[str, tuple[int, str]] = {}
        for form, n in self.terms.items():
            key = self.stems.get(form, form)
            counts[key] = counts.get(key, 0) + n
            best = shown.get(key)
            if best is None or n > best[0] or (n == best[0] and form < best[1]):
                shown[key] = (n, form)
        return counts, {key: form for key, (_, form) in shown.items()}

    def stats(
        self,
        top_terms: int = 10,
        background: TermBackground | None = None,
        keyed: tuple[dict[str, int], dict[str, str]] | None = None,
    ) -> WindowStats:
        """The closed bucket's `WindowStats`; its top terms are the most
        distinctive against the brand's `background` (the most frequent without),
        inflected forms counted together (`keyed`: `keyed_terms()` if the
        caller has it already)."""
        counts, shown = keyed or self.keyed_terms()
        best = distinctive(counts, background or TermBackground(), top_terms, self.end_ms)
        ranked = tuple((shown[key], n) for key, n in best)
        per_author = sorted(self.authors.values(), reverse=True)
        top_share = sum(per_author[:5]) / self.negative if self.negative else 0.0
        return WindowStats(
            brand=self.brand,
            start_ms=self.start_ms,
            end_ms=self.end_ms,
            total=self.total,
            negative=self.negative,
            by_lang=dict(sorted(self.by_lang.items())),
            by_source=dict(sorted(self.by_source.items())),
            top_terms=ranked,
            samples=self.samples,
            authors=len(self.authors),
            top_author_share=round(top_share, 4),
        )


def empty_bucket(brand: str, start_ms: int, width_ms: int) -> BucketAcc:
    """A bucket with nothing in it yet."""
    return BucketAcc(brand=brand, start_ms=start_ms, end_ms=start_ms + width_ms)


@dataclass(frozen=True, slots=True, kw_only=True)
class WatermarkRules:
    """How event time and the wall clock advance a partition's watermark (ms)."""

    sources: int
    """Partitions of the `mentions` topic: the watermark is the minimum over them."""
    lateness_ms: int = 5 * 60_000
    """How far out of event-time order a source partition may be."""
    idle_ms: int = 60_000
    """Wall time after which a silent source stops holding the watermark back."""
    live_horizon_ms: int = 6 * 3_600_000
    """The stream counts as live when its event time is this close to the wall clock."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PartitionClock:
    """Watermark state of one partition of `scored-mentions`.

    `source_ms[p]` is the event time source partition p has reached, already
    minus the allowed lateness, or None if nothing came from it yet;
    `seen_wall_ms[p]` is when (wall clock) it last advanced.
    """

    source_ms: tuple[int | None, ...]
    seen_wall_ms: tuple[int | None, ...]
    watermark_ms: int | None = None
    """Min over sources; never goes back."""
    brands: tuple[str, ...] = ()
    """Brands seen on this partition: the ones whose buckets the watermark closes."""

    @classmethod
    def new(cls, rules: WatermarkRules) -> PartitionClock:
        """A clock that has heard from no source yet."""
        return cls(source_ms=(None,) * rules.sources, seen_wall_ms=(None,) * rules.sources)

    def with_brand(self, brand: str) -> PartitionClock:
        """This clock, knowing that `brand` lives on its partition."""
        if brand in self.brands:
            return self
        return replace(self, brands=tuple(sorted((*self.brands, brand))))

    def _settle(self, source_ms: tuple[int | None, ...]) -> int | None:
        if any(s is None for s in source_ms):
            return self.watermark_ms
        low = min(s for s in source_ms if s is not None)
        if self.watermark_ms is None or low > self.watermark_ms:
            return low
        return self.watermark_ms

    def observe(self, source: int, watermark_ms: int, now_ms: int | None) -> PartitionClock:
        """A source partition reports the event time it has reached (minus lateness)."""
        if not 0 <= source < len(self.source_ms):
            return self
        old = self.source_ms[source]
        if old is not None and watermark_ms <= old:
            return self
        sources = list(self.source_ms)
        sources[source] = watermark_ms
        seen = list(self.seen_wall_ms)
        seen[source] = now_ms
        new_sources = tuple(sources)
        return replace(
            self,
            source_ms=new_sources,
            seen_wall_ms=tuple(seen),
            watermark_ms=self._settle(new_sources),
        )

    def tick(self, now_ms: int, rules: WatermarkRules) -> PartitionClock:
        """Apply a wall-clock tick (see the module docstring)."""
        known = [s for s in self.source_ms if s is not None]
        if not known or max(known) < now_ms - rules.live_horizon_ms:
            return self
        idle = [seen is None or now_ms - seen >= rules.idle_ms for seen in self.seen_wall_ms]
        new_sources: tuple[int | None, ...]
        if all(idle):
            floor = now_ms - rules.lateness_ms - rules.idle_ms
            new_sources = tuple(floor if s is None else max(s, floor) for s in self.source_ms)
        else:
            top = max(known)
            new_sources = tuple(
                (top if s is None else max(s, top)) if is_idle else s
                for s, is_idle in zip(self.source_ms, idle, strict=True)
            )
        if new_sources == self.source_ms:
            return self
        return replace(self, source_ms=new_sources, watermark_ms=self._settle(new_sources))


def due_starts(next_start_ms: int | None, watermark_ms: int | None, width_ms: int) -> range:
    """Starts of the buckets a watermark closes, oldest first (gaps included).

    >>> list(due_starts(0, 2500, 1000))
    [0, 1000]
    >>> list(due_starts(None, 2500, 1000))
    []
    """
    if next_start_ms is None or watermark_ms is None:
        return range(0)
    last_end = watermark_ms - watermark_ms % width_ms
    return range(next_start_ms, last_end, width_ms) if last_end > next_start_ms else range(0)
