"""Surprise scores of a bucket's volume and negative share, over spans of buckets."""

from __future__ import annotations

import math
from collections.abc import Sequence

from streamproc.detector.correlation import _profile_rho, _span_rho, _wander_rho
from streamproc.detector.params import DetectorParams
from streamproc.detector.share import _ShareProfile
from streamproc.detector.spans import _LONG_SPANS, _SHORT_SPANS, _SPANS
from streamproc.detector.state import DetectorState
from streamproc.stats import (
    binom_surprise,
    nb_surprise,
    surprise_level,
)

_SPAN_NEWER_HALF = 0.25
"""The least part of a span's excess that its newer half must hold (`_span_current`)."""


def _volume_score(
    observed: float,
    expected: float,
    recent: Sequence[tuple[float, float]],
    dispersion: float,
    *,
    profiled: bool = True,
) -> float:
    """Largest surprise over the spans, charged for the number of spans tried.

    Without a profile only `_SHORT_SPANS` are tried, at the same charge: a
    lower one would make a young brand's 2- and 4-bucket sums more sensitive
    than a settled brand's.
    """
    best = nb_surprise(observed, expected, dispersion)
    obs = [o for o, _ in recent] + [observed]
    exp = [e for _, e in recent] + [expected]
    charge = math.log10(len(_SPANS))
    for span in (_SPANS if profiled else _SHORT_SPANS)[1:]:
        if len(obs) < span:
            break
        if not _span_current(obs[-span:], exp[-span:]):
            continue
        # The sum of `span` NB counts with one dispersion has dispersion / span.
        surprise = nb_surprise(sum(obs[-span:]), sum(exp[-span:]), dispersion / span)
        best = max(best, surprise - charge)
    return max(best, 0.0)


def _share_score(
    negs: Sequence[float],
    tots: Sequence[float],
    shares: Sequence[float],
    rho: float,
    params: DetectorParams,
    *,
    young: bool,
    wander: float = 0.0,
    profile: _ShareProfile | None = None,
) -> float:
    """Largest surprise of the negative share over the spans (as the volume's).

    ``negs``, ``tots`` and ``shares`` are the recent buckets' negatives, all
    mentions and expected shares, the bucket judged last. A span is judged
    against what the buckets' own expected shares make of their mentions, so
    a span across the hours when the brand's share is always high is not a
    rise (`_share_factors`); the noise of those hours' factors widens it
    (``profile``, `_profile_rho`).

    The learnt spread ``rho`` is a bucket's: each bucket's share wobbles on
    its own. Over a span the buckets' wobbles partly cancel, so the sum is
    judged with the spread that the buckets' sizes imply (`_span_rho`), not
    with ``rho`` as if the whole span were one bucket of its total size,
    which would inflate the variance of 4 buckets of 9 mentions by 1.42
    instead of 1.10 and hide a sustained rise of the share on a small brand.
    While young it tries `_SHORT_SPANS` at the charge of all `_LONG_SPANS`, as the
    volume does without a profile.
    """
    best = 0.0
    spans = _SHORT_SPANS if young else _LONG_SPANS
    charge = math.log10(len(_LONG_SPANS))
    for span in spans:
        if len(negs) < span:
            break
        ns, ts, ps = negs[-span:], tots[-span:], shares[-span:]
        t = sum(ts)
        if t < params.share_min_total:
            continue
        expected = [x * q for x, q in zip(ts, ps, strict=True)]
        p = sum(expected) / t
        if span > 1 and not _span_current(ns, expected):
            continue
        span_rho = _span_rho(ts, rho) + (_wander_rho(t, p, wander) if span > 1 else 0.0)
        if profile is not None:
            span_rho += _profile_rho(expected, profile.hours[-span:], profile.noise, t, p)
        surprise = binom_surprise(sum(ns), t, p, span_rho)
        if span > 1:
            surprise -= charge
            if surprise <= best or not _span_supported(ns, ts, ps, rho, params):
                continue
        best = max(best, surprise)
    return best


