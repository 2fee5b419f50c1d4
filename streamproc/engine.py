"""The per-brand judging loop shared by the live `windows` agent and `backtest`.

A brand's state says which bucket is judged next and holds the detector's and
the alert state machine's states. Mentions are admitted into open buckets;
when the watermark passes, every due bucket (empty ones included, so silence
is judged too) goes through `detector.step` and `alerting.transition` in
order. The agent keeps the open buckets in a Faust table and this state in
another; `backtest` keeps both in dicts. Same functions, same alerts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

from streamproc import alerting, detector
from streamproc.alerting import AlertPolicy, AlertState
from streamproc.detector import DetectorParams, DetectorState
from streamproc.model import AlertEvent, ScoredMention, Verdict
from streamproc.salience import TermBackground, learn
from streamproc.terms import keyed_terms
from streamproc.windows import BucketAcc, bucket_of, due_starts, empty_bucket


@dataclass(frozen=True, slots=True, kw_only=True)
class BrandParams:
    """Everything that decides how one brand's buckets are judged."""

    width_ms: int
    detector: DetectorParams
    policy: AlertPolicy
    top_terms: int = 10
    seed: DetectorState | None = None
    """The detector state learnt from the brand's history given at onboarding
    (`counts.learn_counts`); None: the brand starts from nothing."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BrandState:
    """Where one brand's judging stands (stored per brand, changelog-backed)."""

    next_start_ms: int | None
    """Start of the next bucket to judge; None before the first mention."""
    closed_any: bool
    """True once a bucket was judged: from then on earlier buckets are late."""
    open_starts: tuple[int, ...]
    """Starts of the buckets holding an accumulator, ascending."""
    detector: DetectorState
    alert: AlertState
    terms: TermBackground = field(default_factory=TermBackground)
    """The brand's usual complaint terms, against which an alert's top terms
    are the distinctive ones."""

    @classmethod
    def new(cls, params: BrandParams) -> BrandState:
        """The state of a brand never seen before (its history's, if it was given one)."""
        return cls(
            next_start_ms=None,
            closed_any=False,
            open_starts=(),
            detector=detector.initial_state(params.detector)
            if params.seed is None
            else params.seed,
            alert=alerting.initial_alert_state(),
        )


def admit(state: BrandState, created_at_ms: int, width_ms: int) -> BrandState | None:
    """The state after a mention's bucket is opened, or None if it is late.

    A mention is late when its bucket was already judged, or already learnt
    from the brand's history; it is counted by the caller (metrics) but
    cannot change a verdict already given. The first live bucket after a
    history may come any time after it: the buckets between are not judged
    (an unknown count is not a zero count).
    """
    start, _ = bucket_of(created_at_ms, width_ms)
    if state.closed_any and state.next_start_ms is not None and start < state.next_start_ms:
        return None
    if start <= state.detector.last_start_ms:
        return None
    next_start = state.next_start_ms
    if not state.closed_any:
        next_start = start if next_start is None else min(next_start, start)
    open_starts = state.open_starts
    if start not in open_starts:
        open_starts = tuple(sorted((*open_starts, start)))
    if next_start == state.next_start_ms and open_starts is state.open_starts:
        return state
    return replace(state, next_start_ms=next_start, open_starts=open_starts)


class IdChunks(Protocol):
    """Where a bucket's sealed chunks of counted mention ids are kept, by number from 0.

    The agent keeps them in its bucket table, `backtest` in memory (`ListChunks`).
    """

    def get(self, k: int) -> frozenset[str]:
        """Chunk ``k`` (empty if it is missing)."""
        ...

    def put(self, k: int, ids: frozenset[str]) -> None:
        """Store chunk ``k`` (again, if it is there: the same ids)."""
        ...


class ListChunks:
    """`IdChunks` in memory."""

    def __init__(self) -> None:
        self._chunks: list[frozenset[str]] = []

    def get(self, k: int) -> frozenset[str]:
        return self._chunks[k] if k < len(self._chunks) else frozenset()

    def put(self, k: int, ids: frozenset[str]) -> None:
        self._chunks[k : k + 1] = [ids]


def accumulate(
    acc: BucketAcc | None,
    scored: ScoredMention,
    stopwords: frozenset[str],
    width_ms: int,
    chunks: IdChunks | None = None,
) -> BucketAcc:
    """The mention's bucket with the mention added (a fresh bucket if None).

    ``acc`` itself when the mention was counted already: its id is in the
    bucket or in one of its sealed `chunks`. When the bucket's own ids reach
    `ID_CHUNK` they are sealed into the next chunk, which is put before the
    bucket is returned for the caller to store: after a crash in between,
    the same ids are sealed again, none lost. Without ``chunks`` the ids all
    stay in the bucket. Terms are extracted only from negative mentions:
    they are what an alert shows.
    """
    if acc is None:
        start, _ = bucket_of(scored.mention.created_at_ms, width_ms)
        acc = empty_bucket(scored.brand, start, width_ms)
    elif chunks is not None and any(
        scored.mention.mention_id in chunks.get(k) for k in range(acc.sealed)
    ):
        return acc
    negative = scored.sentiment.label == "negative"
    terms = keyed_terms(scored.mention.text, scored.lang, stopwords) if negative else ()
    added = acc.add(scored, terms)
    if chunks is None or added is acc or not added.full:
        return added
    sealed, ids = added.seal()
    chunks.put(sealed.sealed - 1, ids)
    return sealed


@dataclass(frozen=True, slots=True, kw_only=True)
class Judged:
    """What closing a brand's due buckets produced."""

    state: BrandState
    verdicts: tuple[Verdict, ...]
    events: tuple[AlertEvent, ...]
    closed_starts: tuple[int, ...]
    """Buckets judged: their accumulators can be deleted."""


def close_due(
    state: BrandState,
    brand: str,
    watermark_ms: int | None,
    accs: Mapping[int, BucketAcc],
    params: BrandParams,
) -> Judged:
    """Judge every bucket of `brand` that ends at or before the watermark.

    `accs` maps bucket starts to the open accumulators (missing = empty bucket).
    """
    starts = due_starts(state.next_start_ms, watermark_ms, params.width_ms)
    if not starts:
        return Judged(state=state, verdicts=(), events=(), closed_starts=())
    det_state, alert_state, usual = state.detector, state.alert, state.terms
    verdicts: list[Verdict] = []
    events: list[AlertEvent] = []
    for start in starts:
        acc = accs.get(start) or empty_bucket(brand, start, params.width_ms)
        keyed = acc.keyed_terms()
        window = acc.stats(params.top_terms, usual, keyed)
        det_state, verdict = detector.step(det_state, window, params.detector)
        alert_state, new_events = alerting.transition(alert_state, verdict, params.policy)
        if verdict.kind != "anomalous":
            # A surge's own words must not become the brand's usual while it lasts.
            usual = learn(usual, keyed[0], acc.end_ms)
        verdicts.append(verdict)
        events.extend(new_events)
    last_end = starts[-1] + params.width_ms
    closed = tuple(s for s in state.open_starts if s < last_end)
    new_state = replace(
        state,
        next_start_ms=last_end,
        closed_any=True,
        open_starts=tuple(s for s in state.open_starts if s >= last_end),
        detector=det_state,
        alert=alert_state,
        terms=usual,
    )
    return Judged(
        state=new_state, verdicts=tuple(verdicts), events=tuple(events), closed_starts=closed
    )
