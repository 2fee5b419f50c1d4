"""The negative share's daily rhythm (its hours' factors) and its day-to-day drift."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from streamproc.detector.baseline import _slot
from streamproc.detector.params import DetectorParams
from streamproc.detector.state import DetectorState
from streamproc.model import VerdictKind, WindowStats

_SHARE_NEIGHBOUR_WEIGHT = 0.5
"""Weight of each neighbouring hour when an hour's share factor is read: a
share's daily rhythm moves over hours, and an hour of a small brand holds
few mentions."""


def _share_bins(params: DetectorParams) -> int:
    """Hours of the share's daily profile (fewer for buckets longer than an hour)."""
    return min(24, params.slots_per_day)


def _share_hour(slot: int, params: DetectorParams) -> int:
    """The hour of the share's daily profile that a slot of the day falls in."""
    return slot * _share_bins(params) // params.slots_per_day


def _share_hours_reset(state: DetectorState, params: DetectorParams) -> DetectorState:
    """The state with an empty share profile sized for the bucket width."""
    zeros = (0.0,) * _share_bins(params)
    return replace(
        state,
        share_hour_neg=zeros,
        share_hour_exp=zeros,
        share_today_neg=zeros,
        share_today_exp=zeros,
    )


def _share_factors(
    state: DetectorState, params: DetectorParams
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per hour of the day: its negative share relative to the day's (1: none
    learnt), and that factor's relative variance.

    An hour's factor is the negatives its buckets (and, at half weight, the
    neighbouring hours') had on the days before today, over what the day's
    expected share made of their mentions, each side with
    `DetectorParams.share_profile_prior` pseudo-mentions, which shrink a
    factor resting on few mentions towards 1. Today is left out: the
    buckets of a slow rise that are not anomalous yet would otherwise raise
    the expected share of the next ones, and the rise would hide itself.

    A factor's noise is the counting noise of the ``n`` negatives behind it,
    widened by the share's learnt spread within buckets: ``n s / (n +
    prior)^2`` with ``s = (1 - p)(1 + (t - 1) rho)`` for buckets of ``t``
    mentions. The factors are then shrunk towards 1 by how far the hours
    truly differ (the mean of their squared departures from 1 less their
    noise) against each one's noise, and the variance returned is what is
    left of the noise after that shrinking. A brand whose share holds all
    day keeps the day's share at every hour, rather than a pattern read into
    its counting noise. Crisis bench, seeds 20240501 and 1-6, whose other
    sections' brands keep one share all day: unshrunk, 12 more false
    incidents and 5 fewer triplings found within a day than without a
    profile; shrunk, the same figures bar one cold surge more missed (83 of
    840) and 2 fewer second pages after a step.

    >>> from streamproc.detector import initial_state
    >>> p = DetectorParams(bucket_ms=21_600_000)  # four 6-hour buckets a day
    >>> s = replace(initial_state(p), share_hour_neg=(300.0, 100.0, 100.0, 100.0),
    ...             share_hour_exp=(200.0, 200.0, 100.0, 100.0))
    >>> [round(f, 2) for f in _share_factors(s, p)[0]]
    [1.13, 0.88, 0.84, 1.17]
    >>> s = replace(s, share_hour_neg=(30.0, 10.0, 10.0, 10.0),  # a tenth as many
    ...             share_hour_exp=(20.0, 20.0, 10.0, 10.0))
    >>> [round(f, 2) for f in _share_factors(s, p)[0]]  # within their noise
    [1.0, 1.0, 1.0, 1.0]
    """
    neg, exp = state.share_hour_neg, state.share_hour_exp
    n = len(neg)
    if params.share_profile_rate <= 0.0 or n < 2:
        return (1.0,) * n, (0.0,) * n
    c = params.share_profile_prior
    w = _SHARE_NEIGHBOUR_WEIGHT
    p = state.share_neg / state.share_all if state.share_all > 0 else 0.0
    # A bucket's negatives vary (1 + (t - 1) rho) times more than binomially.
    spread = (1.0 - p) * (1.0 + max(state.share_all - 1.0, 0.0) * state.share_rho)
    raw, noise = [], []
    for b in range(n):
        a, z = (b - 1) % n, (b + 1) % n
        num = neg[b] + w * (neg[a] + neg[z])
        den = exp[b] + w * (exp[a] + exp[z]) + c
        raw.append((num + c) / den if den > 0.0 else 1.0)
        noise.append(num * spread / (num + c) ** 2 if num + c > 0.0 else 0.0)
    seen = [b for b in range(n) if noise[b] > 0.0]
    if not seen:
        return (1.0,) * n, (0.0,) * n
    # How much the hours truly differ: their factors' spread less their noise.
    rhythm = max(sum((raw[b] - 1.0) ** 2 - noise[b] for b in seen) / len(seen), 0.0)
    keep = [rhythm / (rhythm + v) if rhythm + v > 0.0 else 0.0 for v in noise]
    factors = tuple(1.0 + (f - 1.0) * k for f, k in zip(raw, keep, strict=True))
    return factors, tuple(v * k for v, k in zip(noise, keep, strict=True))


@dataclass(frozen=True, slots=True)
class _ShareProfile:
    """Which hour of the share profile each recent bucket fell in, and how
    noisy each hour's factor is."""

    hours: Sequence[int]
    """Per bucket, oldest first: its hour (index of `_share_factors`)."""
    noise: Sequence[float]
    """Per hour: the relative variance of its factor."""


