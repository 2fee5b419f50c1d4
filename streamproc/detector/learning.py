"""What a judged bucket teaches the state: level, profile, spread, share, calibration."""

from __future__ import annotations

import math
from dataclasses import replace

from streamproc.detector.baseline import _Baseline, _slot, _weekday
from streamproc.detector.novelty import _rise_after, _with_peaks
from streamproc.detector.params import DAY_MS, DetectorParams
from streamproc.detector.share import _add_to_day_sums, _add_to_share_hours, _end_day
from streamproc.detector.spans import _RECENT, _RECENT_EXPECTED
from streamproc.detector.state import _CALIB_BINS, DetectorState
from streamproc.model import VerdictKind, WindowStats
from streamproc.stats import (
    ewma_rate,
    surprise_bin,
)


def _learn_first(
    state: DetectorState, window: WindowStats, params: DetectorParams
) -> DetectorState:
    observed = float(window.negative)
    first = replace(
        state,
        buckets_seen=1,
        last_start_ms=window.start_ms,
        fast=observed,
        share_neg=observed,
        share_all=float(window.total),
        recent_obs=(observed,),
        recent_exp=(observed,),
        recent_tot=(float(window.total),),
    )
    return _with_peaks(first, window.start_ms, params)


def _learnt_value(
    observed: float,
    expected: float,
    sd: float,
    kind: VerdictKind,
    surprise: float,
    params: DetectorParams,
    *,
    profiled: bool,
    by_ratio_too: bool,
) -> float:
    """What the baseline learns from a bucket: the count, clipped and damped.

    A rise is learnt less the more surprising it is. For the short-term level
    (`by_ratio_too`) it is also learnt less the larger it is in ratio, so the
    first, not yet significant buckets of a surge on a small brand do not
    lift the baseline the next ones are judged against. Before the slot has a
    profile, a rise small in ratio is learnt whatever its surprise: the raw
    EWMA then has to follow the daily ramps by itself.
    """
    if kind == "anomalous":
        return expected  # a surge teaches nothing (until adapt_after_minutes)
    learnt = min(
        max(observed, expected - params.clip_sigma * sd), expected + params.clip_sigma * sd
    )
    if learnt > expected:
        span = max(params.threshold - params.learn_full_score, 1e-6)
        by_score = (params.threshold - surprise) / span
        span_r = max(params.learn_zero_ratio - params.learn_full_ratio, 1e-6)
        by_ratio = (params.learn_zero_ratio - observed / max(expected, 1.0)) / span_r
        if not profiled:
            weight = max(by_score, by_ratio)
        elif by_ratio_too:
            weight = min(by_score, by_ratio)
        else:
            weight = by_score
        learnt = expected + min(max(weight, 0.0), 1.0) * (learnt - expected)
    return max(learnt, 0.0)


