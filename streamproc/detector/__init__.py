"""The anomaly detector: one brand's closed buckets in, a `Verdict` per bucket out.

`step(state, window, params) -> (state, verdict)` is pure. The state is a
small JSON-safe value (floats, ints and tuples) that the windows agent keeps in
a Faust table and `backtest` keeps in a local variable, so both judge alike.

How a bucket is judged
----------------------
* **Baseline** (``expected``): ``ratio x profile[slot] x weekly[day]``. The
  daily profile holds the typical count of each bucket of the day (learnt
  once a day per slot, read smoothed over its neighbours and shrunk towards
  the day's mean when counts are small); the weekly factor scales it by day
  of week once a whole such day has been seen; the ratio (an EWMA with a
  half-life of hours) says how today compares with the profile. Until a slot
  has been seen (the first day: cold start), a fast EWMA of the raw counts
  stands in, and the verdict says the baseline is young.
* **Robustness**: the baseline learns from counts clipped to a few standard
  deviations; a rise is learnt less the more surprising it is (nothing from
  the threshold on) unless it is small in ratio (a daily ramp), so a surge
  does not teach the baseline that surges are normal; after
  ``adapt_after_minutes`` of uninterrupted anomaly the baseline accepts the
  new level (a lasting step is the new normal, not a permanent alert). The
  negative share learns an anomalous bucket a little (clipped, at the
  settled rate), so a share that stays high is learnt within days even when
  ordinary buckets keep interrupting its run of anomalies.
* **Score**: the surprise ``-log10 P(X >= observed)`` under a negative
  binomial with the baseline as mean and a learnt dispersion, on the bucket
  alone and on the sums of the last 2, 4 and 8 buckets (slow burns and
  lasting steps), charged ``log10(4)`` for trying four spans; and, where the
  bucket has enough mentions, the surprise of its negative *share* under a
  beta-binomial around the learnt share (over 8 and 32 buckets only once the
  baseline is no longer young; the volume's too, only once the slot has a
  profile; a span's share is also allowed the drift its buckets have in
  common, learnt from whole days, `_end_day`). The expected share of a
  bucket is the day's times its hour's factor (`_share_factors`), learnt
  from the days before today and shrunk towards 1 by how far the hours
  truly differ beyond their counting noise: a brand whose complaints come in
  office hours is not paged every morning, and one whose share holds all
  day keeps the day's. A span counts only while
  its rise is still going on (`_span_current`), so a surge that has ended
  leaves the score at once and the incident can resolve. The score is thus a tail probability on one
  scale for 2 and 2,000 mentions a bucket. Optional **calibration** (off in
  the shipped presets, where the novelty rule below does its job): a
  decayed histogram of the brand's own past surprises gives the level it
  exceeds ``calibration_per_day`` times a day; when that sits above the
  model's nominal level (heavy-tailed, bursty brands), scores are lowered by
  the difference.
* **Novelty**: bursty brands (most real ones) leave the seasonal model's
  tails often: a burst that is 20 times the hour's normal can be the
  brand's daily routine. Once a brand has ``novelty_return_days`` of history,
  a bucket is anomalous only if it is also new for the brand: its count, or
  the sum of its last ``novelty_span`` buckets, tops the k-th highest daily
  peak of the last ``novelty_days`` (k = days of history / return days, plus
  a counting-noise margin), i.e. the level the brand reaches less than about
  once in that many days. A rise is held to the days before it: while one
  lasts, today's peak is what the day had reached before it began, so a
  rise that starts under the brand's usual peaks (a step at night, a slow
  climb) is news once it tops them, instead of being compared with its own
  first hours for ever. A new peak is evidence of its own, so it needs
  only ``novelty_threshold`` of surprise, if it also tops the peaks of the
  last ``novelty_recent_days`` (a level reached yesterday is not news today:
  the k-th peak calls a lasting step's level new for days, and the next
  day's misfits paged it again) and the k-th peak by ``new_peak_margin``
  standard deviations of the brand's own spread (on a bursty brand a peak a
  little above the usual ones is noise), and it is also judged against a slower
  level (half-life 12 hours) when that is lower: the 2-hour level takes in
  a lasting rise that no single bucket shows (a doubling at night on a small
  brand) before it tops the brand's peaks. From ``novelty_young_days`` on,
  a young brand's bucket that tops every day so far gets that lower bar
  too; nothing is held back yet, except a bucket that each of its first
  ``novelty_young_hold`` days or more reached (a spike that recurs daily is
  no news even on day 4). The verdict says how many days it is
  the highest in (``record_days``), for the alert's explanation.
* **Verdict**: anomalous when the score reaches ``threshold`` and the bucket
  is materially above normal (``min_ratio``, ``min_excess``,
  ``min_observed``); critical when the score reaches ``critical_score`` and
  the ratio ``critical_ratio``. While the baseline is young (less than
  ``young_minutes`` of history, or a day of the week not yet seen in full,
  whose level the baseline can only guess) a larger ratio is asked for
  (``young_min_ratio``), and a larger share of negatives for a share-driven
  anomaly (``young_share_min_ratio``).

Where each part lives
---------------------
The names below in ``__all__`` are the detector's API; the modules share
their underscored helpers with one another and with the detector's tests.
Each imports only the ones above it in this list, so there are no cycles.

* `spans`: the bucket spans the scores sum over; how many recent buckets the
  state keeps.
* `params`: `DetectorParams` (every knob, with units), `DAY_MS`.
* `state`: `DetectorState` and its JSON-safe form (`state_to_dict`,
  `state_from_dict`).
* `baseline`: the expected count (daily profile, weekday factor, level).
* `correlation`: the intra-class correlations that widen a sum of buckets.
* `share`: the negative share's hours (`_share_factors`) and its day-to-day
  drift (`_end_day`).
* `scores`: the volume's and the share's surprise over spans.
* `novelty`: the daily peaks and the novelty rule.
* `learning`: what a judged bucket teaches the state.
* `judge`: `step` and `initial_state`, which tie the above together.
"""

from streamproc.detector.judge import initial_state, step
from streamproc.detector.params import DAY_MS, WEEK_DAYS, DetectorParams
from streamproc.detector.state import (
    STATE_VERSION,
    DetectorState,
    state_from_dict,
    state_to_dict,
)

__all__ = [
    "DAY_MS",
    "STATE_VERSION",
    "WEEK_DAYS",
    "DetectorParams",
    "DetectorState",
    "initial_state",
    "state_from_dict",
    "state_to_dict",
    "step",
]
