"""The bucket spans the scores sum over, and the recent buckets the state keeps for them."""

from __future__ import annotations

_SPANS = (1, 2, 4, 8)
"""Bucket spans of the surprise (one bucket, then sums of 2, 4 and 8)."""

_SHORT_SPANS = (1, 2, 4)
"""The spans where 8 buckets would add up a misjudged baseline into a false
page: the share's while the baseline is young (its learnt share is still
rough), and the volume's while the bucket's slot has no profile yet (the
first day, when the expectation is a lagging average and a morning ramp
runs ahead of it for hours)."""

_LONG_SPANS = (*_SPANS, 32)
"""The negative share's spans once the baseline is settled: up to 8 hours.

The volume's level takes a lasting rise in within hours, but the expected
share learns over a day, so the share over 8 hours still shows a doubling of
the negatives that no bucket and no 2-hour span shows (crisis bench, seeds
20240501 and 1-6: lasting doublings found within a day 85 -> 109 of 140,
triplings 129 -> 138). It needs the share's day-to-day drift allowed for
(`_end_day`): without it, brands whose share drifts got 15 -> 36 false
incidents in four weeks."""

_RECENT = max(_LONG_SPANS)
"""Buckets of recent counts kept for growth and multi-bucket scores."""

_RECENT_EXPECTED = max(_SPANS)
"""Buckets of recent expected counts kept: only the volume's spans read them,
and the share's 32-bucket span needs counts alone."""
