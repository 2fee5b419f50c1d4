"""The anomaly detector: one brand's closed buckets in, a `Verdict` per bucket out.

`step(state, window, params) -> (state, verdict)` is pure. The state is a
small JSON-safe value (floats, ints and tuples) that the windows agent keeps in
a Faust table and `backtest` keeps in a local variable, so both judge alike.

How a bucket is judged
----------------------
* **Baseline** (``expected``): a multiplicative Holt-Winters-style model,
  ``level x daily[slot] x weekly[day]``. The level is an EWMA of the
  de-seasonalised count; the daily profile (one factor per bucket of the
  day) and the weekly profile (one factor per day of week) are learnt as
  slow EWMAs of the ratio count / model. Until a slot has been seen, its
  factor is unknown and the level (which then follows the rhythm by itself,
  with a short half-life) carries the baseline: that is the cold start.
* **Robustness**: the baseline learns from the count *clipped* to a few
  standard deviations above (and below) the expectation, so a surge does not
  teach it that surges are normal; after ``adapt_after_minutes`` of
  uninterrupted anomaly the clip is lifted and the baseline accepts the new
  level (a lasting step change is the new normal, not a permanent alert).
* **Score**: the surprise ``-log10 P(X >= observed)`` under a negative
  binomial with the baseline as mean and a learnt dispersion, on the bucket
  alone and on the sums of the last 2 and 4 buckets (slow burns), with a
  multiple-testing charge of ``log10(scales)``; and, where the bucket has
  enough mentions, the surprise of its negative *share* under a
  beta-binomial around the learnt share. The score is the largest of these:
  comparable across brands and volumes.
* **Verdict**: anomalous when the score reaches ``threshold`` and the bucket
  is materially above normal (``min_ratio``, ``min_excess``,
  ``min_observed``); critical when the score reaches ``critical_score`` and
  the ratio ``critical_ratio``. While the baseline is young (less than
  ``young_minutes`` of history) the verdict says so and a larger ratio is
  asked for (``young_min_ratio``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

from streamproc.model import Severity, Verdict, VerdictKind, WindowStats
from streamproc.stats import binom_surprise, ewma_rate, nb_surprise

STATE_VERSION = 1
"""Schema version of `DetectorState` (the ``v`` field of its dict)."""

DAY_MS = 86_400_000
WEEK_DAYS = 7
_RECENT = 8
"""Buckets of recent counts kept for growth and multi-bucket scores."""
_SCALES = (1, 2, 4)
_CALIB_BINS = 100
"""Bucket spans of the volume surprise (one bucket, then sums of 2 and 4)."""


def _check_positive(obj: object, *names: str) -> None:
    for name in names:
        if not getattr(obj, name) > 0:
            msg = f"{name} must be positive, got {getattr(obj, name)!r}"
            raise ValueError(msg)


def _check_at_least(obj: object, low: float, *names: str) -> None:
    for name in names:
        if not getattr(obj, name) >= low:
            msg = f"{name} must be at least {low:g}, got {getattr(obj, name)!r}"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class DetectorParams:
    """How eagerly the detector calls a bucket anomalous; defaults = "balanced".

    Durations are in minutes so one preset fits any bucket width.
    """

    bucket_ms: int = 900_000
    """Bucket width, ms; sets the number of slots of the daily profile."""
    threshold: float = 5.0
    """Surprise (``-log10 p``) at which a bucket is anomalous."""
    critical_score: float = 12.0
    """Surprise at which an anomalous bucket is critical (with `critical_ratio`)."""
    critical_ratio: float = 4.0
    """Observed / expected at which an anomalous bucket is critical."""
    min_ratio: float = 1.5
    """An anomalous bucket has at least this many times the expected count."""
    young_min_ratio: float = 2.5
    """The same while the baseline is young (cold start)."""
    min_excess: float = 3.0
    """An anomalous bucket has at least this many mentions above expected."""
    min_observed: float = 5.0
    """An anomalous bucket has at least this many negative mentions."""
    level_halflife_minutes: float = 120.0
    """Half-life of the de-seasonalised level."""
    young_level_halflife_minutes: float = 45.0
    """The same while the baseline is young: with no daily profile yet, the
    level alone has to follow the daily ramps."""
    season_rate: float = 0.3
    """Weight of a new day in each slot's daily factor (EWMA per visit)."""
    season_smoothing: float = 0.5
    """Weight of each neighbouring slot when a slot's factor is read."""
    season_prior: float = 3.0
    """Pseudo-mentions that shrink a seasonal factor towards 1 (small counts)."""
    weekly_rate: float = 0.2
    """Weight of a new week in each weekday factor (EWMA per visit)."""
    dispersion_prior: float = 0.05
    """Negative-binomial dispersion before any is learnt (var = m + d m^2)."""
    min_dispersion: float = 0.005
    """Floor of the learnt dispersion (counts are never cleaner than Poisson+)."""
    dispersion_halflife_minutes: float = 1440.0
    """Half-life of the dispersion estimate."""
    dispersion_prior_minutes: float = 360.0
    """Weight of `dispersion_prior` in the estimate, as history."""
    dispersion_min_expected: float = 1.0
    """Buckets expecting fewer mentions teach the dispersion nothing (too noisy)."""
    clip_sigma: float = 3.0
    """The baseline learns from counts clipped to expected +- this many SDs."""
    learn_full_score: float = 2.0
    """A rise up to this surprise is learnt in full; above it, less and less,
    and nothing from `threshold` on."""
    learn_full_ratio: float = 1.5
    """A rise up to this ratio to expected is learnt in full, whatever its surprise."""
    learn_zero_ratio: float = 2.5
    """From this ratio on, only the surprise decides how much of a rise is learnt."""
    adapt_after_minutes: float = 360.0
    """After this long anomalous without a break, the baseline accepts the level."""
    warmup_minutes: float = 45.0
    """History before any verdict but "warming_up"."""
    young_minutes: float = 1440.0
    """History under which the baseline is flagged young."""
    share_min_total: int = 20
    """A bucket needs this many mentions for its negative share to be judged."""
    share_overdispersion: float = 0.01
    """Beta-binomial intra-class correlation of the negative share."""
    share_min_ratio: float = 1.5
    """A share-driven anomaly has at least this many times the expected share."""
    share_halflife_minutes: float = 1440.0
    """Half-life of the expected negative share."""
    growth_buckets: int = 4
    """Growth compares the bucket with the mean of this many before it."""
    calibration_per_day: float = 2.0
    """Calibration: the brand's own surprise exceeded this often a day is
    ordinary; scores are lowered by how far that level sits above the
    model's nominal one (0 turns calibration off)."""
    calibration_halflife_minutes: float = 40_320.0
    """Half-life of the calibration histogram (default four weeks)."""
    calibration_prior_minutes: float = 1_440.0
    """Weight of the nominal distribution in the calibration, as history."""
    calibration_once_per_run: bool = True
    """Count an anomalous run once in the calibration (a crisis is one event)."""

    def __post_init__(self) -> None:
        _check_positive(
            self,
            "bucket_ms",
            "threshold",
            "critical_score",
            "level_halflife_minutes",
            "dispersion_prior",
            "min_dispersion",
            "dispersion_halflife_minutes",
            "clip_sigma",
            "share_halflife_minutes",
            "growth_buckets",
        )
        _check_at_least(self, 0.0, "min_excess", "min_observed", "warmup_minutes")
        _check_at_least(self, 0.0, "young_minutes", "adapt_after_minutes")
        _check_at_least(self, 0.0, "season_smoothing", "season_prior", "share_min_total")
        _check_at_least(self, 1.0, "min_ratio", "young_min_ratio", "critical_ratio")
        _check_at_least(self, 1.0, "share_min_ratio")
        for name in ("season_rate", "weekly_rate"):
            if not 0.0 < getattr(self, name) <= 1.0:
                msg = f"{name} must be in (0, 1], got {getattr(self, name)!r}"
                raise ValueError(msg)
        if not 0.0 <= self.share_overdispersion < 1.0:
            msg = f"share_overdispersion must be in [0, 1), got {self.share_overdispersion}"
            raise ValueError(msg)

    @property
    def bucket_minutes(self) -> float:
        """Bucket width in minutes."""
        return self.bucket_ms / 60_000

    def buckets(self, minutes: float) -> float:
        """A duration in minutes as a number of buckets (fractional)."""
        return minutes / self.bucket_minutes

    @property
    def slots_per_day(self) -> int:
        """Slots of the daily profile (one per bucket of the day, at least 1)."""
        return max(1, DAY_MS // self.bucket_ms)


@dataclass(frozen=True, slots=True, kw_only=True)
class DetectorState:
    """What the detector remembers of one brand; JSON-safe, versioned by `v`."""

    v: int = STATE_VERSION
    buckets_seen: int = 0
    """Buckets learnt from so far."""
    last_start_ms: int = -1
    """Start of the last bucket learnt (-1: none)."""
    level: float = 0.0
    """De-seasonalised level, negative mentions per bucket."""
    day_num: tuple[float, ...] = ()
    """Per slot of the day: EWMA of the (clipped) count."""
    day_den: tuple[float, ...] = ()
    """Per slot of the day: EWMA of what level x weekly predicted (0 = unseen)."""
    week_num: tuple[float, ...] = (0.0,) * WEEK_DAYS
    """Per day of week (0 = Thursday, as epoch day 0): EWMA of the count."""
    week_den: tuple[float, ...] = (0.0,) * WEEK_DAYS
    """Per day of week: EWMA of what level x daily predicted (0 = unseen)."""
    week_seen: tuple[int, ...] = (0,) * WEEK_DAYS
    """Buckets learnt per day of week."""
    dispersion: float = 0.05
    """Learnt negative-binomial dispersion."""
    share_neg: float = 0.0
    """EWMA of negative mentions (numerator of the expected share)."""
    share_all: float = 0.0
    """EWMA of all mentions (denominator of the expected share)."""
    recent_obs: tuple[float, ...] = ()
    """The last few observed counts, oldest first."""
    recent_exp: tuple[float, ...] = ()
    """The expected counts of the same buckets."""
    anomalous_run: int = 0
    """Consecutive anomalous buckets up to the last one."""
    calib: tuple[float, ...] = ()
    """Decayed histogram of past raw surprises (bins of width 1 from 0)."""
    calib_mass: float = 0.0
    """Total weight of `calib`."""


def _nominal_histogram(mass: float) -> tuple[float, ...]:
    """A calibrated score's histogram: P(S >= s) = 10**-s, of total `mass`."""
    bins = [mass * (10.0**-b - 10.0 ** -(b + 1)) for b in range(_CALIB_BINS)]
    bins[-1] += mass * 10.0**-_CALIB_BINS
    return tuple(bins)


def initial_state(params: DetectorParams) -> DetectorState:
    """A brand with no history yet."""
    zeros = (0.0,) * params.slots_per_day
    prior = params.buckets(params.calibration_prior_minutes)
    return DetectorState(
        day_num=zeros,
        day_den=zeros,
        dispersion=params.dispersion_prior,
        calib=_nominal_histogram(prior),
        calib_mass=prior,
    )


def _calibration_shift(state: DetectorState, params: DetectorParams) -> float:
    """How far the brand's ordinary surprise sits above the model's nominal one.

    The level exceeded ``calibration_per_day`` times a day is read off the
    histogram of past raw surprises (log-linear between bins) and compared
    with ``-log10`` of that rate per bucket, which is where a perfectly
    calibrated model would put it. Heavy-tailed brands, whose counts burst
    every day, get their scores lowered by the difference; brands the model
    fits get (almost) nothing.
    """
    if params.calibration_per_day <= 0.0 or state.calib_mass <= 0.0:
        return 0.0
    p = min(params.calibration_per_day / params.slots_per_day, 0.5)
    target = p * state.calib_mass
    tail = 0.0
    for b in range(len(state.calib) - 1, -1, -1):
        above = tail
        tail += state.calib[b]
        if tail >= target:
            # Bin b holds the level: interpolate log-linearly within it.
            lo, hi = math.log10(max(tail, 1e-300)), math.log10(max(above, 1e-300))
            t = math.log10(target)
            frac = (lo - t) / (lo - hi) if lo > hi else 0.0
            level = b + min(max(frac, 0.0), 1.0)
            return max(0.0, level + math.log10(p))
    return 0.0


def _slot(start_ms: int, params: DetectorParams) -> int:
    return (start_ms // params.bucket_ms) % params.slots_per_day


def _weekday(start_ms: int) -> int:
    return (start_ms // DAY_MS) % WEEK_DAYS


def _daily_factor(state: DetectorState, slot: int, params: DetectorParams) -> float:
    """The slot's factor, smoothed over its neighbours and shrunk towards 1.

    The shrinkage (``season_prior`` pseudo-mentions) keeps a slot seen once
    with 0 mentions from predicting 0 forever; the division by the whole
    profile's ratio keeps the factors averaging 1 (the level carries the size).
    """
    n = len(state.day_den)
    if state.day_den[slot] <= 0.0:
        return 1.0
    num = den = 0.0
    for k in (-1, 0, 1):
        j = (slot + k) % n
        wk = 1.0 if k == 0 else params.season_smoothing
        num += wk * state.day_num[j]
        den += wk * state.day_den[j]
    c = params.season_prior
    local = (num + c) / (den + c)
    whole = (sum(state.day_num) + c) / (sum(state.day_den) + c)
    return local / whole


def _weekly_factor(state: DetectorState, day: int, params: DetectorParams) -> float:
    if state.week_den[day] <= 0.0:
        return 1.0
    c = params.season_prior
    local = (state.week_num[day] + c) / (state.week_den[day] + c)
    known = [i for i in range(WEEK_DAYS) if state.week_den[i] > 0.0]
    whole = (sum(state.week_num[i] for i in known) + c) / (
        sum(state.week_den[i] for i in known) + c
    )
    return local / whole


def _volume_score(
    observed: float, expected: float, state: DetectorState, dispersion: float
) -> float:
    """Largest multi-scale surprise, charged for the number of scales tried."""
    best = nb_surprise(observed, expected, dispersion)
    obs = (*state.recent_obs, observed)
    exp = (*state.recent_exp, expected)
    charge = math.log10(len(_SCALES))
    for span in _SCALES[1:]:
        if len(obs) < span:
            break
        o = sum(obs[-span:])
        e = sum(exp[-span:])
        # The sum of `span` NB counts with one dispersion has dispersion / span.
        best = max(best, nb_surprise(o, e, dispersion / span) - charge)
    return max(best, 0.0)


def _growth(observed: float, state: DetectorState, params: DetectorParams) -> float:
    prev = state.recent_obs[-params.growth_buckets :]
    if not prev:
        return 0.0
    base = max(sum(prev) / len(prev), 1.0)
    return observed / base - 1.0


def step(
    state: DetectorState, window: WindowStats, params: DetectorParams
) -> tuple[DetectorState, Verdict]:
    """Judge one closed bucket of one brand and learn from it.

    Buckets must come in order; a bucket at or before the last one learnt
    (a re-delivery) is judged against the current state but not learnt from.

    >>> p = DetectorParams()
    >>> s = initial_state(p)
    >>> for i in range(96):
    ...     w = WindowStats(brand="b", start_ms=i * p.bucket_ms,
    ...                     end_ms=(i + 1) * p.bucket_ms, total=40, negative=10)
    ...     s, v = step(s, w, p)
    >>> v.kind, round(v.expected)
    ('normal', 10)
    >>> w = WindowStats(brand="b", start_ms=96 * p.bucket_ms,
    ...                 end_ms=97 * p.bucket_ms, total=120, negative=90)
    >>> step(s, w, p)[1].kind
    'anomalous'
    """
    if len(state.day_den) != params.slots_per_day:
        # Bucket width changed: the daily profile no longer lines up; relearn it.
        zeros = (0.0,) * params.slots_per_day
        state = replace(state, day_num=zeros, day_den=zeros)
    observed = float(window.negative)
    share = window.share
    expected_share = state.share_neg / state.share_all if state.share_all > 0 else 0.0
    history_minutes = state.buckets_seen * params.bucket_minutes
    young = history_minutes < params.young_minutes
    growth = _growth(observed, state, params)

    if state.buckets_seen == 0:
        verdict = Verdict(
            window=window,
            kind="warming_up",
            observed=observed,
            expected=0.0,
            score=0.0,
            growth=0.0,
            share=share,
            expected_share=0.0,
            baseline_buckets=0,
            young_baseline=True,
        )
        return _learn_first(state, window, params), verdict

    d_factor = _daily_factor(state, _slot(window.start_ms, params), params)
    w_factor = _weekly_factor(state, _weekday(window.start_ms), params)
    expected = max(state.level * d_factor * w_factor, 0.0)
    dispersion = state.dispersion
    raw_volume = _volume_score(observed, max(expected, 0.5), state, dispersion)
    raw_share = 0.0
    if window.total >= params.share_min_total and expected_share > 0.0:
        raw_share = binom_surprise(
            observed, float(window.total), expected_share, params.share_overdispersion
        )
    raw_score = max(raw_volume, raw_share)
    shift = _calibration_shift(state, params)
    volume_score = max(raw_volume - shift, 0.0)
    share_score = max(raw_share - shift, 0.0)
    score = max(volume_score, share_score)
    ratio = observed / max(expected, 1.0)
    volume_hit = (
        volume_score >= params.threshold
        and observed - expected >= params.min_excess
        and ratio >= (params.young_min_ratio if young else params.min_ratio)
    )
    share_hit = (
        share_score >= params.threshold
        and share >= params.share_min_ratio * expected_share
        and observed - window.total * expected_share >= params.min_excess
    )

    kind: VerdictKind
    severity: Severity | None = None
    if history_minutes < params.warmup_minutes:
        kind = "warming_up"
    elif (volume_hit or share_hit) and observed >= params.min_observed:
        kind = "anomalous"
        critical = score >= params.critical_score and (
            ratio >= params.critical_ratio or share >= params.critical_ratio * expected_share
        )
        severity = Severity.CRITICAL if critical else Severity.WARNING
    else:
        kind = "normal"

    verdict = Verdict(
        window=window,
        kind=kind,
        observed=observed,
        expected=expected,
        score=score,
        growth=growth,
        share=share,
        expected_share=expected_share,
        severity=severity,
        baseline_buckets=state.buckets_seen,
        young_baseline=young,
    )
    if window.start_ms <= state.last_start_ms:
        return state, verdict
    factors = (d_factor, w_factor)
    surprise = nb_surprise(observed, max(expected, 0.5), dispersion)
    learnt = _learn(state, window, expected, factors, kind, surprise, params)
    return _calibrate(learnt, raw_score, params), verdict


def _calibrate(state: DetectorState, raw_score: float, params: DetectorParams) -> DetectorState:
    """Add a bucket's raw surprise to the decayed calibration histogram.

    Only the first bucket of an anomalous run is counted: a twelve-bucket
    crisis is one event, so it does not teach the brand that crises are
    ordinary.
    """
    if params.calibration_per_day <= 0.0:
        return state
    if state.buckets_seen * params.bucket_minutes <= params.young_minutes:
        # A young baseline's misfit says nothing of the brand's own tails.
        return state
    if params.calibration_once_per_run and state.anomalous_run > 1:
        return state
    keep = 1.0 - ewma_rate(params.buckets(params.calibration_halflife_minutes))
    bins = [x * keep for x in state.calib]
    if len(bins) != _CALIB_BINS:
        return state
    bins[min(int(raw_score), _CALIB_BINS - 1)] += 1.0
    return replace(state, calib=tuple(bins), calib_mass=state.calib_mass * keep + 1.0)


def _learn_first(
    state: DetectorState, window: WindowStats, params: DetectorParams
) -> DetectorState:
    observed = float(window.negative)
    return replace(
        state,
        buckets_seen=1,
        last_start_ms=window.start_ms,
        level=observed,
        share_neg=float(window.negative),
        share_all=float(window.total),
        recent_obs=(observed,),
        recent_exp=(observed,),
        anomalous_run=0,
    )


def _learn(
    state: DetectorState,
    window: WindowStats,
    expected: float,
    factors: tuple[float, float],
    kind: VerdictKind,
    surprise: float,
    params: DetectorParams,
) -> DetectorState:
    observed = float(window.negative)
    d_factor, w_factor = factors
    run = state.anomalous_run + 1 if kind == "anomalous" else 0
    sd = math.sqrt(max(expected, 0.5) + state.dispersion * expected * expected)
    adapt = run * params.bucket_minutes > params.adapt_after_minutes
    if adapt:
        learnt = observed
    elif kind == "anomalous":
        # A surge teaches the baseline nothing (until `adapt_after_minutes`).
        learnt = expected
    else:
        low = expected - params.clip_sigma * sd
        learnt = min(max(observed, low), expected + params.clip_sigma * sd)
        if learnt > expected:
            # The more surprising a rise, the less of it is learnt: the
            # first, sub-threshold buckets of a surge must not lift the
            # baseline that the next buckets are judged against.
            # A rise that is small in ratio (a daily ramp the level has not
            # caught up with yet) is learnt whatever its surprise.
            span = max(params.threshold - params.learn_full_score, 1e-6)
            by_score = (params.threshold - surprise) / span
            ratio = observed / max(expected, 1.0)
            span_r = max(params.learn_zero_ratio - params.learn_full_ratio, 1e-6)
            by_ratio = (params.learn_zero_ratio - ratio) / span_r
            weight = min(max(by_score, by_ratio, 0.0), 1.0)
            learnt = expected + weight * (learnt - expected)
    learnt = max(learnt, 0.0)
    n = state.buckets_seen

    # Level: EWMA of the de-seasonalised count (a running mean at first).
    young = n * params.bucket_minutes < params.young_minutes
    halflife = params.young_level_halflife_minutes if young else params.level_halflife_minutes
    a_level = max(ewma_rate(params.buckets(halflife)), 1 / (n + 1))
    seasonal = max(d_factor * w_factor, 1e-3)
    level = max(state.level + a_level * (learnt / seasonal - state.level), 0.0)

    # Daily profile: per slot, EWMA (once a day) of the count and of what
    # level x weekly predicted for it; their ratio is the slot's factor.
    slot = _slot(window.start_ms, params)
    day_num = list(state.day_num)
    day_den = list(state.day_den)
    predicted_d = state.level * w_factor
    if day_den[slot] <= 0.0:
        day_num[slot], day_den[slot] = learnt, max(predicted_d, 1e-6)
    else:
        day_num[slot] += params.season_rate * (learnt - day_num[slot])
        day_den[slot] += params.season_rate * (predicted_d - day_den[slot])

    # Weekly profile: per weekday, EWMA over its buckets (a running mean on
    # the first visit, then `weekly_rate` per day's worth of buckets).
    day = _weekday(window.start_ms)
    week_num = list(state.week_num)
    week_den = list(state.week_den)
    week_seen = list(state.week_seen)
    per_bucket = ewma_rate(params.slots_per_day / math.log2(1 / (1 - params.weekly_rate)))
    a_week = max(per_bucket, 1 / (week_seen[day] + 1))
    predicted_w = state.level * d_factor
    week_num[day] += a_week * (learnt - week_num[day])
    week_den[day] += a_week * (max(predicted_w, 1e-6) - week_den[day])
    week_seen[day] += 1

    # Dispersion: EWMA of the NB moment estimate (var - mean) / mean^2.
    disp = state.dispersion
    if expected >= params.dispersion_min_expected and (kind != "anomalous" or adapt):
        moment = ((learnt - expected) ** 2 - expected) / (expected * expected)
        a_disp = ewma_rate(params.buckets(params.dispersion_halflife_minutes))
        # The prior counts as `dispersion_prior_minutes` of history, so the
        # first few (noisy) buckets cannot collapse it.
        a_disp = max(a_disp, 1 / (n + 1 + params.buckets(params.dispersion_prior_minutes)))
        disp = disp + a_disp * (moment - disp)
        disp = min(max(disp, params.min_dispersion), 4.0)

    # Expected share: EWMA of numerator and denominator (volume-weighted).
    share_neg, share_all = state.share_neg, state.share_all
    if kind != "anomalous" or adapt:
        # A surge's share is not learnt (it would hide the next bucket).
        a_share = ewma_rate(params.buckets(params.share_halflife_minutes))
        a_share = max(a_share, 1 / (n + 1))
        share_neg += a_share * (observed - share_neg)
        share_all += a_share * (window.total - share_all)

    return replace(
        state,
        buckets_seen=n + 1,
        last_start_ms=window.start_ms,
        level=level,
        day_num=tuple(day_num),
        day_den=tuple(day_den),
        week_num=tuple(week_num),
        week_den=tuple(week_den),
        week_seen=tuple(week_seen),
        dispersion=disp,
        share_neg=max(share_neg, 0.0),
        share_all=max(share_all, 0.0),
        recent_obs=(*state.recent_obs, observed)[-_RECENT:],
        recent_exp=(*state.recent_exp, expected)[-_RECENT:],
        anomalous_run=run,
    )


def _ints(d: Mapping[str, object], key: str) -> tuple[int, ...]:
    return tuple(int(x) for x in _floats(d, key))


def state_to_dict(state: DetectorState) -> dict[str, object]:
    """The state as a JSON-safe dict (lists for tuples), with its ``v``."""
    return {
        "v": state.v,
        "buckets_seen": state.buckets_seen,
        "last_start_ms": state.last_start_ms,
        "level": state.level,
        "day_num": list(state.day_num),
        "day_den": list(state.day_den),
        "week_num": list(state.week_num),
        "week_den": list(state.week_den),
        "week_seen": list(state.week_seen),
        "dispersion": state.dispersion,
        "share_neg": state.share_neg,
        "share_all": state.share_all,
        "recent_obs": list(state.recent_obs),
        "recent_exp": list(state.recent_exp),
        "anomalous_run": state.anomalous_run,
        "calib": list(state.calib),
        "calib_mass": state.calib_mass,
    }


def _floats(d: Mapping[str, object], key: str) -> tuple[float, ...]:
    raw = d.get(key, ())
    if not isinstance(raw, list | tuple):
        msg = f"detector state: {key} must be a list"
        raise ValueError(msg)
    return tuple(float(x) for x in raw)


def _num(d: Mapping[str, object], key: str, default: float) -> float:
    raw = d.get(key, default)
    if not isinstance(raw, int | float) or isinstance(raw, bool):
        msg = f"detector state: {key} must be a number"
        raise ValueError(msg)
    return float(raw)


def state_from_dict(d: Mapping[str, object]) -> DetectorState:
    """Read back `state_to_dict`'s output; raises ValueError on another schema."""
    if d.get("v") != STATE_VERSION:
        msg = f"detector state: unsupported version {d.get('v')!r}"
        raise ValueError(msg)
    return DetectorState(
        v=STATE_VERSION,
        buckets_seen=int(_num(d, "buckets_seen", 0)),
        last_start_ms=int(_num(d, "last_start_ms", -1)),
        level=_num(d, "level", 0.0),
        day_num=_floats(d, "day_num"),
        day_den=_floats(d, "day_den"),
        week_num=_floats(d, "week_num") or (0.0,) * WEEK_DAYS,
        week_den=_floats(d, "week_den") or (0.0,) * WEEK_DAYS,
        week_seen=_ints(d, "week_seen") or (0,) * WEEK_DAYS,
        dispersion=_num(d, "dispersion", 0.05),
        share_neg=_num(d, "share_neg", 0.0),
        share_all=_num(d, "share_all", 0.0),
        recent_obs=_floats(d, "recent_obs"),
        recent_exp=_floats(d, "recent_exp"),
        anomalous_run=int(_num(d, "anomalous_run", 0)),
        calib=_floats(d, "calib"),
        calib_mass=_num(d, "calib_mass", 0.0),
    )