def _learn(
    state: DetectorState,
    window: WindowStats,
    base: _Baseline,
    kind: VerdictKind,
    surprise: float,
    raw_score: float,
    params: DetectorParams,
    *,
    rising: bool,
    expected_share: float,
) -> DetectorState:
    """The state after learning from a judged bucket.

    ``expected_share`` is the bucket's own (the day's share times its hour's
    factor, or the day's share itself when that is 0 or 1 and has no hours):
    the day's drift is measured against it, so a daily rhythm of the
    share is not taken for drift. The share's spread within buckets is still
    measured against the day's share: against the hour's it came out
    smaller on brands with a rhythm, and they paged more, 5 times instead of
    3 in 80 four-week brands (a share swinging 0.5 log-odds over the day).
    """
    observed = float(window.negative)
    expected = max(base.expected, 0.0)
    n = state.buckets_seen
    history = n * params.bucket_minutes
    # Spread damping applies between the spread's prior span (before it, every
    # rise may be the level being found) and the end of the young period.
    damp_spread = params.dispersion_prior_minutes <= history < params.young_minutes
    run = state.anomalous_run + 1 if kind == "anomalous" else 0
    elevated = kind == "anomalous" or observed >= params.learn_zero_ratio * max(expected, 1.0)
    high_run = state.elevated_run + 1 if elevated else 0
    # A level that stays high (anomalous or not) for long is the new normal.
    adapt = high_run * params.bucket_minutes > params.adapt_after_minutes
    # What the spread, the share and its hours learn from: an ordinary bucket,
    # or a level high for so long that it is the new normal.
    ordinary = kind != "anomalous" or adapt
    sd = math.sqrt(max(expected, 0.5) + state.dispersion * expected * expected)
    profiled = base.typical is not None
    learnt = level_learnt = observed
    if not adapt:
        learnt = _learnt_value(
            observed, expected, sd, kind, surprise, params, profiled=profiled, by_ratio_too=False
        )
        level_learnt = learnt
        if params.level_damp_by_ratio:
            level_learnt = _learnt_value(
                observed, expected, sd, kind, surprise, params, profiled=profiled, by_ratio_too=True
            )

    a_fast = max(ewma_rate(params.buckets(params.young_level_halflife_minutes)), 1 / (n + 1))
    fast = state.fast + a_fast * (learnt - state.fast)

    ratio = state.ratio
    if base.typical is not None:
        a_ratio = ewma_rate(params.buckets(params.level_halflife_minutes))
        target = level_learnt / max(base.typical * base.weekly, 1e-3)
        ratio = min(max(ratio + a_ratio * (target - ratio), 1e-3), 1e3)
    slow_ratio = state.slow_ratio
    if base.typical is not None and params.slow_level_halflife_minutes > 0:
        a_slow = ewma_rate(params.buckets(params.slow_level_halflife_minutes))
        target = level_learnt / max(base.typical * base.weekly, 1e-3)
        slow_ratio = min(max(slow_ratio + a_slow * (target - slow_ratio), 1e-3), 1e3)

    slot = _slot(window.start_ms, params)
    profile = list(state.profile)
    visits = list(state.visits)
    rhythm = learnt
    if not profiled and kind != "anomalous":
        # Before the slot has a profile the expectation is a lagging EWMA, so
        # a morning ramp looks like a rise: the profile takes the count
        # clipped, not damped, or every ramp would be learnt too low.
        rhythm = max(min(observed, expected + params.clip_sigma * sd), 0.0)
    deweeked = rhythm / max(base.weekly, 1e-3)
    # A running mean over the first visits, then an EWMA: two days weigh
    # equally rather than 0.7 / 0.3.
    a_slot = max(params.season_rate, 1 / (visits[slot] + 1))
    profile[slot] += a_slot * (deweeked - profile[slot])
    visits[slot] += 1

    day = _weekday(window.start_ms)
    week_num = list(state.week_num)
    week_den = list(state.week_den)
    week_seen = list(state.week_seen)
    # One day's worth of buckets moves a weekday's factor by `weekly_rate`;
    # the first such day is a running mean.
    per_bucket = 1 - (1 - params.weekly_rate) ** (1 / params.slots_per_day)
    a_week = max(per_bucket, 1 / (week_seen[day] + 1))
    predicted = base.typical if base.typical is not None else learnt
    week_num[day] += a_week * (learnt - week_num[day])
    week_den[day] += a_week * (predicted - week_den[day])
    week_seen[day] += 1

    disp = state.dispersion
    if expected >= params.dispersion_min_expected and ordinary:
        # The spread is learnt from the clipped count, not the damped one: a
        # rise kept out of the level is still part of the brand's noise.
        spread = min(
            max(observed, expected - params.clip_sigma * sd), expected + params.clip_sigma * sd
        )
        moment = ((spread - expected) ** 2 - expected) / (expected * expected)
        prior_buckets = params.buckets(params.dispersion_prior_minutes)
        a_disp = max(
            ewma_rate(params.buckets(params.dispersion_halflife_minutes)),
            1 / (n + 1 + prior_buckets),
        ) * _spread_weight(raw_score, params, rise=spread > expected, damp=damp_spread)
        if not profiled and params.dispersion_half_weight > 0.0:
            # A first-day bucket expecting few mentions says little of the spread.
            a_disp *= expected / (expected + params.dispersion_half_weight)
        disp = min(max(disp + a_disp * (moment - disp), params.min_dispersion), 4.0)

    share_neg, share_all, rho = state.share_neg, state.share_all, state.share_rho
    a_settled = ewma_rate(params.buckets(params.share_halflife_minutes))
    p = share_neg / share_all if share_all > 0 else 0.0
    total = float(window.total)
    if not ordinary:
        # An anomalous bucket moves the share a little: towards its own share
        # clipped to a few standard deviations, at the settled rate, and
        # weighted as a bucket of the usual size (a young brand's running
        # mean, or a surge's large total, would take in most of the surge).
        # A surge then hardly moves it (it would hide the next bucket), but a
        # lasting rise of the share is learnt within days. Skipping such
        # buckets instead learnt only the low-share buckets between them, so
        # a share that stayed high was never learnt and paged again after
        # every cooldown.
        if total > 0.0 and share_all > 0.0:
            sd_neg = math.sqrt(total * p * (1 - p) * (1 + (total - 1) * rho))
            clipped = min(observed, total * p + params.clip_sigma * sd_neg) / total
            share_neg += a_settled * (clipped - p) * share_all
    else:
        if 0.0 < p < 1.0 and total >= 2:  # the spread needs two mentions
            # Beta-binomial moment estimate of the share's extra spread. It is
            # not floored at 0 bucket by bucket: that would average the positive
            # half of a chi-square's noise only, about 0.48 / (total - 1), and
            # make a brand of 15 mentions a bucket look overdispersed (0.03)
            # when it is not; the running value has the floor instead.
            z2 = (observed - total * p) ** 2 / (total * p * (1 - p))
            moment = min((z2 - 1) / (total - 1), 0.5)
            a_rho = max(
                ewma_rate(params.buckets(params.dispersion_halflife_minutes)),
                1 / (n + 1 + params.buckets(params.dispersion_prior_minutes)),
            ) * _spread_weight(raw_score, params, rise=observed > total * p, damp=damp_spread)
            rho = max(rho + a_rho * (moment - rho), params.share_overdispersion)
        a_share = max(a_settled, 1 / (n + 1))
        share_neg += a_share * (observed - share_neg)
        share_all += a_share * (total - share_all)

    updated = replace(
        state,
        buckets_seen=n + 1,
        last_start_ms=window.start_ms,
        fast=max(fast, 0.0),
        ratio=ratio,
        slow_ratio=slow_ratio,
        profile=tuple(profile),
        visits=tuple(visits),
        week_num=tuple(week_num),
        week_den=tuple(week_den),
        week_seen=tuple(week_seen),
        dispersion=disp,
        share_neg=max(share_neg, 0.0),
        share_all=max(share_all, 0.0),
        share_rho=rho,
        recent_obs=(*state.recent_obs, observed)[-_RECENT:],
        recent_exp=(*state.recent_exp, expected)[-_RECENT_EXPECTED:],
        recent_tot=(*state.recent_tot, float(window.total))[-_RECENT:],
        anomalous_run=run,
        elevated_run=high_run,
        **_rise_after(state, window.start_ms, rising=rising),
    )
    updated = _end_day(updated, window.start_ms // DAY_MS, params)
    updated = _add_to_share_hours(updated, window, p, params, learn=ordinary)
    updated = _add_to_day_sums(updated, window, expected_share, rho, kind)
    return _with_peaks(updated, window.start_ms, params)


def _spread_weight(raw_score: float, params: DetectorParams, *, rise: bool, damp: bool) -> float:
    """1 for ordinary buckets and falls, down to 0 for a rise as surprising as the threshold."""
    if not params.spread_learn_by_score or not rise or not damp:
        return 1.0
    span = max(params.threshold - params.learn_full_score, 1e-6)
    return min(max((params.threshold - raw_score) / span, 0.0), 1.0)


def _calibrate(state: DetectorState, raw_score: float, params: DetectorParams) -> DetectorState:
    """Add a bucket's raw surprise to the decayed calibration histogram.

    Young baselines are left out (their misfit says nothing of the brand's
    tails); with ``calibration_once_per_run`` an anomalous run counts once,
    so a twelve-bucket crisis does not teach the brand that crises are
    ordinary.
    """
    if params.calibration_per_day <= 0.0 or len(state.calib) != _CALIB_BINS:
        return state
    if state.buckets_seen * params.bucket_minutes <= params.young_minutes:
        return state
    if params.calibration_once_per_run and state.anomalous_run > 1:
        return state
    keep = 1.0 - ewma_rate(params.buckets(params.calibration_halflife_minutes))
    bins = [x * keep for x in state.calib]
    bins[surprise_bin(raw_score)] += 1.0
    return replace(state, calib=tuple(bins), calib_mass=state.calib_mass * keep + 1.0)
