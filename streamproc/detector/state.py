"""What the detector remembers of one brand (`DetectorState`) and its JSON-safe form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from streamproc.detector.params import WEEK_DAYS
from streamproc.detector.spans import _RECENT_EXPECTED
from streamproc.stats import (
    SURPRISE_EDGES,
)

STATE_VERSION = 1
"""Schema version of `DetectorState` (the ``v`` field of its dict)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DetectorState:
    """What the detector remembers of one brand; JSON-safe, versioned by `v`."""

    v: int = STATE_VERSION
    buckets_seen: int = 0
    """Buckets learnt from so far."""
    last_start_ms: int = -1
    """Start of the last bucket learnt (-1: none)."""
    fast: float = 0.0
    """EWMA of raw counts (the cold-start baseline)."""
    ratio: float = 1.0
    """EWMA of count / (profile x weekly): how today compares with the profile."""
    slow_ratio: float = 1.0
    """The same at `DetectorParams.slow_level_halflife_minutes` (12 hours)."""
    profile: tuple[float, ...] = ()
    """Per slot of the day: typical count (EWMA per visit, de-weeked)."""
    visits: tuple[int, ...] = ()
    """Per slot: days it has been learnt (0 = unknown)."""
    week_num: tuple[float, ...] = (0.0,) * WEEK_DAYS
    """Per day of week (0 = Thursday, as epoch day 0): EWMA of the count."""
    week_den: tuple[float, ...] = (0.0,) * WEEK_DAYS
    """Per day of week: EWMA of what the daily profile predicted."""
    week_seen: tuple[int, ...] = (0,) * WEEK_DAYS
    """Buckets learnt per day of week."""
    dispersion: float = 0.05
    """Learnt negative-binomial dispersion."""
    share_neg: float = 0.0
    """EWMA of negative mentions (numerator of the expected share)."""
    share_all: float = 0.0
    """EWMA of all mentions (denominator of the expected share)."""
    share_rho: float = 0.01
    """Learnt beta-binomial intra-class correlation of the negative share."""
    share_wander: float = 0.0
    """Learnt variance of the share's day-to-day drift (`_end_day`)."""
    wander_days: int = 0
    """Days that taught `share_wander`."""
    day_num: int = -1
    """Day (epoch day number) of the sums below."""
    day_neg: float = 0.0
    """That day's negative mentions in its ordinary buckets (-1: the day had an anomaly)."""
    day_exp: float = 0.0
    """What the expected share made of the same buckets' totals."""
    day_var: float = 0.0
    """The binomial variance (with the buckets' own spread) of `day_neg`."""
    day_tot: float = 0.0
    """The same buckets' mentions."""
    share_hour_neg: tuple[float, ...] = ()
    """Per hour of the day (`_share_bins`): negative mentions of ordinary buckets
    on the days before today, summed with a decay of `share_profile_rate` a day."""
    share_hour_exp: tuple[float, ...] = ()
    """Per hour: what the day's expected share made of the same buckets' mentions
    (with `share_hour_neg`, the hour's share factor: `_share_factors`)."""
    share_today_neg: tuple[float, ...] = ()
    """Per hour: today's part of `share_hour_neg`, added in when the day ends."""
    share_today_exp: tuple[float, ...] = ()
    """Per hour: today's part of `share_hour_exp`."""
    recent_obs: tuple[float, ...] = ()
    """The last few observed counts, oldest first."""
    recent_exp: tuple[float, ...] = ()
    """The expected counts of the newest of the same buckets (`_RECENT_EXPECTED`)."""
    recent_tot: tuple[float, ...] = ()
    """All mentions of the same buckets."""
    anomalous_run: int = 0
    """Consecutive anomalous buckets up to the last one."""
    elevated_run: int = 0
    """Consecutive buckets anomalous or at `learn_zero_ratio` times expected."""
    calib: tuple[float, ...] = ()
    """Decayed histogram of past raw surprises (bins of `stats.SURPRISE_EDGES`)."""
    calib_mass: float = 0.0
    """Total weight of `calib`."""
    peak_days: tuple[int, ...] = ()
    """Days (epoch day numbers) of `peak_values`, oldest first."""
    peak_values: tuple[float, ...] = ()
    """The highest count of each of those days (today's so far)."""
    peak_sums: tuple[float, ...] = ()
    """The highest `novelty_span`-bucket sum of each of those days."""
    rise_run: int = 0
    """Consecutive buckets up to the last one that were a material rise, surprising
    enough for a new peak (``rising`` in `step`), whether or not the novelty rule
    let them through."""
    rise_day: int = -1
    """Day (epoch day number) on which the current rise began."""
    rise_base_value: float = 0.0
    """That day's peak count before the rise began (0: none)."""
    rise_base_sum: float = 0.0
    """That day's peak `novelty_span`-bucket sum before the rise began."""


