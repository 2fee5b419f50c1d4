"""Count statistics for the detector: tail probabilities of count models.

Scores are upper-tail probabilities expressed as ``-log10(p)`` ("surprise"),
so that 2 mentions a bucket and 2,000 a bucket are judged on one scale: a
score of 5 means "this many or more would happen once in 100,000 buckets if
the baseline were right". Everything works on plain floats (scalar maths with
`math`): the detector calls these once per bucket and numpy's per-call cost
would dominate. Tails are computed in log space so that extreme spikes give
finite, ordered scores instead of ``p == 0``.
"""

from __future__ import annotations

import bisect
import math

MAX_SURPRISE = 1000.0
"""Cap of every surprise score (``p`` below ``1e-1000`` is reported as 1000)."""

_LN10 = math.log(10.0)
_CF_MAX_ITER = 500
_CF_EPS = 1e-12
_TINY = 1e-300


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    qab = a + b
    qap = a + 1.0
    qam = a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    if abs(d) < _TINY:
        d = _TINY
    d = 1.0 / d
    h = d
    for m in range(1, _CF_MAX_ITER + 1):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        if abs(d) < _TINY:
            d = _TINY
        c = 1.0 + aa / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        if abs(d) < _TINY:
            d = _TINY
        c = 1.0 + aa / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _CF_EPS:
            break
    return h


def log_betainc(a: float, b: float, x: float) -> float:
    """Natural log of the regularised incomplete beta ``I_x(a, b)``.

    Accurate far into the lower tail (where ``I`` underflows a float), which
    is where the detector's p-values live.

    >>> round(math.exp(log_betainc(2.0, 3.0, 0.5)), 6)
    0.6875
    """
    if x <= 0.0:
        return -math.inf
    if x >= 1.0:
        return 0.0
    ln_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return ln_front + math.log(_betacf(a, b, x) / a)
    # Upper branch: I_x(a, b) = 1 - I_{1-x}(b, a), not a tail, linear space is fine.
    rest = math.exp(ln_front) * _betacf(b, a, 1.0 - x) / b
    return math.log(max(1.0 - rest, _TINY))


def nb_surprise(observed: float, mean: float, dispersion: float) -> float:
    """``-log10 P(X >= observed)`` for a negative binomial count.

    The negative binomial has the given `mean` and variance
    ``mean + dispersion * mean**2`` (``dispersion -> 0`` is Poisson). Counts at
    or below the mean score 0 (only surges matter); non-integer counts are
    handled by the continuous extension of the tail.

    >>> nb_surprise(2, 2.0, 0.01)
    0.0
    >>> round(nb_surprise(10, 2.0, 1e-6), 2)  # Poisson(2): P(X >= 10) ~ 4.6e-5
    4.33
    """
    if observed <= mean or observed <= 0.0:
        return 0.0
    mean = max(mean, 1e-3)
    r = 1.0 / max(dispersion, 1e-6)
    q = mean / (r + mean)
    ln_p = log_betainc(observed, r, q)
    return _surprise(ln_p)


def binom_surprise(successes: float, trials: float, p: float, overdispersion: float) -> float:
    """``-log10 P(X >= successes)`` for a binomial count with extra spread.

    The overdispersion ``rho`` (beta-binomial intra-class correlation) shrinks
    the effective number of trials to ``n / (1 + (n - 1) * rho)``, so a 30 %
    share over 1,000 mentions is not treated as a thousand independent coins.

    >>> binom_surprise(1, 10, 0.5, 0.0)
    0.0
    >>> round(binom_surprise(8, 10, 0.1, 0.0), 2)
    6.43
    """
    if trials <= 0.0 or successes <= p * trials:
        return 0.0
    p = min(max(p, 1e-4), 1.0 - 1e-4)
    n_eff = trials / (1.0 + max(trials - 1.0, 0.0) * max(overdispersion, 0.0))
    k_eff = successes * n_eff / trials
    if k_eff <= p * n_eff:
        return 0.0
    # P(X >= k) = I_p(k, n - k + 1), continuous in k and n.
    ln_p = log_betainc(k_eff, max(n_eff - k_eff + 1.0, 1e-6), p)
    return _surprise(ln_p)


def _surprise(ln_p: float) -> float:
    if ln_p >= 0.0:
        return 0.0
    return min(-ln_p / _LN10, MAX_SURPRISE)


def ewma_rate(halflife_buckets: float) -> float:
    """The per-bucket weight of an EWMA whose memory halves every `halflife_buckets`.

    >>> ewma_rate(1.0)
    0.5
    """
    if halflife_buckets <= 0.0:
        return 1.0
    return 1.0 - math.pow(0.5, 1.0 / halflife_buckets)


SURPRISE_EDGES: tuple[int, ...] = (*range(100), *range(100, 1001, 10))
"""Lower edges of the bins of a surprise histogram: width 1 up to 100, then 10."""


def surprise_bin(surprise: float) -> int:
    """The histogram bin of a surprise score.

    >>> surprise_bin(0.4), surprise_bin(99.9), surprise_bin(105.0), surprise_bin(5000.0)
    (0, 99, 100, 190)
    """
    return max(bisect.bisect_right(SURPRISE_EDGES, surprise) - 1, 0)


def nominal_histogram(mass: float) -> tuple[float, ...]:
    """The histogram of a perfectly calibrated surprise (P(S >= s) = 10**-s), of total `mass`."""
    tails = [10.0 ** -min(edge, 300) for edge in SURPRISE_EDGES]
    return tuple(mass * (a - b) for a, b in zip(tails, [*tails[1:], 0.0], strict=True))


def surprise_level(bins: tuple[float, ...], mass: float, p: float) -> float:
    """The surprise exceeded with probability `p` in a histogram (log-linear in a bin).

    >>> round(surprise_level(nominal_histogram(1000.0), 1000.0, 0.01), 3)
    2.0
    """
    target = p * mass
    tail = 0.0
    for b in range(len(bins) - 1, -1, -1):
        above = tail
        tail += bins[b]
        if tail >= target:
            lo, hi = math.log10(max(tail, 1e-300)), math.log10(max(above, 1e-300))
            frac = (lo - math.log10(target)) / (lo - hi) if lo > hi else 0.0
            low_edge = SURPRISE_EDGES[b]
            width = SURPRISE_EDGES[b + 1] - low_edge if b + 1 < len(SURPRISE_EDGES) else 10
            return low_edge + min(max(frac, 0.0), 1.0) * width
    return 0.0
