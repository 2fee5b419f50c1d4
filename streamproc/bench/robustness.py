"""`streamproc bench robustness`: the detector on brands that a second generator makes.

The presets were tuned on the crisis bench's generator, so a detector that
fitted that generator's noise would look better there than on brands it has
never seen. This generator was written apart from it and draws its brands
another way:

* two daily peaks (late morning and evening, bell-shaped over a night
  floor) instead of one cosine bump, and a weekend factor of 0.5 to 1.5;
* 1 to 200 negative mentions a bucket at the peak (the crisis bench: 2 to
  50) and a negative share of 0.05 to 0.4;
* noise that moves all of a bucket's mentions together: a gamma factor per
  bucket with dispersion 0.05 to 0.25 (up to three times the crisis
  bench's), then Poisson counts. The volume is bursty; the share keeps a
  binomial spread, as when attention to a brand, not its mood, comes and goes;
* each day's volume times a log-normal factor (``DAY_VOLUME_SD``).

Every brand starts from nothing and is watched for four weeks (`DAYS`),
judged by the shipped default preset through `crisis.incidents`, which calls
`detector.step` and `alerting.transition` as the agents do.

* ``quiet``: no surge, so every incident is false; the first week (young
  baselines) also on its own.
* ``growing``: the brand's volume grows by ``GROWTH_PER_DAY`` (x1.7 over the
  four weeks); every incident is false.
* ``outage``: the ``quiet`` streams with ``OUTAGE_HOURS`` of empty buckets
  from a random hour of day 14, as when ingestion stops: the incidents from
  the outage on that the same stream without it did not open.
* ``clock_shift``: from day 14 the brand's day comes an hour earlier (its
  audience's clocks changed); every incident is false.
* ``bursty``: about one short burst a day (1 to 3 buckets at 1.5 to 3 times
  the hour's level) at a random hour. These are not counted as false: the
  novelty rule pages a level the brand reaches less than about once in
  ``novelty_return_days`` days, and a burst's size is a draw, so the figure
  says how often such a brand is paged.
* ``surges``: per brand and shape, on day 8 to 20 between 08:00 and 22:00,
  two hours of ``sudden`` (x4 at once), ``slow_burn`` (rising to x4 over the
  two hours) or ``share_only`` (negatives x2.5, all mentions unchanged).
  Delay in buckets from the onset bucket; a surge with no incident before it
  ends is missed. The surges are smaller than the crisis bench's (x5 to 10)
  on noisier brands.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

import numpy as np

from streamproc.alerting import AlertPolicy
from streamproc.bench import judging_pool, run_seeds
from streamproc.bench.crisis import (
    BUCKET_MS,
    BUCKETS_PER_DAY,
    CONFIG,
    MATERIAL,
    START_MS,
    SURGE_BUCKETS,
    Surge,
    delay_figures,
    incidents_each,
)
from streamproc.detector import DetectorParams
from streamproc.model import WindowStats

BRANDS = 20
DAYS = 28
SEED = 20_261_207
DAY_VOLUME_SD = 0.15
"""Standard deviation of the log of a day's volume factor."""
GROWTH_PER_DAY = 0.02
CHANGE_DAY = 14
"""The day the outage and the clock shift come (two weeks of history before)."""
OUTAGE_HOURS = 6
SURGE_FACTOR = 4.0
SHARE_SURGE_FACTOR = 2.5
BURSTS_PER_DAY = 1.0
_BURST_BUCKETS = (1, 3)
_BURST_FACTOR = (1.5, 3.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Brand:
    """A brand of this generator: its rhythm, volume and noise."""

    name: str
    peak_negative: float
    """Negative mentions per bucket at the day's higher peak, on a weekday."""
    share: float
    """Negative share of all mentions."""
    morning_hour: float
    evening_hour: float
    evening_weight: float
    """The evening peak's height relative to the morning's."""
    floor: float
    """The night's level relative to the morning peak."""
    weekend: float
    """Weekend volume relative to weekdays."""
    dispersion: float
    """Gamma dispersion of the bucket factor that all the bucket's mentions share."""


def make_brands(rng: np.random.Generator) -> list[Brand]:
    """`BRANDS` brands, log-uniform over 1 to 200 negatives a bucket at the peak."""
    return [
        Brand(
            name=f"brand-{i:02d}",
            peak_negative=float(math.exp(rng.uniform(math.log(1), math.log(200)))),
            share=float(rng.uniform(0.05, 0.4)),
            morning_hour=float(rng.uniform(8, 14)),
            evening_hour=float(rng.uniform(17, 23)),
            evening_weight=float(rng.uniform(0.4, 1.0)),
            floor=float(rng.uniform(0.05, 0.4)),
            weekend=float(rng.uniform(0.5, 1.5)),
            dispersion=float(rng.uniform(0.05, 0.25)),
        )
        for i in range(BRANDS)
    ]


def _bump(hour: float, centre: float, width: float) -> float:
    """A bell of height 1 at ``centre`` (hours, across midnight too)."""
    distance = (hour - centre + 12) % 24 - 12
    return math.exp(-0.5 * (distance / width) ** 2)


def level(brand: Brand, bucket: int, shift_hours: float = 0.0) -> float:
    """The mean multiplier of a bucket: the two daily peaks over the floor, and the weekend.

    ``shift_hours`` brings the brand's day that many hours earlier.

    >>> b = Brand(name="b", peak_negative=10.0, share=0.2, morning_hour=10.0,
    ...           evening_hour=20.0, evening_weight=0.5, floor=0.1, weekend=0.5,
    ...           dispersion=0.1)
    >>> [round(level(b, k), 2) for k in (40, 80, 16)]  # 10:00, 20:00, 04:00 on day 0, a Friday
    [1.0, 0.55, 0.11]
    >>> level(b, 40 + 96)  # 10:00 on Saturday
    0.5
    >>> level(b, 36, shift_hours=1.0) == level(b, 40)  # the day an hour earlier
    True
    """
    hour = (bucket % BUCKETS_PER_DAY) / 4 + shift_hours
    bumps = max(
        _bump(hour, brand.morning_hour, 2.0),
        brand.evening_weight * _bump(hour, brand.evening_hour, 2.5),
    )
    daily = brand.floor + (1 - brand.floor) * bumps
    weekend = (bucket // BUCKETS_PER_DAY + 4) % 7 in (5, 6)  # day 0 is a Friday
    return daily * (brand.weekend if weekend else 1.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Variation:
    """What a section changes in a brand's stream (nothing by default)."""

    growth_per_day: float = 0.0
    shift_from_day: int | None = None
    """From this day on, the brand's day comes an hour earlier."""
    bursts_per_day: float = 0.0
    onset: int | None = None
    surge: Surge | None = None


def stream(
    brand: Brand, buckets: int, rng: np.random.Generator, variation: Variation = Variation()
) -> list[WindowStats]:
    """The brand's closed buckets, from its first; the same ``rng`` state gives the same list."""
    out: list[WindowStats] = []
    day_factor, bursts = 1.0, np.ones(BUCKETS_PER_DAY)
    sd = DAY_VOLUME_SD
    for i in range(buckets):
        day = i // BUCKETS_PER_DAY
        if i % BUCKETS_PER_DAY == 0:
            day_factor = math.exp(rng.normal(-sd * sd / 2, sd))
            bursts = np.ones(BUCKETS_PER_DAY)
            for _ in range(int(rng.poisson(variation.bursts_per_day))):
                start = int(rng.integers(0, BUCKETS_PER_DAY))
                length = int(rng.integers(_BURST_BUCKETS[0], _BURST_BUCKETS[1] + 1))
                bursts[start : start + length] *= rng.uniform(*_BURST_FACTOR)
        shifted = variation.shift_from_day is not None and day >= variation.shift_from_day
        mean_neg = (
            brand.peak_negative
            * level(brand, i, 1.0 if shifted else 0.0)
            * day_factor
            * (1 + variation.growth_per_day) ** day
            * bursts[i % BUCKETS_PER_DAY]
        )
        mean_other = mean_neg * (1 - brand.share) / brand.share
        onset, surge = variation.onset, variation.surge
        if onset is not None and surge is not None and onset <= i < onset + SURGE_BUCKETS:
            neg_x, other_x = surge(i - onset)
            mean_neg, mean_other = mean_neg * neg_x, mean_other * other_x
        factor = rng.gamma(1 / brand.dispersion, brand.dispersion)
        negative = int(rng.poisson(mean_neg * factor))
        total = negative + int(rng.poisson(mean_other * factor))
        start_ms = START_MS + i * BUCKET_MS
        out.append(
            WindowStats(
                brand=brand.name,
                start_ms=start_ms,
                end_ms=start_ms + BUCKET_MS,
                total=total,
                negative=negative,
            )
        )
    return out


def _shapes(brand: Brand) -> dict[str, Surge]:
    """The surge shapes: multipliers of the negatives and of the other mentions."""
    rest = max((1 - SHARE_SURGE_FACTOR * brand.share) / (1 - brand.share), 0.0)
    return {
        "sudden": lambda _k: (SURGE_FACTOR, 1.0),
        "slow_burn": lambda k: (1 + (SURGE_FACTOR - 1) * min(k + 1, 8) / 8, 1.0),
        "share_only": lambda _k: (SHARE_SURGE_FACTOR, rest),
    }


def _outage(windows: list[WindowStats], start: int) -> list[WindowStats]:
    """The windows with `OUTAGE_HOURS` of empty buckets from ``start``."""
    end = start + OUTAGE_HOURS * 4
    return [
        replace(w, total=0, negative=0) if start <= i < end else w for i, w in enumerate(windows)
    ]


def _quiet_figures(fired: Mapping[str, list[int]]) -> dict[str, object]:
    week = BUCKETS_PER_DAY * 7
    count = sum(len(f) for f in fired.values())
    return {
        "false_incidents": count,
        "false_incidents_first_week": sum(1 for f in fired.values() for i in f if i < week),
        "false_incidents_per_brand_week": count / (len(fired) * DAYS / 7),
        "false_incidents_by_brand": {
            name: [round(i / BUCKETS_PER_DAY, 2) for i in f] for name, f in fired.items() if f
        },
    }


def _surges(
    brands: list[Brand],
    rng: np.random.Generator,
    params: DetectorParams,
    policy: AlertPolicy,
    pool: Executor | None = None,
) -> dict[str, object]:
    delays: dict[str, list[int | None]] = {}
    missed: list[dict[str, object]] = []
    material = 0
    false_before = 0
    drawn: list[tuple[Brand, str, int, int, list[WindowStats]]] = []
    for brand in brands:
        for kind, surge in _shapes(brand).items():
            day = int(rng.integers(8, 21))
            onset = day * BUCKETS_PER_DAY + round(float(rng.uniform(8, 22)) * 4)
            variation = Variation(onset=onset, surge=surge)
            windows = stream(brand, onset + SURGE_BUCKETS + 8, rng, variation)
            drawn.append((brand, kind, day, onset, windows))
    judged = incidents_each([d[4] for d in drawn], params, policy, pool)
    for (brand, kind, day, onset, windows), fired in zip(drawn, judged, strict=True):
        false_before += sum(1 for i in fired if i < onset)
        hits = [i - onset for i in fired if onset <= i < onset + SURGE_BUCKETS]
        delays.setdefault(kind, []).append(hits[0] if hits else None)
        if not hits:
            during = windows[onset : onset + SURGE_BUCKETS]
            material += statistics.fmean(w.negative for w in during) >= MATERIAL
            missed.append(
                {
                    "shape": kind,
                    "brand": brand.name,
                    "day": day,
                    "surge_negative": [w.negative for w in during],
                    "normal_negative_per_bucket": round(
                        statistics.fmean(
                            brand.peak_negative * level(brand, onset + k)
                            for k in range(SURGE_BUCKETS)
                        ),
                        2,
                    ),
                }
            )
    every = delay_figures([d for ds in delays.values() for d in ds])
    return {
        "surges": every["surges"],
        "missed_surges": every["missed"],
        "missed_surges_of_10_or_more_per_bucket": material,
        "median_delay_buckets": every["median_delay_buckets"],
        "false_incidents_before_onset": false_before,
        "shapes": {kind: delay_figures(ds) for kind, ds in delays.items()},
        "missed": missed,
    }


def evaluate(
    params: DetectorParams, policy: AlertPolicy, seed: int, *, jobs: int = 1
) -> dict[str, object]:
    """The bench's figures for given parameters and generator seed.

    Each section draws from the generator after the ones before it, so a
    change to one leaves the draws of those before it as they were.
    ``jobs`` processes judge each section's streams once it has drawn them all.
    """
    rng = np.random.default_rng(seed)
    brands = make_brands(rng)
    names = [b.name for b in brands]
    buckets = DAYS * BUCKETS_PER_DAY
    with judging_pool(jobs) as pool:

        def judge(streams: list[list[WindowStats]]) -> dict[str, list[int]]:
            return dict(zip(names, incidents_each(streams, params, policy, pool), strict=True))

        quiet_windows = [stream(b, buckets, rng) for b in brands]
        quiet = judge(quiet_windows)
        starts = [
            CHANGE_DAY * BUCKETS_PER_DAY + int(rng.integers(0, BUCKETS_PER_DAY)) for _ in brands
        ]
        out = judge([_outage(ws, start) for ws, start in zip(quiet_windows, starts, strict=True)])
        outage_extra: dict[str, int] = {}
        for name, start in zip(names, starts, strict=True):
            extra = len({i for i in out[name] if i >= start} - set(quiet[name]))
            if extra:
                outage_extra[name] = extra

        def section(variation: Variation) -> dict[str, list[int]]:
            return judge([stream(b, buckets, rng, variation) for b in brands])

        growing = section(Variation(growth_per_day=GROWTH_PER_DAY))
        clock_shift = section(Variation(shift_from_day=CHANGE_DAY))
        bursty = section(Variation(bursts_per_day=BURSTS_PER_DAY))
        surges = _surges(brands, rng, params, policy, pool)
    bursty_pages = sum(len(f) for f in bursty.values())
    return {
        "bucket_minutes": BUCKET_MS // 60_000,
        "seed": seed,
        "brands": BRANDS,
        "days": DAYS,
        "quiet": _quiet_figures(quiet),
        "growing": {"growth_per_day": GROWTH_PER_DAY, **_quiet_figures(growing)},
        "outage": {
            "hours": OUTAGE_HOURS,
            "extra_incidents": sum(outage_extra.values()),
            "extra_incidents_by_brand": outage_extra,
        },
        "clock_shift": {"from_day": CHANGE_DAY, **_quiet_figures(clock_shift)},
        "bursty": {
            "bursts_per_day": BURSTS_PER_DAY,
            "pages": bursty_pages,
            "pages_per_brand_week": bursty_pages / (BRANDS * DAYS / 7),
        },
        "surges": surges,
        "notes": (
            "a second generator, written apart from the crisis bench's: two daily peaks, "
            "a gamma factor per bucket shared by all its mentions, a day-to-day volume "
            "factor; every brand starts cold; delay in buckets from the onset bucket"
        ),
    }


def summary(report: Mapping[str, object]) -> dict[str, float]:
    """A report's headline figures, the ones summed over seeds.

    >>> r = {"quiet": {"false_incidents": 2, "false_incidents_first_week": 1},
    ...      "growing": {"false_incidents": 1}, "clock_shift": {"false_incidents": 0},
    ...      "outage": {"extra_incidents": 1}, "bursty": {"pages": 9},
    ...      "surges": {"surges": 60, "missed_surges": 5, "median_delay_buckets": 1,
    ...                 "missed_surges_of_10_or_more_per_bucket": 0,
    ...                 "false_incidents_before_onset": 2}}
    >>> s = summary(r)
    >>> s["false_incidents"], s["missed_surges"], s["bursty_pages"]
    (6, 5, 9)
    """

    def get(section: str, key: str) -> float:
        return cast("Mapping[str, float]", report[section])[key]

    figures = {
        "quiet_false": get("quiet", "false_incidents"),
        "quiet_false_first_week": get("quiet", "false_incidents_first_week"),
        "growing_false": get("growing", "false_incidents"),
        "clock_shift_false": get("clock_shift", "false_incidents"),
        "outage_extra": get("outage", "extra_incidents"),
        "surges_false_before_onset": get("surges", "false_incidents_before_onset"),
        "bursty_pages": get("bursty", "pages"),
        "surges": get("surges", "surges"),
        "missed_surges": get("surges", "missed_surges"),
        "missed_surges_of_10_or_more_per_bucket": get(
            "surges", "missed_surges_of_10_or_more_per_bucket"
        ),
        "median_delay_buckets": get("surges", "median_delay_buckets"),
    }
    false_keys = (
        "quiet_false",
        "growing_false",
        "clock_shift_false",
        "outage_extra",
        "surges_false_before_onset",
    )
    figures["false_incidents"] = sum(figures[k] for k in false_keys)
    return figures


def run(
    results_dir: Path, preset: str | None = None, seeds: Sequence[int] = (SEED,)
) -> dict[str, object]:
    """Run the bench; writes ``results_dir/NAME.json`` and returns its content.

    The shipped default preset on the committed seed is ``robustness.json``,
    the full report; as for the crisis bench, another preset adds its name,
    and several seeds give each seed's `summary` and their totals
    (``robustness-PRESET-seeds.json``).
    """
    return run_seeds(
        results_dir,
        "robustness",
        preset=preset,
        seeds=seeds,
        committed_seed=SEED,
        evaluate=evaluate,
        summary=summary,
        config=CONFIG,
        bucket_ms=BUCKET_MS,
    )