def _slot_shares(
    state: DetectorState, start_ms: int, count: int, share: float, params: DetectorParams
) -> tuple[list[float], _ShareProfile]:
    """The expected shares of the ``count`` buckets up to the one at ``start_ms``, oldest first.

    The recent buckets are the ones just before it, with no gap between: the
    live path and the mention backtest judge every bucket, an empty one too
    (`engine.close_due`), and a counts file, whose missing buckets are
    skipped, never scores the share (every mention there is negative).
    """
    factors, noise = _share_factors(state, params)
    slot, slots = _slot(start_ms, params), params.slots_per_day
    hours = [_share_hour((slot - k) % slots, params) for k in range(count - 1, -1, -1)]
    cap = (1.0 + share) / 2.0  # a factor never makes a share certain
    return [min(share * factors[h], cap) for h in hours], _ShareProfile(hours, noise)


_WANDER_MIN_DAYS_RATE = 0.1
"""The least weight of a new day in `DetectorState.share_wander` (about a week's memory)."""

_WANDER_MIN_BUCKETS = 8
"""A day teaches `DetectorState.share_wander` only with at least this many
buckets' worth of judged mentions (`DetectorParams.share_min_total` each):
a day of a few mentions says nothing about how the share drifts."""


def _end_day(state: DetectorState, day: int, params: DetectorParams) -> DetectorState:
    """The state with the day before ``day`` folded into what the share learns
    from whole days, when ``day`` is a new one; today's sums start afresh.

    Two things are learnt from whole days. The hours' sums (`_share_factors`)
    take in today's, at `DetectorParams.share_profile_rate`. And the share's
    drift (`DetectorState.share_wander`): the share's spread within buckets
    cancels in a sum of buckets, but a drift they share (a day when more of
    what is said is negative) does not, and a day's drift summed over 8
    buckets read as a sustained rise and paged. Its variance is the day's
    negatives less what the expected share made of its mentions, squared,
    less the binomial variance, over the day's mentions squared. A day with
    an anomalous bucket teaches nothing (`_add_to_day_sums`), so a surge or a
    step that pages is not learnt as drift.
    """
    if day == state.day_num:
        return state
    hour_neg, hour_exp = state.share_hour_neg, state.share_hour_exp
    today_neg, today_exp = state.share_today_neg, state.share_today_exp
    if params.share_profile_rate > 0.0:
        keep = 1.0 - params.share_profile_rate
        hour_neg = tuple(keep * h + t for h, t in zip(hour_neg, today_neg, strict=True))
        hour_exp = tuple(keep * h + t for h, t in zip(hour_exp, today_exp, strict=True))
        today_neg = today_exp = (0.0,) * len(today_neg)
    neg, exp, var, tot = state.day_neg, state.day_exp, state.day_var, state.day_tot
    wander, days = state.share_wander, state.wander_days
    if state.day_num >= 0 and neg >= 0.0 and tot >= params.share_min_total * _WANDER_MIN_BUCKETS:
        moment = ((neg - exp) ** 2 - var) / (tot * tot)
        rate = max(1.0 / (days + 1), _WANDER_MIN_DAYS_RATE)
        wander = max(wander + rate * (moment - wander), 0.0)
        days += 1
    return replace(
        state,
        share_hour_neg=hour_neg,
        share_hour_exp=hour_exp,
        share_today_neg=today_neg,
        share_today_exp=today_exp,
        share_wander=wander,
        wander_days=days,
        day_num=day,
        day_neg=0.0,
        day_exp=0.0,
        day_var=0.0,
        day_tot=0.0,
    )


def _add_to_share_hours(
    state: DetectorState, window: WindowStats, p: float, params: DetectorParams, *, learn: bool
) -> DetectorState:
    """The state with this bucket in today's sums of its hour (`_end_day` folds them in)."""
    total = float(window.total)
    if params.share_profile_rate <= 0.0 or not learn or not 0.0 < p < 1.0 or total <= 0.0:
        return state
    b = _share_hour(_slot(window.start_ms, params), params)
    today_neg, today_exp = list(state.share_today_neg), list(state.share_today_exp)
    today_neg[b] += float(window.negative)
    today_exp[b] += total * p
    return replace(state, share_today_neg=tuple(today_neg), share_today_exp=tuple(today_exp))


def _add_to_day_sums(
    state: DetectorState,
    window: WindowStats,
    p: float,
    rho: float,
    kind: VerdictKind,
) -> DetectorState:
    """The state with this bucket in today's sums for the share's drift (`_end_day`).

    An anomalous bucket marks the whole day as teaching nothing (-1).
    """
    if kind == "anomalous":
        return replace(state, day_neg=-1.0)
    total = float(window.total)
    if state.day_neg < 0.0 or not 0.0 < p < 1.0 or total <= 0.0:
        return state
    return replace(
        state,
        day_neg=state.day_neg + float(window.negative),
        day_exp=state.day_exp + total * p,
        day_var=state.day_var + total * p * (1.0 - p) * (1.0 + (total - 1.0) * rho),
        day_tot=state.day_tot + total,
    )