def _span_current(observed: Sequence[float], expected: Sequence[float]) -> bool:
    """Whether a span's rise is still going on at its newest bucket.

    A sum over 8 buckets keeps a surge that ended an hour ago: a bucket back
    at normal, or hovering just above it, would still score high, and the
    incident would not resolve (nor its updates say the level has dropped)
    until the surge left the sum. So a span counts only while its newest
    bucket is above expectation and its newer half holds at least
    `_SPAN_NEWER_HALF` of the span's excess; a lasting step splits its
    excess about evenly and passes.

    >>> _span_current([30.0, 30.0, 12.0, 11.0], [10.0] * 4)  # a surge that ended
    False
    >>> _span_current([18.0, 22.0, 21.0, 19.0], [10.0] * 4)  # a lasting doubling
    True
    >>> _span_current([12.0, 9.0], [10.0, 10.0])  # now under expectation
    False
    """
    if observed[-1] <= expected[-1]:
        return False
    half = len(observed) // 2
    excess = sum(observed) - sum(expected)
    newer = sum(observed[-half:]) - sum(expected[-half:])
    return newer >= _SPAN_NEWER_HALF * excess


def _span_supported(
    negs: Sequence[float],
    totals: Sequence[float],
    shares: Sequence[float],
    rho: float,
    params: DetectorParams,
) -> bool:
    """Whether a span's rise is more than its single most excessive bucket.

    On a big brand with a low share, one burst of complaints and the ordinary
    bucket beside it make a span sum as surprising as a sustained rise, and so
    pass persistence as an "echo" of a single bucket. The span counts only if
    its other buckets still score `share_span_support` without that bucket.
    """
    if params.share_span_support <= 0.0:
        return True
    worst = max(range(len(negs)), key=lambda i: negs[i] - totals[i] * shares[i])
    rest = [i for i in range(len(negs)) if i != worst]
    rest_t = [totals[i] for i in rest]
    n = sum(rest_t)
    p = sum(totals[i] * shares[i] for i in rest) / n if n > 0 else 0.0
    support = binom_surprise(sum(negs[i] for i in rest), n, p, _span_rho(rest_t, rho))
    return support >= params.share_span_support


def _slow_level_score(
    observed: float,
    expected: float,
    recent: Sequence[tuple[float, float]],
    dispersion: float,
    state: DetectorState,
    params: DetectorParams,
) -> float:
    """The volume score against the slow level (`DetectorState.slow_ratio`), when it is lower.

    Only a bucket the novelty rule calls new is judged so (`step`). The
    2-hour level learns in full a rise that no single bucket shows as
    surprising, as a lasting doubling on a small brand is at night: by the
    time that rise tops the brand's daily peaks, it is judged against a
    level that already holds most of it. The slow level has learnt only part
    of it. The recent buckets' expectations are scaled by the same factor,
    the slow level's share of the current one.
    """
    if params.slow_level_halflife_minutes <= 0 or state.slow_ratio >= state.ratio:
        return 0.0
    f = state.slow_ratio / state.ratio
    slow_recent = [(o, e * f) for o, e in recent]
    return _volume_score(observed, max(expected * f, 0.5), slow_recent, dispersion)


def _calibration_shift(state: DetectorState, params: DetectorParams) -> float:
    """How far the brand's ordinary surprise sits above the model's nominal one.

    The level exceeded ``calibration_per_day`` times a day is read off the
    histogram of past raw surprises and compared with ``-log10`` of that
    rate per bucket, where a perfectly calibrated model would put it. Bursty,
    heavy-tailed brands get their scores lowered by the difference; brands
    the model fits get (almost) nothing.
    """
    if params.calibration_per_day <= 0.0 or state.calib_mass <= 0.0:
        return 0.0
    p = min(params.calibration_per_day / params.slots_per_day, 0.5)
    return max(0.0, surprise_level(state.calib, state.calib_mass, p) + math.log10(p))