_CALIB_BINS = len(SURPRISE_EDGES)

_SHARE_PROFILE_FIELDS = ("share_hour_neg", "share_hour_exp", "share_today_neg", "share_today_exp")

_FLOAT_FIELDS = (
    "fast",
    "ratio",
    "slow_ratio",
    "dispersion",
    "share_neg",
    "share_all",
    "share_rho",
    "share_wander",
    "day_neg",
    "day_exp",
    "day_var",
    "day_tot",
    "calib_mass",
    "rise_base_value",
    "rise_base_sum",
)

_INT_FIELDS = (
    "buckets_seen",
    "wander_days",
    "day_num",
    "last_start_ms",
    "anomalous_run",
    "elevated_run",
    "rise_run",
    "rise_day",
)

_FLOAT_TUPLES = (
    "profile",
    "week_num",
    "week_den",
    "recent_obs",
    "recent_exp",
    "recent_tot",
    *_SHARE_PROFILE_FIELDS,
    "calib",
    "peak_values",
    "peak_sums",
)

_INT_TUPLES = ("visits", "week_seen", "peak_days")


def state_to_dict(state: DetectorState) -> dict[str, object]:
    """The state as a JSON-safe dict (lists for tuples), with its ``v``."""
    out: dict[str, object] = {"v": state.v}
    for name in (*_INT_FIELDS, *_FLOAT_FIELDS):
        out[name] = getattr(state, name)
    for name in (*_FLOAT_TUPLES, *_INT_TUPLES):
        out[name] = list(getattr(state, name))
    return out


def _number(d: Mapping[str, object], key: str) -> float:
    raw = d.get(key, getattr(DetectorState(), key))
    if not isinstance(raw, int | float) or isinstance(raw, bool):
        msg = f"detector state: {key} must be a number, got {raw!r}"
        raise ValueError(msg)
    return float(raw)


def _numbers(d: Mapping[str, object], key: str) -> tuple[float, ...]:
    raw = d.get(key, getattr(DetectorState(), key))
    if not isinstance(raw, list | tuple) or not all(
        isinstance(x, int | float) and not isinstance(x, bool) for x in raw
    ):
        msg = f"detector state: {key} must be a list of numbers"
        raise ValueError(msg)
    return tuple(float(x) for x in raw)


def state_from_dict(d: Mapping[str, object]) -> DetectorState:
    """Read back `state_to_dict`'s output; raises ValueError on another schema."""
    if d.get("v") != STATE_VERSION:
        msg = f"detector state: unsupported version {d.get('v')!r}"
        raise ValueError(msg)
    known = {"v", *_FLOAT_FIELDS, *_INT_FIELDS, *_FLOAT_TUPLES, *_INT_TUPLES}
    unknown = sorted(set(d) - known)
    if unknown:
        msg = f"detector state: unknown field {unknown[0]!r}"
        raise ValueError(msg)
    values: dict[str, object] = {}
    for name in _FLOAT_FIELDS:
        values[name] = _number(d, name)
    if "slow_ratio" not in d:
        # Saved before the slow level existed: start it at the current level,
        # not at the profile's, or a busy brand's next new peak would be
        # judged against a level it left long ago.
        values["slow_ratio"] = values["ratio"]
    for name in _INT_FIELDS:
        values[name] = int(_number(d, name))
    for name in _FLOAT_TUPLES:
        values[name] = _numbers(d, name)
    for name in _INT_TUPLES:
        values[name] = tuple(int(x) for x in _numbers(d, name))
    state = replace(DetectorState(), **values)  # type: ignore[arg-type]  # checked above
    # Saved when every recent expected count was kept: only the newest are read.
    state = replace(state, recent_exp=state.recent_exp[-_RECENT_EXPECTED:])
    if len(state.profile) != len(state.visits):
        msg = "detector state: profile and visits differ in length"
        raise ValueError(msg)
    if len({len(getattr(state, f)) for f in _SHARE_PROFILE_FIELDS}) > 1:
        msg = f"detector state: {', '.join(_SHARE_PROFILE_FIELDS)} differ in length"
        raise ValueError(msg)
    if len(state.recent_obs) != len(state.recent_tot) or len(state.recent_exp) != min(
        len(state.recent_obs), _RECENT_EXPECTED
    ):
        msg = "detector state: recent_obs, recent_exp and recent_tot differ in length"
        raise ValueError(msg)
    if not len(state.peak_days) == len(state.peak_values) == len(state.peak_sums):
        msg = "detector state: peak_days, peak_values and peak_sums differ in length"
        raise ValueError(msg)
    return state
