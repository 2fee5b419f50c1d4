"""A bucket's expected count: the daily profile, the weekday factor and the level."""

from __future__ import annotations

from dataclasses import dataclass

from streamproc.detector.params import DAY_MS, WEEK_DAYS, DetectorParams
from streamproc.detector.state import DetectorState
from streamproc.stats import (
    ewma_rate,
)

_NEIGHBOUR = (-1, 1)


def _slot(start_ms: int, params: DetectorParams) -> int:
    return (start_ms // params.bucket_ms) % params.slots_per_day


def _weekday(start_ms: int) -> int:
    return (start_ms // DAY_MS) % WEEK_DAYS


def _typical(state: DetectorState, slot: int, params: DetectorParams) -> _Profiled | None:
    """The slot's typical count and how much it rests on; None before it is seen.

    The count is smoothed over the neighbouring slots and shrunk like a
    gamma-Poisson posterior mean: ``season_prior`` mentions of prior belief
    in the day's mean, so a slot seen once with 0 mentions does not predict 0
    for ever, while slots with hundreds keep their own value.
    """
    if not state.visits[slot]:
        return None
    n = len(state.profile)
    memory = (2 - params.season_rate) / params.season_rate
    total = weight = buckets = days = 0.0
    for k in (0, *_NEIGHBOUR):
        j = (slot + k) % n
        if state.visits[j]:
            w = 1.0 if k == 0 else params.season_smoothing
            seen = min(state.visits[j], memory)
            total += w * state.profile[j]
            weight += w
            buckets += w * seen
            days = max(days, seen)
    known = [p for p, v in zip(state.profile, state.visits, strict=True) if v]
    mean = max(sum(known) / len(known), 1e-3)
    c = params.season_prior
    return _Profiled(typical=(total + c) / (weight + c / mean), buckets=buckets, days=days)


@dataclass(frozen=True, slots=True)
class _Profiled:
    typical: float
    """The slot's typical count."""
    buckets: float
    """Effective buckets behind it (neighbours and days)."""
    days: float
    """Effective days behind it (the neighbours share each day's level)."""


def _weekday_known(state: DetectorState, day: int, params: DetectorParams) -> bool:
    """Whether a whole such weekday has been learnt.

    Until then the baseline cannot know how that day differs from the days
    seen: a brand onboarded on a Friday whose weekends run at half its
    weekday level meets its first Monday at twice the profile, and since an
    anomalous bucket is not learnt, the baseline would not catch up for hours
    (a false incident the whole first Monday morning).
    """
    return state.week_seen[day] >= params.slots_per_day


def _weekly(state: DetectorState, day: int, params: DetectorParams) -> float:
    """The weekday's factor, once a whole such day has been seen (else 1).

    A weekday's first day is learnt but not applied: half a Saturday says
    little about its other half, and the ratio follows meanwhile.
    """
    known = [i for i in range(WEEK_DAYS) if _weekday_known(state, i, params)]
    if day not in known or len(known) < 2:  # a factor needs another day to compare
        return 1.0
    c = params.season_prior
    factors = [(state.week_num[i] + c) / (state.week_den[i] + c) for i in known]
    return factors[known.index(day)] * len(factors) / sum(factors)


@dataclass(frozen=True, slots=True)
class _Baseline:
    """The parts of one bucket's expectation (kept for learning)."""

    expected: float
    typical: float | None
    weekly: float
    buckets: float
    """Effective buckets the expectation rests on (its counting noise)."""
    days: float
    """Effective days it rests on (its day-to-day noise)."""

    def dispersion(self, learnt: float) -> float:
        """The count's dispersion widened by the baseline's own uncertainty.

        A mean estimated from noisy buckets is off by a relative variance of
        about dispersion / days (a whole day runs high or low together) plus
        1 / (mean x buckets) (counting noise): a young profile must not call
        its own sampling noise a surge.
        """
        counting = 1.0 / (max(self.expected, 1.0) * max(self.buckets, 1.0))
        return learnt + learnt / max(self.days, 1.0) + counting


def _baseline(state: DetectorState, start_ms: int, params: DetectorParams) -> _Baseline:
    found = _typical(state, _slot(start_ms, params), params)
    weekly = _weekly(state, _weekday(start_ms), params)
    if found is None:
        a = max(ewma_rate(params.buckets(params.young_level_halflife_minutes)), 1e-6)
        buckets = min(float(state.buckets_seen), (2 - a) / a)
        return _Baseline(
            expected=state.fast, typical=None, weekly=weekly, buckets=buckets, days=1.0
        )
    return _Baseline(
        expected=state.ratio * found.typical * weekly,
        typical=found.typical,
        weekly=weekly,
        buckets=found.buckets,
        days=found.days,
    )
