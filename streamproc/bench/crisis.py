"""`streamproc bench crisis`: synthetic brand streams with surges of several shapes.

A generator of our own (fixed seed) makes 20 brands with 2 to 50 negative
mentions per 15-minute bucket at their daily peak, a daily rhythm (quiet
nights, brand-specific peak hour), a weekly one (weekends lower or higher)
and overdispersed (negative-binomial) noise. Each brand starts from nothing
(cold start, as in the demo), and the shipped default preset judges it with
the very `detector.step` and `alerting.transition` the agents call.

* **Quiet**: 7 days per brand, no surge: every incident is a false one.
* **Surges**: per brand and shape, 1 to 3 days of history, then a surge:
  ``sudden`` (x5-10 at once), ``slow_burn`` (ramping to x6 over 2 hours),
  ``small_brand`` (the brand scaled down to about 2 negatives a bucket,
  then x5-8), ``weekend`` (x5 on a Saturday or Sunday), ``night`` (x6 at
  night, from the trough) and ``share_only`` (all mentions unchanged, the
  negative share x3). Detection delay is counted in buckets from the onset
  bucket (0 = the onset bucket itself opened the incident); a surge without
  an incident before it ends is missed.

These surges come on day 1 to 3 of a brand's history (the cold start the
targets are about). The report also gives the same shapes on day 8 to 20
(``established``: the novelty rule then holds back whatever the brand
reaches every few days), four quiet weeks per brand (``long_quiet``) and
``onboarding``: each brand at ten times its volume, with a weekend at 0.5,
0.7, 1.5 or 2 times its weekdays, onboarded on a day of the week drawn at
random and watched, quiet, for two weeks. Its first week is where a baseline
that has not seen every weekday yet can mistake the weekly rhythm for a surge.
``steps``: each brand's negatives doubled, tripled or quintupled for good from
a random hour of day 8 to 20: found within a day, the delay, and how many
incidents the step opened (one is right: the new level becomes the normal),
the brands it paged again (``paged_again``) and the steps first paged only
after a day (``found_after_a_day``, counted as missed).
``wandering``: four quiet weeks per brand whose days differ, in volume and
in negative share, as real brands' do; every incident is false.
``attention``: each brand's mentions, all of them, x3-10 at once (a brand in
the news: more of everything, the negative share unchanged), on day 1 to 3
and on day 8 to 20. The surges above raise the negatives alone, so only
this section shows what a rule that asks a young brand's volume rise to be
backed by its share would miss.
``first_day``: ``sudden``, ``slow_burn``, ``small_brand``, ``share_only`` and
``attention`` surges on the brand's very first day (08:00 to 22:00, so after
8 hours of history or more), before any hour of its day has a profile: the
day whose morning ramp a lagging average takes for a surge, so its false
incidents before an onset count as much as its misses.
``first_day_with_history``: the same surges on the first live day of brands
onboarded with two weeks of their history (a ``history`` counts file in the
brands file): the history is learnt from, as the pipeline learns it, and
never judged, so what the first day still misses is what history cannot give.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

import numpy as np

from streamproc import alerting, detector
from streamproc.alerting import AlertPolicy
from streamproc.bench import judging_pool, run_seeds
from streamproc.counts import learn_windows
from streamproc.detector import DetectorParams
from streamproc.model import AlertStatus, WindowStats

BUCKET_MS = 900_000
BUCKETS_PER_DAY = 96
BRANDS = 20
QUIET_DAYS = 7
LONG_QUIET_DAYS = 28
"""Quiet days per brand of the four-week false-incident run."""
ONBOARDING_DAYS = 14
"""Quiet days per brand of the onboarding run, from its first bucket."""
ONBOARDING_WEEKENDS = (0.5, 0.7, 1.5, 2.0)
"""Weekend traffic relative to weekdays, one drawn per onboarded brand."""
ONBOARDING_SCALE = 10.0
"""Volume of an onboarded brand relative to its usual model."""
WANDER_VOLUME_SD = 0.2
"""The ``wandering`` section's day-to-day spread of volume (log scale): a
typical day within about 20% of the brand's usual."""
WANDER_SHARE_SD = 0.2
"""Its day-to-day spread of the negative share's log-odds: a share of 20%
is 17% to 23% on a typical day."""
SHARE_RHYTHM = 0.5
"""The ``share_rhythm`` section's daily swing of the negative share's
log-odds either side of the brand's share: a share of 20% runs from 13% to
29% over the day."""
SHARE_RHYTHM_OFFSET_HOURS = 8.0
"""The share's peak hour lies within this many hours of the volume's."""
STEP_FACTORS = (2.0, 3.0, 5.0)
"""Lasting steps of the ``steps`` section: negatives times this from the onset on."""
STEP_WATCH_DAYS = 2
"""Days each lasting step is watched after its onset."""
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HISTORY_DAYS = 14
"""Days of history the ``first_day_with_history`` brands are given at onboarding."""
SURGE_BUCKETS = 8
"""How long a surge lasts (2 hours); later alerts count as missed."""
SEED = 20_240_501
CONFIG = Path(__file__).resolve().parents[2] / "config" / "detector.toml"
START_MS = 1_709_251_200_000
"""2024-03-01 00:00 UTC, a Friday: the streams start at midnight."""
TARGETS = {"median_delay_buckets": 2, "false_incidents_quiet": 0}
MATERIAL = 10.0
"""Negative mentions a bucket from which a missed surge is counted as material."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Brand:
    """A synthetic brand's traffic model."""

    name: str
    peak_negative: float
    """Negative mentions per bucket at the daily peak."""
    share: float
    """Ordinary negative share of all mentions."""
    peak_hour: float
    night_floor: float
    """Rhythm at the trough relative to the peak."""
    weekend: float
    """Weekend traffic relative to weekdays."""
    dispersion: float
    """Negative-binomial dispersion of the counts."""
    day_volume_sd: float = 0.0
    """Standard deviation of the log of a day's volume factor (0: every day alike)."""
    day_share_sd: float = 0.0
    """Standard deviation of a day's shift of the negative share's log-odds."""
    share_amplitude: float = 0.0
    """Daily swing of the negative share's log-odds (0: the same share all day)."""
    share_peak_hour: float = 0.0
    """Hour at which the negative share is highest (with `share_amplitude`)."""


