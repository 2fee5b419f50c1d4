"""The second generator's brands, its sections' bookkeeping and the report's files."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from streamproc.bench import robustness
from streamproc.bench.robustness import Brand, Variation, level, make_brands, stream

D = robustness.BUCKETS_PER_DAY
RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"


def brand(**changes: object) -> Brand:
    base = Brand(
        name="b",
        peak_negative=100.0,
        share=0.2,
        morning_hour=10.0,
        evening_hour=20.0,
        evening_weight=0.6,
        floor=0.1,
        weekend=1.0,
        dispersion=0.05,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def negatives(windows: list[robustness.WindowStats]) -> np.ndarray:
    return np.array([w.negative for w in windows], dtype=float)


def test_the_same_seed_gives_the_same_stream() -> None:
    b = make_brands(np.random.default_rng(3))[5]
    one = stream(b, 3 * D, np.random.default_rng(9))
    assert one == stream(b, 3 * D, np.random.default_rng(9))
    assert one != stream(b, 3 * D, np.random.default_rng(10))
    assert [w.start_ms for w in one] == [
        robustness.START_MS + i * robustness.BUCKET_MS for i in range(3 * D)
    ]


def test_brands_span_the_documented_ranges() -> None:
    brands = make_brands(np.random.default_rng(robustness.SEED))
    assert len(brands) == robustness.BRANDS
    assert all(1 <= b.peak_negative <= 200 for b in brands)
    assert all(0.05 <= b.dispersion <= 0.25 for b in brands)
    assert all(8 <= b.morning_hour <= 14 < 17 <= b.evening_hour <= 23 for b in brands)


def test_the_day_has_two_peaks_and_the_counts_follow_the_level() -> None:
    """Four weeks of one slot's counts average to the level (the gamma factor has mean 1)."""
    b = brand()
    windows = stream(b, 28 * D, np.random.default_rng(1))
    by_slot = negatives(windows).reshape(28, D).mean(axis=0)
    morning, evening, night = 40, 80, 16  # 10:00, 20:00, 04:00
    assert level(b, morning) == pytest.approx(1.0)
    assert level(b, evening) == pytest.approx(0.1 + 0.9 * 0.6)
    for slot in (morning, evening, night):
        assert by_slot[slot] == pytest.approx(100 * level(b, slot), rel=0.12)
    assert by_slot[morning] > by_slot[evening] > by_slot[night]


def test_all_of_a_bucket_s_mentions_move_together() -> None:
    """The gamma factor is shared, so negatives and the other mentions correlate,
    and the share keeps a binomial spread."""
    b = brand(dispersion=0.25, floor=1.0)  # a flat day: the noise alone
    windows = stream(b, 14 * D, np.random.default_rng(2))
    neg = negatives(windows)
    other = np.array([w.total - w.negative for w in windows], dtype=float)
    assert np.corrcoef(neg, other)[0, 1] > 0.9
    assert neg.var() / neg.mean() > 10  # overdispersed: 1 + 0.25 x 100 is about 26
    share = neg / (neg + other)
    assert share.std() == pytest.approx(np.sqrt(0.2 * 0.8 / 500), rel=0.2)


def test_growth_clock_shift_and_surge_change_what_they_say() -> None:
    b = brand(dispersion=0.01)
    rng = np.random.default_rng
    flat = negatives(stream(b, 28 * D, rng(4))).reshape(28, D).sum(axis=1)
    grown = negatives(stream(b, 28 * D, rng(4), Variation(growth_per_day=0.02)))
    # Each day's volume factor varies (sd 0.15): the trend of the logs, not one day.
    slope = np.polyfit(np.arange(28), np.log(grown.reshape(28, D).sum(axis=1) / flat), 1)[0]
    assert slope == pytest.approx(np.log(1.02), abs=0.008)
    assert level(b, 36, 1.0) == level(b, 40)  # an hour earlier: 09:00 looks like 10:00
    shifted = negatives(stream(b, 28 * D, rng(5), Variation(shift_from_day=14)))
    days = shifted.reshape(28, D)
    before, after = days[:14].mean(axis=0), days[14:].mean(axis=0)
    misfit = {lag: ((after - np.roll(before, lag)) ** 2).sum() for lag in range(-8, 9)}
    assert min(misfit, key=misfit.__getitem__) == -4  # four buckets earlier
    onset = 3 * D + 40
    surge = Variation(onset=onset, surge=robustness._shapes(b)["sudden"])
    surged = negatives(stream(b, 4 * D, rng(6), surge))
    base = negatives(stream(b, 4 * D, rng(6)))
    during = slice(onset, onset + robustness.SURGE_BUCKETS)
    assert surged[during].sum() / base[during].sum() == pytest.approx(4.0, rel=0.1)
    assert surged[: onset - 1].tolist() == base[: onset - 1].tolist()


