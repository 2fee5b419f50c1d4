"""The novelty rule: the brand's daily peaks, and whether a bucket tops them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import TypedDict

from streamproc.detector.params import DAY_MS, DetectorParams
from streamproc.detector.state import DetectorState


def _kth_peak(peaks: Sequence[float], k: int) -> float:
    """The k-th highest of the daily peaks (the lowest when there are fewer)."""
    ranked = sorted(peaks, reverse=True)
    return ranked[min(k, len(ranked)) - 1]


def _tops(value: float, peak: float, params: DetectorParams) -> bool:
    return value > peak + params.novelty_margin * math.sqrt(peak) + 0.5


def _span_sum(counts: Sequence[float], params: DetectorParams) -> float:
    """The sum of the last `novelty_span` counts (the bucket's own last)."""
    return sum(counts[-params.novelty_span :])


def _has_peak_for(state: DetectorState, day: int) -> bool:
    """Whether the daily peaks already hold an entry for `day` (the last one, if any)."""
    return bool(state.peak_days) and state.peak_days[-1] == day


def _peaks_before_rise(
    state: DetectorState, start_ms: int
) -> tuple[Sequence[float], Sequence[float]]:
    """The daily peaks and peak sums the novelty rule compares a bucket with.

    During a rise (`DetectorState.rise_run`), today's peak is what the day
    reached before the rise began: a rise that starts below the brand's usual
    peaks (a step at night) and keeps growing would otherwise only ever be
    compared with its own previous buckets and never be new, however far it
    went. A rise that began on an earlier day leaves nothing of today.
    """
    values, sums = state.peak_values, state.peak_sums
    today = start_ms // DAY_MS
    if state.rise_run == 0 or not _has_peak_for(state, today):
        return values, sums
    if state.rise_day == today:
        return (*values[:-1], state.rise_base_value), (*sums[:-1], state.rise_base_sum)
    return values[:-1], sums[:-1]


def _novel(
    observed: float,
    span_sum: float,
    state: DetectorState,
    start_ms: int,
    peaks: tuple[float, float] | None,
    params: DetectorParams,
) -> bool | None:
    """Whether the bucket tops the brand's k-th highest daily peak (the novelty rule).

    k grows with the history (one peak per `novelty_return_days` days of it),
    so a brand is held to the level it reaches only about once in that many
    days. Today's peak so far is one of the peaks: a second burst on the same
    day must top the first; but not the rise under way (`_peaks_before_rise`).
    The sum over `novelty_span` buckets is held to the daily peaks of such
    sums, so a sustained rise that no single bucket shows (a slow burn, a
    surge at night) is new as well. None: no judgement, either because the
    history is too short to tell anything (or today is all rise) or, before
    `novelty_return_days`, because the bucket tops nothing (a young brand's
    peaks so far do not say what is ordinary for it), unless every one of its
    past days reached it (`_below_every_past_day`). ``peaks`` is `_kth_peaks`'.
    """
    history_days = state.buckets_seen * params.bucket_ms / DAY_MS
    if params.novelty_days <= 0.0 or history_days < params.novelty_young_days:
        return None
    if peaks is None:
        return None
    peak_value, peak_sum = peaks
    if _tops(observed, peak_value, params):
        return True
    if params.novelty_span > 1 and _tops(span_sum, peak_sum, params):
        return True
    if history_days >= params.novelty_return_days:
        return False
    if params.novelty_young_hold and _below_every_past_day(
        observed, span_sum, state, start_ms, params
    ):
        return False
    return None


def _kth_peaks(
    state: DetectorState, start_ms: int, params: DetectorParams
) -> tuple[float, float] | None:
    """The k-th highest daily peak and peak sum that `_novel` and `_new_peak`
    hold a bucket to; None before any peak."""
    history_days = state.buckets_seen * params.bucket_ms / DAY_MS
    k = max(1, int(min(history_days, params.novelty_days) / params.novelty_return_days))
    peak_values, peak_sums = _peaks_before_rise(state, start_ms)
    if not peak_values:
        return None
    return _kth_peak(peak_values, k), _kth_peak(peak_sums, k)


def _new_peak(
    observed: float,
    span_sum: float,
    state: DetectorState,
    start_ms: int,
    peaks: tuple[float, float] | None,
    params: DetectorParams,
) -> bool:
    """Whether a bucket that `_novel` calls new is a new peak, which needs only
    `novelty_threshold` of surprise.

    It must top the peaks of the last days (`_tops_recent_days`) and the k-th
    daily peak (or, as a `novelty_span` sum, the k-th peak sum) by
    `new_peak_margin` standard deviations of the brand's own spread. A peak
    just above the usual ones is what a bursty brand's noise does every few
    days; the Poisson margin of `_tops` asks almost nothing of a brand of
    hundreds of mentions a bucket. ``peaks`` is `_kth_peaks`'.
    """
    if not _tops_recent_days(observed, span_sum, state, start_ms, params):
        return False
    margin = params.new_peak_margin
    if margin <= 0.0 or peaks is None:
        return True
    peak_value, peak_sum = peaks
    spread = state.dispersion
    if observed > peak_value + margin * math.sqrt(peak_value + spread * peak_value**2):
        return True
    # The sum of `novelty_span` counts with one dispersion has dispersion / span.
    span_spread = spread / params.novelty_span
    return span_sum > peak_sum + margin * math.sqrt(peak_sum + span_spread * peak_sum**2)


def _tops_recent_days(
    observed: float, span_sum: float, state: DetectorState, start_ms: int, params: DetectorParams
) -> bool:
    """Whether the bucket (or its `novelty_span` sum) tops the peaks of the last
    `novelty_recent_days` days before today, as a new peak must to get the lower bar.

    The k-th highest daily peak calls a lasting step's new level new until k
    days have reached it, so for days after the step a small misfit of the
    baseline (a midnight, where the daily profile has learnt the step for one
    day less) needed only `novelty_threshold` and paged the same step again
    once the cooldown was over. A level reached yesterday is not new today:
    such a bucket needs the full `threshold`. No counting-noise margin: the
    bucket only has to be higher.
    """
    if params.novelty_recent_days <= 0.0:
        return True
    today = start_ms // DAY_MS
    recent = [
        (value, span)
        for day, value, span in zip(
            state.peak_days, state.peak_values, state.peak_sums, strict=True
        )
        if today - params.novelty_recent_days <= day < today
    ]
    if not recent:
        return True
    return observed > max(v for v, _ in recent) or span_sum > max(s for _, s in recent)


def _below_every_past_day(
    observed: float,
    span_sum: float,
    state: DetectorState,
    start_ms: int,
    params: DetectorParams,
) -> bool:
    """Whether every one of at least `novelty_young_hold` past days reached the bucket.

    Both the bucket and its `novelty_span` sum must be no higher than the
    lowest of the past days' peaks (today's is left out). A young brand's
    peaks do not yet say what is rare for it, but a level it met on each of
    its first days is ordinary: a spike that recurs daily, or a Monday after
    a first weekend that ran at half the weekday level. No noise margin, as
    `_tops` has: that would hold back an eightfold night surge on a brand of
    a few mentions a bucket whose quietest day peaked just under it.
    """
    values, sums = state.peak_values, state.peak_sums
    if _has_peak_for(state, start_ms // DAY_MS):
        values, sums = values[:-1], sums[:-1]
    if len(values) < max(params.novelty_young_hold, 1):
        return False
    return observed <= min(values) and span_sum <= min(sums)


def _record_days(observed: float, state: DetectorState, start_ms: int) -> int:
    """Whole days back to the last daily peak as high as `observed`.

    When no remembered day was as high, the days remembered: "the highest
    in N days" then holds for N days at least.
    """
    today = start_ms // DAY_MS
    for day, peak in zip(reversed(state.peak_days), reversed(state.peak_values), strict=True):
        if peak >= observed:
            return int(today - day)
    return int(today - state.peak_days[0]) if state.peak_days else 0


def _with_peaks(state: DetectorState, start_ms: int, params: DetectorParams) -> DetectorState:
    """The state with its last bucket (``recent_obs[-1]``) in the daily peaks.

    Days older than `novelty_days` are dropped, so the state stays small.
    """
    if params.novelty_days <= 0.0 or not state.recent_obs:
        return state
    day = start_ms // DAY_MS
    observed = state.recent_obs[-1]
    span_sum = _span_sum(state.recent_obs, params)
    days, values, sums = list(state.peak_days), list(state.peak_values), list(state.peak_sums)
    if _has_peak_for(state, day):
        values[-1] = max(values[-1], observed)
        sums[-1] = max(sums[-1], span_sum)
    else:
        days.append(day)
        values.append(observed)
        sums.append(span_sum)
    keep = next((i for i, d in enumerate(days) if d > day - params.novelty_days), len(days))
    return replace(
        state,
        peak_days=tuple(days[keep:]),
        peak_values=tuple(values[keep:]),
        peak_sums=tuple(sums[keep:]),
    )


class _Rise(TypedDict):
    rise_run: int
    rise_day: int
    rise_base_value: float
    rise_base_sum: float


def _rise_after(state: DetectorState, start_ms: int, *, rising: bool) -> _Rise:
    """The `DetectorState.rise_run` fields after a bucket.

    Read from the state before the bucket enters the daily peaks, so a rise
    that begins records the day's peak as it was without it.
    """
    if not rising or state.rise_run > 0:
        return _Rise(
            rise_run=state.rise_run + 1 if rising else 0,
            rise_day=state.rise_day,
            rise_base_value=state.rise_base_value,
            rise_base_sum=state.rise_base_sum,
        )
    today = start_ms // DAY_MS
    started_today = _has_peak_for(state, today)
    return _Rise(
        rise_run=1,
        rise_day=today,
        rise_base_value=state.peak_values[-1] if started_today else 0.0,
        rise_base_sum=state.peak_sums[-1] if started_today else 0.0,
    )