def make_brands(rng: np.random.Generator) -> list[Brand]:
    """Twenty brands spread log-uniformly over 2 to 50 negatives a bucket."""
    return [
        Brand(
            name=f"brand-{i:02d}",
            peak_negative=float(math.exp(rng.uniform(math.log(2), math.log(50)))),
            share=float(rng.uniform(0.08, 0.3)),
            peak_hour=float(rng.uniform(11, 21)),
            night_floor=float(rng.uniform(0.15, 0.45)),
            weekend=float(rng.choice([0.6, 0.8, 1.2])),
            dispersion=float(rng.uniform(0.01, 0.08)),
        )
        for i in range(BRANDS)
    ]


def _weekday(day: int) -> int:
    """The weekday of a stream day, 0 = Monday: day 0 is a Friday (5, 6 = weekend)."""
    return (day + 4) % 7


def rhythm(brand: Brand, bucket: int) -> float:
    """Mean multiplier of a bucket: daily cosine bump and weekend factor."""
    hour = (bucket % BUCKETS_PER_DAY) / 4
    phase = math.cos((hour - brand.peak_hour) / 24 * 2 * math.pi)
    daily = brand.night_floor + (1 - brand.night_floor) * ((1 + phase) / 2) ** 2
    weekday = _weekday(bucket // BUCKETS_PER_DAY)
    return daily * (brand.weekend if weekday in (5, 6) else 1.0)


Surge = Callable[[int], tuple[float, float]]
"""Bucket offset from onset -> (negative multiplier, total-volume multiplier of others)."""


def _nb(rng: np.random.Generator, mean: float, dispersion: float) -> int:
    if mean <= 0:
        return 0
    r = 1 / dispersion
    return int(rng.negative_binomial(r, r / (r + mean)))


def stream(
    brand: Brand,
    buckets: int,
    rng: np.random.Generator,
    onset: int | None = None,
    surge: Surge | None = None,
    length: int = SURGE_BUCKETS,
) -> Iterator[WindowStats]:
    """The brand's closed buckets, with an optional surge of `length` buckets from `onset`.

    A brand that wanders (`Brand.day_volume_sd`, `Brand.day_share_sd`) draws
    its day's volume factor and share shift at each midnight, before the
    day's first bucket; one that does not draws nothing for them.
    """
    wanders = brand.day_volume_sd > 0 or brand.day_share_sd > 0
    day_volume, day_share = 1.0, brand.share
    base_log_odds = day_log_odds = math.log(brand.share / (1 - brand.share))
    for i in range(buckets):
        if wanders and i % BUCKETS_PER_DAY == 0:
            sd_v, sd_s = brand.day_volume_sd, brand.day_share_sd
            day_volume = math.exp(rng.normal(0.0, sd_v) - sd_v * sd_v / 2)
            day_log_odds = base_log_odds + rng.normal(0.0, sd_s)
            day_share = 1 / (1 + math.exp(-day_log_odds))
        mean_neg = brand.peak_negative * rhythm(brand, i) * day_volume
        mean_other = mean_neg * (1 - day_share) / day_share
        if brand.share_amplitude:
            # The day's share swings over the day; all mentions keep the volume's rhythm.
            hour = (i % BUCKETS_PER_DAY) / 4
            swing = math.cos((hour - brand.share_peak_hour) / 24 * 2 * math.pi)
            share = 1 / (1 + math.exp(-day_log_odds - brand.share_amplitude * swing))
            total = mean_neg / day_share
            mean_neg, mean_other = total * share, total * (1 - share)
        if onset is not None and surge is not None and onset <= i < onset + length:
            neg_x, other_x = surge(i - onset)
            mean_neg *= neg_x
            mean_other *= other_x
        negative = _nb(rng, mean_neg, brand.dispersion)
        other = _nb(rng, mean_other, brand.dispersion)
        start = START_MS + i * BUCKET_MS
        yield WindowStats(
            brand=brand.name,
            start_ms=start,
            end_ms=start + BUCKET_MS,
            total=negative + other,
            negative=negative,
        )


def incidents(
    windows: Iterable[WindowStats],
    params: DetectorParams,
    policy: AlertPolicy,
    history: int = 0,
) -> list[int]:
    """Bucket indexes where an incident fired.

    The first `history` buckets are the brand's history given at onboarding:
    learnt from (`counts.learn_windows`, as the live pipeline does), never judged.
    """
    ahead = iter(windows)
    det = learn_windows(itertools.islice(ahead, history), params)
    alert = alerting.initial_alert_state()
    fired = []
    for i, window in enumerate(ahead, start=history):
        det, verdict = detector.step(det, window, params)
        alert, events = alerting.transition(alert, verdict, policy)
        if any(e.status is AlertStatus.FIRING for e in events):
            fired.append(i)
    return fired


def incidents_each(
    streams: Sequence[Sequence[WindowStats]],
    params: DetectorParams,
    policy: AlertPolicy,
    pool: Executor | None = None,
    history: int = 0,
) -> list[list[int]]:
    """`incidents` of each stream, in order; in ``pool``'s processes when there is one.

    The sections draw all their streams first, in the order they always drew
    them, and judge them after: judging draws nothing from the generator, so
    a report is the same with a pool or without one.
    """
    if pool is None:
        return [incidents(windows, params, policy, history) for windows in streams]
    n = len(streams)
    return list(pool.map(incidents, streams, [params] * n, [policy] * n, [history] * n))


def _shapes(rng: np.random.Generator) -> dict[str, Surge]:
    """Surge shapes: the multipliers per bucket from the onset."""
    x = float(rng.uniform(5, 10))
    return {
        "sudden": lambda _k: (x, 1.0),
        "slow_burn": lambda k: (1 + 5 * min(k + 1, 8) / 8, 1.0),
        "small_brand": lambda _k: (6.5, 1.0),
        "weekend": lambda _k: (5.0, 1.0),
        "night": lambda _k: (6.0, 1.0),
        "share_only": lambda _k: (3.0, 1 - 2 * 0.2 / 0.8),
    }


def _onset(kind: str, rng: np.random.Generator) -> int:
    """An onset bucket after 1 to 3 days of history, at the requested time."""
    if kind == "weekend":
        day = int(rng.choice([1, 2]))  # Saturday or Sunday (day 0 is a Friday)
        hour = float(rng.uniform(10, 20))
    elif kind == "night":
        day = int(rng.integers(1, 4))
        hour = float(rng.uniform(1, 5))
    else:
        day = int(rng.integers(1, 4))
        hour = float(rng.uniform(8, 22))
    return day * BUCKETS_PER_DAY + round(hour * 4)


def _missed(kind: str, brand: Brand, onset: int, windows: list[WindowStats]) -> dict[str, object]:
    """What a missed surge looked like: its size against the brand's normal.

    Most misses are surges of a few mentions a bucket on tiny brands or at
    night, below what the preset pages for; the report keeps them apart from
    misses of material surges.
    """
    surge = windows[onset : onset + SURGE_BUCKETS]
    normal = [brand.peak_negative * rhythm(brand, onset + k) for k in range(SURGE_BUCKETS)]
    return {
        "shape": kind,
        "brand": brand.name,
        "day": onset // BUCKETS_PER_DAY,
        "normal_negative_per_bucket": round(statistics.fmean(normal), 2),
        "surge_negative_per_bucket": round(statistics.fmean(w.negative for w in surge), 2),
        "surge_negative": [w.negative for w in surge],
    }


def run(
    results_dir: Path, preset: str | None = None, seeds: Sequence[int] = (SEED,)
) -> dict[str, object]:
    """Run the bench; writes ``results_dir/NAME.json`` and returns its content.

    The shipped default preset on the committed seed is ``crisis.json``, the
    full report. Another preset on it is ``crisis-PRESET.json``; several
    seeds give ``crisis-PRESET-seeds.json``, each seed's `summary` and their
    totals, which is how the presets are compared (one seed's draw of 20
    brands is a small sample).
    """
    return run_seeds(
        results_dir,
        "crisis",
        preset=preset,
        seeds=seeds,
        committed_seed=SEED,
        evaluate=evaluate,
        summary=summary,
        config=CONFIG,
        bucket_ms=BUCKET_MS,
    )


_FALSE = (
    "quiet_false",
    "cold_false_before_onset",
    "established_false_before_onset",
    "long_quiet_false",
    "onboarding_false",
    "wandering_false",
    "share_rhythm_false",
    "steps_false_before_onset",
    "attention_false_before_onset",
    "first_day_false_before_onset",
    "first_day_with_history_false_before_onset",
)
"""A summary's false-incident figures: every section's incidents that had no surge."""


def summary(report: Mapping[str, object]) -> dict[str, float]:
    """One seed's headline figures, flat, from `evaluate`'s report.

    >>> s = summary(_example())
    >>> s["false_incidents"], s["cold_missed"], s["steps_x2_within_a_day"]
    (4, 11, 18)
    >>> s["attention_cold_missed"], s["attention_established_missed"]
    (3, 2)
    >>> s["false_incidents"], s["first_day_missed"]
    (4, 6)
    """
    r = cast("dict[str, Any]", report)
    steps = r["steps"]["by_factor"]
    out: dict[str, float] = {
        "median_delay_buckets": r["median_delay_buckets"],
        "quiet_false": r["false_incidents_quiet"],
        "cold_missed": r["missed_surges"],
        "cold_missed_of_10_or_more": r["missed_surges_of_10_or_more_per_bucket"],
        "cold_false_before_onset": r["false_incidents_before_onset"],
        "established_missed": r["established"]["missed_surges"],
        "established_missed_of_10_or_more": r["established"][
            "missed_surges_of_10_or_more_per_bucket"
        ],
        "established_false_before_onset": r["established"]["false_incidents_before_onset"],
        "long_quiet_false": r["long_quiet"]["false_incidents"],
        "onboarding_false": r["onboarding"]["false_incidents"],
        "wandering_false": r["wandering"]["false_incidents"],
        "share_rhythm_false": r["share_rhythm"]["false_incidents"],
        "steps_false_before_onset": sum(f["false_incidents_before_onset"] for f in steps.values()),
        "steps_paged_again": sum(len(f["paged_again"]) for f in steps.values()),
    }
    for factor, f in steps.items():
        out[f"steps_{factor}_within_a_day"] = f["found_within_a_day"]
    attention = r["attention"]
    for age in ("cold", "established"):
        out[f"attention_{age}_missed"] = attention[age]["missed_surges"]
    out["attention_false_before_onset"] = sum(
        a["false_incidents_before_onset"] for a in attention.values()
    )
    first_day = r["first_day"]
    out["first_day_missed"] = first_day["missed_surges"]
    out["first_day_missed_of_10_or_more"] = first_day["missed_surges_of_10_or_more_per_bucket"]
    out["first_day_false_before_onset"] = first_day["false_incidents_before_onset"]
    given = r["first_day_with_history"]
    out["first_day_with_history_missed"] = given["missed_surges"]
    out["first_day_with_history_missed_of_10_or_more"] = given[
        "missed_surges_of_10_or_more_per_bucket"
    ]
    out["first_day_with_history_false_before_onset"] = given["false_incidents_before_onset"]
    out["false_incidents"] = sum(out[k] for k in _FALSE)
    return out


def _example() -> dict[str, object]:
    """A report's shape with made-up figures (for `summary`'s example)."""
    section = {"false_incidents": 1}
    step = {"false_incidents_before_onset": 0, "paged_again": [], "found_within_a_day": 18}
    return {
        "median_delay_buckets": 2,
        "false_incidents_quiet": 0,
        "missed_surges": 11,
        "missed_surges_of_10_or_more_per_bucket": 0,
        "false_incidents_before_onset": 1,
        "established": {
            "missed_surges": 8,
            "missed_surges_of_10_or_more_per_bucket": 0,
            "false_incidents_before_onset": 0,
        },
        "long_quiet": section,
        "onboarding": {"false_incidents": 0},
        "wandering": section,
        "share_rhythm": {"false_incidents": 0},
        "steps": {"by_factor": {"x2": step, "x3": {**step, "found_within_a_day": 20}}},
        "attention": {
            "cold": {"missed_surges": 3, "false_incidents_before_onset": 1},
            "established": {"missed_surges": 2, "false_incidents_before_onset": 0},
        },
        "first_day": {
            "missed_surges": 6,
            "missed_surges_of_10_or_more_per_bucket": 0,
            "false_incidents_before_onset": 0,
        },
        "first_day_with_history": {
            "missed_surges": 2,
            "missed_surges_of_10_or_more_per_bucket": 0,
            "false_incidents_before_onset": 0,
        },
    }


def _established_onset(kind: str, rng: np.random.Generator) -> int:
    """An onset after 8 to 20 days of history (the novelty rule applies), at the
    requested time."""
    if kind == "weekend":
        day = 7 * int(rng.integers(1, 3)) + int(rng.choice([1, 2]))
        hour = float(rng.uniform(10, 20))
    else:
        day = int(rng.integers(8, 21))
        hour = float(rng.uniform(1, 5)) if kind == "night" else float(rng.uniform(8, 22))
    return day * BUCKETS_PER_DAY + round(hour * 4)


def _surge_model(kind: str, brand: Brand) -> Brand:
    if kind == "small_brand":
        return replace(brand, peak_negative=2.0)
    if kind == "share_only":
        return replace(brand, share=0.2)
    return brand


def _attention_shape(rng: np.random.Generator) -> dict[str, Surge]:
    """All of a brand's mentions x3-10 at once, the negative share unchanged."""
    x = float(rng.uniform(3, 10))
    return {"attention": lambda _k: (x, x)}


FIRST_DAY_SHAPES = ("sudden", "slow_burn", "small_brand", "share_only", "attention")
"""The ``first_day`` section's shapes: those a first day can hold (it is a
Friday, and its night comes before any history)."""


def _first_day_shapes(rng: np.random.Generator) -> dict[str, Surge]:
    shapes = {**_shapes(rng), **_attention_shape(rng)}
    return {kind: shapes[kind] for kind in FIRST_DAY_SHAPES}


def _first_day_onset(_kind: str, rng: np.random.Generator) -> int:
    """An onset on the brand's first day, 08:00 to 22:00."""
    return round(float(rng.uniform(8, 22)) * 4)


def _with_history_onset(kind: str, rng: np.random.Generator) -> int:
    """An onset on the first live day after `HISTORY_DAYS` of history, 08:00 to 22:00."""
    return HISTORY_DAYS * BUCKETS_PER_DAY + _first_day_onset(kind, rng)


def _surges(
    brands: list[Brand],
    rng: np.random.Generator,
    onset_of: Callable[[str, np.random.Generator], int],
    params: DetectorParams,
    policy: AlertPolicy,
    shapes_of: Callable[[np.random.Generator], dict[str, Surge]] = _shapes,
    pool: Executor | None = None,
    history: int = 0,
) -> dict[str, object]:
    """Each brand meets each surge shape once, at `onset_of`'s bucket: from cold,
    or after `history` buckets given at onboarding (learnt, not judged)."""
    per_shape: dict[str, list[int | None]] = {}
    missed: list[dict[str, object]] = []
    missed_means: list[float] = []
    false_before = 0
    drawn: list[tuple[str, Brand, int, list[WindowStats]]] = []
    for brand in brands:
        for kind, surge in shapes_of(rng).items():
            model = _surge_model(kind, brand)
            onset = onset_of(kind, rng)
            windows = list(stream(model, onset + SURGE_BUCKETS + 8, rng, onset, surge))
            drawn.append((kind, model, onset, windows))
    judged = incidents_each([d[3] for d in drawn], params, policy, pool, history)
    for (kind, model, onset, windows), fired in zip(drawn, judged, strict=True):
        false_before += sum(1 for i in fired if i < onset)
        hits = [i - onset for i in fired if onset <= i < onset + SURGE_BUCKETS]
        per_shape.setdefault(kind, []).append(hits[0] if hits else None)
        if not hits:
            missed.append(_missed(kind, model, onset, windows))
            during = windows[onset : onset + SURGE_BUCKETS]
            missed_means.append(statistics.fmean(w.negative for w in during))
    shapes = {
        kind: {
            **delay_figures(ds),
            "max_delay_buckets": max((d for d in ds if d is not None), default=None),
        }
        for kind, ds in per_shape.items()
    }
    every = delay_figures([d for ds in per_shape.values() for d in ds])
    return {
        "false_incidents_before_onset": false_before,
        "surges": every["surges"],
        "missed_surges": every["missed"],
        "median_delay_buckets": every["median_delay_buckets"],
        "shapes": shapes,
        "missed": missed,
        "missed_surges_of_10_or_more_per_bucket": sum(1 for m in missed_means if m >= MATERIAL),
    }


def delay_figures(delays: Sequence[int | None]) -> dict[str, object]:
    """Surges, missed ones and the median delay of the others, from each surge's
    delay in buckets (None: missed).

    >>> delay_figures([0, 3, None, 1])
    {'surges': 4, 'missed': 1, 'median_delay_buckets': 1}
    """
    found = [d for d in delays if d is not None]
    return {
        "surges": len(delays),
        "missed": len(delays) - len(found),
        "median_delay_buckets": statistics.median(found) if found else None,
    }


def _false_incidents(
    brands: list[Brand],
    rng: np.random.Generator,
    days: int,
    params: DetectorParams,
    policy: AlertPolicy,
    pool: Executor | None = None,
) -> dict[str, int]:
    """Incidents per brand over `days` quiet days from cold: every one is false."""
    streams = [list(stream(brand, days * BUCKETS_PER_DAY, rng)) for brand in brands]
    judged = incidents_each(streams, params, policy, pool)
    return {b.name: len(f) for b, f in zip(brands, judged, strict=True) if f}


def _wandering(
    brands: list[Brand],
    rng: np.random.Generator,
    params: DetectorParams,
    policy: AlertPolicy,
    pool: Executor | None = None,
) -> dict[str, object]:
    """Quiet brands whose days differ: four weeks from cold, every incident false.

    The other sections' brands repeat the same day for ever, bar the weekly
    rhythm and each bucket's noise. Real brands have busier and calmer days,
    and days when more of what is said is negative; a detector that takes a
    whole day's drift for a surge would page them and never show it here.
    """
    wandering = [
        replace(b, day_volume_sd=WANDER_VOLUME_SD, day_share_sd=WANDER_SHARE_SD) for b in brands
    ]
    fired = _false_incidents(wandering, rng, LONG_QUIET_DAYS, params, policy, pool)
    return {
        "day_volume_sd": WANDER_VOLUME_SD,
        "day_share_sd": WANDER_SHARE_SD,
        **_quiet_report(fired, LONG_QUIET_DAYS),
    }


def _share_rhythm(
    brands: list[Brand],
    rng: np.random.Generator,
    params: DetectorParams,
    policy: AlertPolicy,
    pool: Executor | None = None,
) -> dict[str, object]:
    """Quiet brands whose negative share has its own daily rhythm: four weeks, every
    incident false.

    Complaints come in office hours and praise in the evening, or the other
    way round: the share runs above the day's for hours on end, every day,
    and a detector that expects the same share at every hour takes those
    hours for a rise.
    """
    models = []
    for b in brands:
        offset = float(rng.uniform(-SHARE_RHYTHM_OFFSET_HOURS, SHARE_RHYTHM_OFFSET_HOURS))
        models.append(
            replace(b, share_amplitude=SHARE_RHYTHM, share_peak_hour=(b.peak_hour + offset) % 24)
        )
    fired = _false_incidents(models, rng, LONG_QUIET_DAYS, params, policy, pool)
    return {"share_log_odds_swing": SHARE_RHYTHM, **_quiet_report(fired, LONG_QUIET_DAYS)}


def _quiet_report(fired: dict[str, int], days: int) -> dict[str, object]:
    """The figures of a quiet run of `days` days per brand (every incident false)."""
    return {
        "days": days,
        "false_incidents": sum(fired.values()),
        "false_incidents_per_brand_week": sum(fired.values()) / (BRANDS * days / 7),
        "false_incidents_by_brand": fired,
    }


def _onboarding(
    brands: list[Brand],
    rng: np.random.Generator,
    params: DetectorParams,
    policy: AlertPolicy,
    pool: Executor | None = None,
) -> dict[str, object]:
    """Quiet brands with a marked weekly rhythm, from cold on any day of the week."""
    fired_by: dict[str, dict[str, object]] = {}
    false_incidents = 0
    drawn: list[tuple[float, int, list[WindowStats]]] = []
    for brand in brands:
        weekend = float(rng.choice(ONBOARDING_WEEKENDS))
        first_day = int(rng.integers(0, 7))  # days after the stream's Friday
        model = replace(
            brand, weekend=weekend, peak_negative=brand.peak_negative * ONBOARDING_SCALE
        )
        buckets = (first_day + ONBOARDING_DAYS) * BUCKETS_PER_DAY
        windows = itertools.islice(stream(model, buckets, rng), first_day * BUCKETS_PER_DAY, None)
        drawn.append((weekend, first_day, list(windows)))
    judged = incidents_each([d[2] for d in drawn], params, policy, pool)
    for brand, (weekend, first_day, _), fired in zip(brands, drawn, judged, strict=True):
        false_incidents += len(fired)
        if fired:
            fired_by[brand.name] = {
                "weekend": weekend,
                "first_weekday": _WEEKDAYS[_weekday(first_day)],
                "days_from_onboarding": [round(i / BUCKETS_PER_DAY, 2) for i in fired],
            }
    return {
        "days": ONBOARDING_DAYS,
        "volume_scale": ONBOARDING_SCALE,
        "false_incidents": false_incidents,
        "false_incidents_by_brand": fired_by,
    }


def _lasting(factor: float) -> Surge:
    """A step: the negatives times `factor` at every bucket from the onset."""
    return lambda _k: (factor, 1.0)


def _steps(
    brands: list[Brand],
    rng: np.random.Generator,
    params: DetectorParams,
    policy: AlertPolicy,
    pool: Executor | None = None,
) -> dict[str, object]:
    """Each brand meets a lasting step of each factor on day 8 to 20, at any hour.

    A step is no burst: the negatives stay that many times higher for the
    rest of the stream. It should page once (the baseline then takes the new
    level as normal) and soon, whatever the hour it starts at: a step at
    night starts under the brand's daytime peaks.
    """
    drawn: list[tuple[int, list[WindowStats]]] = []
    for factor in STEP_FACTORS:
        step_up = _lasting(factor)
        for brand in brands:
            day = int(rng.integers(8, 21))
            onset = day * BUCKETS_PER_DAY + int(rng.integers(0, BUCKETS_PER_DAY))
            buckets = onset + STEP_WATCH_DAYS * BUCKETS_PER_DAY
            drawn.append((onset, list(stream(brand, buckets, rng, onset, step_up, buckets))))
    judged = incidents_each([d[1] for d in drawn], params, policy, pool)
    by_factor: dict[str, dict[str, object]] = {}
    for k, factor in enumerate(STEP_FACTORS):
        delays: list[int] = []
        missed: list[dict[str, object]] = []
        paged_again: list[str] = []
        pages = before = late = 0
        ours = slice(k * len(brands), (k + 1) * len(brands))
        for brand, (onset, _), fired in zip(brands, drawn[ours], judged[ours], strict=True):
            before += sum(1 for i in fired if i < onset)
            after = [i - onset for i in fired if i >= onset]
            pages += len(after)
            if len(after) > 1:
                paged_again.append(brand.name)
            if after and after[0] < BUCKETS_PER_DAY:
                delays.append(after[0])
            else:
                late += bool(after)
                missed.append(
                    {
                        "brand": brand.name,
                        "peak_negative": round(brand.peak_negative, 1),
                        "onset_hour": round((onset % BUCKETS_PER_DAY) / 4, 2),
                    }
                )
        by_factor[f"x{factor:g}"] = {
            "steps": len(brands),
            "found_within_a_day": len(delays),
            "median_delay_buckets": statistics.median(delays) if delays else None,
            "max_delay_buckets": max(delays, default=None),
            "incidents_after_onset": pages,
            "found_after_a_day": late,
            "paged_again": paged_again,
            "false_incidents_before_onset": before,
            "missed": missed,
        }
    return {"watch_days": STEP_WATCH_DAYS, "by_factor": by_factor}


def evaluate(
    params: DetectorParams, policy: AlertPolicy, seed: int, *, jobs: int = 1
) -> dict[str, object]:
    """The bench's figures for given parameters and generator seed.

    The headline figures (the issue's targets) are for surges on day 1 to 3
    of a brand's history, the cold start. ``established`` holds the same
    shapes on day 8 to 20, where the novelty rule holds back what the brand
    reaches every few days, and ``long_quiet`` four quiet weeks per brand;
    and ``onboarding`` quiet brands with a marked weekly rhythm from any
    weekday, ``steps`` lasting rises, ``wandering`` four quiet weeks of
    brands whose days differ and ``share_rhythm`` four of brands whose
    negative share has a daily rhythm, ``attention`` surges of all mentions
    on day 1 to 3 and 8 to 20, ``first_day`` surges on day 0 and
    ``first_day_with_history`` on the first live day after two weeks of
    history given at onboarding; these draw
    from the generator after the headline figures, which they therefore
    leave as they were (each comes after the ones before it, for the same
    reason). ``jobs`` processes judge each section's streams once it has
    drawn them all.
    """
    rng = np.random.default_rng(seed)
    brands = make_brands(rng)
    with judging_pool(jobs) as pool:
        false_quiet = _false_incidents(brands, rng, QUIET_DAYS, params, policy, pool)
        cold = _surges(brands, rng, _onset, params, policy, pool=pool)
        established = _surges(brands, rng, _established_onset, params, policy, pool=pool)
        long_quiet = _false_incidents(brands, rng, LONG_QUIET_DAYS, params, policy, pool)
        onboarding = _onboarding(brands, rng, params, policy, pool)
        steps = _steps(brands, rng, params, policy, pool)
        wandering = _wandering(brands, rng, params, policy, pool)
        share_rhythm = _share_rhythm(brands, rng, params, policy, pool)
        attention = {
            age: _surges(brands, rng, onset_of, params, policy, _attention_shape, pool)
            for age, onset_of in (("cold", _onset), ("established", _established_onset))
        }
        first_day = _surges(brands, rng, _first_day_onset, params, policy, _first_day_shapes, pool)
        with_history = _surges(
            brands,
            rng,
            _with_history_onset,
            params,
            policy,
            _first_day_shapes,
            pool,
            HISTORY_DAYS * BUCKETS_PER_DAY,
        )
    brand_weeks = BRANDS * QUIET_DAYS / 7
    return {
        "bucket_minutes": BUCKET_MS // 60_000,
        "seed": seed,
        "brands": BRANDS,
        "quiet_days": QUIET_DAYS,
        "false_incidents_quiet": sum(false_quiet.values()),
        "false_incidents_per_brand_week": sum(false_quiet.values()) / brand_weeks,
        "false_incidents_by_brand": false_quiet,
        **cold,
        "established": established,
        "long_quiet": _quiet_report(long_quiet, LONG_QUIET_DAYS),
        "onboarding": onboarding,
        "steps": steps,
        "wandering": wandering,
        "share_rhythm": share_rhythm,
        "attention": attention,
        "first_day": first_day,
        "first_day_with_history": {"history_days": HISTORY_DAYS, **with_history},
        "targets": TARGETS,
        "notes": (
            "delay = buckets from the onset bucket to the bucket that opened the "
            "incident (0 = at once); every brand starts cold (no history); the "
            "headline surges come on day 1 to 3, the established ones on day 8 to 20"
        ),
    }