@pytest.mark.parametrize("share", [0.05, 0.2, 0.4])
def test_a_share_only_surge_keeps_the_total(share: float) -> None:
    neg_x, other_x = robustness._shapes(brand(share=share))["share_only"](0)
    assert neg_x == robustness.SHARE_SURGE_FACTOR
    assert share * neg_x + (1 - share) * other_x == pytest.approx(1.0)


def test_bursts_raise_a_few_buckets_and_leave_the_typical_one() -> None:
    b = brand(dispersion=0.01, floor=1.0)
    calm = negatives(stream(b, 28 * D, np.random.default_rng(7)))
    bursty = negatives(stream(b, 28 * D, np.random.default_rng(7), Variation(bursts_per_day=1)))
    assert bursty.max() > 1.4 * calm.max()
    assert np.median(bursty) == pytest.approx(np.median(calm), rel=0.05)


def test_an_outage_empties_its_hours_only() -> None:
    windows = stream(brand(), 2 * D, np.random.default_rng(8))
    out = robustness._outage(windows, 30)
    hours = robustness.OUTAGE_HOURS * 4
    assert all(w.total == w.negative == 0 for w in out[30 : 30 + hours])
    assert out[:30] == windows[:30]
    assert out[30 + hours :] == windows[30 + hours :]


def _report(seed: int) -> dict[str, object]:
    """`evaluate`'s report shape, with figures that depend on the seed."""
    quiet = {"false_incidents": 1, "false_incidents_first_week": 1}
    return {
        "quiet": quiet,
        "growing": {"false_incidents": 2},
        "clock_shift": {"false_incidents": 0},
        "outage": {"extra_incidents": 1},
        "bursty": {"pages": 5},
        "surges": {
            "surges": 60,
            "missed_surges": seed,
            "missed_surges_of_10_or_more_per_bucket": 0,
            "median_delay_buckets": 2,
            "false_incidents_before_onset": 3,
        },
    }


def fake_evaluate(params: object, policy: object, seed: int, *, jobs: int = 1) -> dict[str, object]:
    return _report(seed)


def test_several_seeds_total_the_summaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """File names and the seeds' parallel run are `bench.run_seeds`' (tested with
    the crisis bench); here, that this bench's summary adds up."""
    monkeypatch.setattr(robustness, "evaluate", fake_evaluate)
    result = robustness.run(tmp_path, "sensitive", (3, 4))
    assert [p.name for p in tmp_path.iterdir()] == ["robustness-sensitive-seeds.json"]
    totals = result["totals"]
    assert isinstance(totals, dict)
    assert totals["missed_surges"] == 3 + 4
    assert totals["false_incidents"] == 2 * (1 + 2 + 0 + 1 + 3)
    assert totals["bursty_pages"] == 2 * 5
    assert "median_delay_buckets" not in totals
    robustness.run(tmp_path, None, (robustness.SEED,))
    assert (tmp_path / "robustness.json").is_file()


def test_run_needs_a_seed(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one seed"):
        robustness.run(tmp_path, None, ())


@pytest.mark.slow
def test_the_committed_report_is_what_the_code_gives(tmp_path: Path) -> None:
    """bench/results/robustness.json is rerun whenever the detector changes."""
    result = robustness.run(tmp_path)
    committed = json.loads((RESULTS / "robustness.json").read_text(encoding="utf-8"))
    assert json.loads(json.dumps(result, sort_keys=True)) == committed
    surges = result["surges"]
    assert isinstance(surges, dict)
    assert surges["surges"] == robustness.BRANDS * 3
    assert surges["missed_surges"] == len(surges["missed"])
    assert surges["missed_surges"] == sum(s["missed"] for s in surges["shapes"].values())
