"""Intra-class correlations: what a share's spread, drift and hour noise add to a sum of buckets."""

from __future__ import annotations

from collections.abc import Sequence


def _rho_of(variance: float, n: float, p: float) -> float:
    """The intra-class correlation that adds ``variance`` to a sum of ``n``
    trials at ``p``: ``N p q (1 + (N - 1) rho)`` grows by ``N p q (N - 1) rho``."""
    pq = p * (1.0 - p)
    if variance <= 0.0 or pq <= 0.0 or n <= 1.0:
        return 0.0
    return variance / (n * pq * (n - 1.0))


def _wander_rho(total: float, share: float, wander: float) -> float:
    """What a drift of the share common to a span's buckets adds to its intra-class
    correlation: ``N^2 wander`` of variance."""
    return _rho_of(total * total * wander, total, share)


def _span_rho(totals: Sequence[float], rho: float) -> float:
    """The intra-class correlation of a sum of buckets whose shares vary apart.

    With each bucket's share drawn on its own, the sum of n_i trials has
    variance ``sum n_i p q (1 + (n_i - 1) rho)``; written as one bucket of
    N = sum n_i trials, that is ``N p q (1 + (N - 1) rho')`` with
    ``rho' = rho (sum n_i^2 / N - 1) / (N - 1)``.

    >>> round(_span_rho([9.0, 9.0, 9.0, 9.0], 0.02), 4)
    0.0046
    >>> _span_rho([20.0], 0.02)
    0.02
    """
    n = sum(totals)
    if n <= 1.0:
        return rho
    return rho * max(sum(t * t for t in totals) / n - 1.0, 0.0) / (n - 1.0)


def _profile_rho(
    expected: Sequence[float], hours: Sequence[int], noise: Sequence[float], n: float, p: float
) -> float:
    """What the noise of the hours' factors adds to a span's intra-class correlation.

    The buckets of one hour share its factor's error, so their expected
    negatives are off together: ``sum over hours (expected in it)^2 x noise``
    of variance (`_rho_of`).

    >>> round(_profile_rho([4.0, 4.0], [0, 0], [0.01], 40.0, 0.2), 4)
    0.0026
    """
    by_hour: dict[int, float] = {}
    for e, h in zip(expected, hours, strict=True):
        by_hour[h] = by_hour.get(h, 0.0) + e
    return _rho_of(sum(e * e * noise[h] for h, e in by_hour.items()), n, p)
