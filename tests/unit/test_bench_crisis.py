"""The crisis bench's generator and report (the figures themselves live in bench/results)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from streamproc.alerting import AlertPolicy
from streamproc.bench import crisis, judging_pool
from streamproc.detector import DetectorParams, scores, spans
from streamproc.model import WindowStats

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"


def test_brands_span_small_to_large() -> None:
    brands = crisis.make_brands(np.random.default_rng(0))
    assert len(brands) == crisis.BRANDS
    peaks = [b.peak_negative for b in brands]
    assert 2 <= min(peaks) < 6
    assert 20 < max(peaks) <= 50


def test_rhythm_has_quiet_nights_and_a_weekend() -> None:
    brand = crisis.make_brands(np.random.default_rng(0))[0]
    day = [crisis.rhythm(brand, i) for i in range(crisis.BUCKETS_PER_DAY)]
    assert max(day) == pytest.approx(1.0, abs=0.02)
    assert min(day) == pytest.approx(brand.night_floor, abs=0.02)
    saturday = 1 * crisis.BUCKETS_PER_DAY + 50  # day 0 is a Friday
    assert crisis.rhythm(brand, saturday) == pytest.approx(brand.weekend * day[50])


def test_streams_are_deterministic_and_share_only_keeps_the_volume() -> None:
    brand = crisis.make_brands(np.random.default_rng(0))[3]
    a = list(crisis.stream(brand, 300, np.random.default_rng(5)))
    b = list(crisis.stream(brand, 300, np.random.default_rng(5)))
    assert a == b
    assert all(w.end_ms - w.start_ms == crisis.BUCKET_MS for w in a)
    neg_x, other_x = crisis._shapes(np.random.default_rng(0))["share_only"](0)
    share = 0.2
    assert neg_x * share + other_x * (1 - share) == pytest.approx(1.0)


def test_an_attention_surge_raises_every_mention_and_keeps_the_share() -> None:
    brand = crisis.make_brands(np.random.default_rng(0))[3]
    (surge,) = crisis._attention_shape(np.random.default_rng(0)).values()
    neg_x, other_x = surge(0)
    assert 3 <= neg_x <= 10
    assert other_x == neg_x
    onset, length = 150, 60
    windows = list(crisis.stream(brand, onset + length, np.random.default_rng(5), onset, surge))
    before, during = windows[onset - length : onset], windows[onset:]
    volume = sum(w.total for w in during) / sum(w.total for w in before)
    assert volume > 2
    share_before = sum(w.negative for w in before) / sum(w.total for w in before)
    share_during = sum(w.negative for w in during) / sum(w.total for w in during)
    assert share_during == pytest.approx(share_before, rel=0.15)


def _daily(windows: list[WindowStats]) -> tuple[np.ndarray, np.ndarray]:
    """Each day's total mentions and negative share."""
    days = len(windows) // crisis.BUCKETS_PER_DAY
    neg = np.zeros(days)
    tot = np.zeros(days)
    for i, w in enumerate(windows[: days * crisis.BUCKETS_PER_DAY]):
        neg[i // crisis.BUCKETS_PER_DAY] += w.negative
        tot[i // crisis.BUCKETS_PER_DAY] += w.total
    return tot, neg / tot


def test_a_wandering_brand_s_days_differ_in_volume_and_share() -> None:
    """A day's volume and share are drawn at midnight for the whole day, so the
    day totals and day shares spread by about the asked amount; a brand that
    does not wander spreads only by its buckets' noise, which a day averages out."""
    brand = replace(crisis.make_brands(np.random.default_rng(0))[14], weekend=1.0)
    assert brand.peak_negative > 20  # enough mentions a day that the noise averages out
    days = 60 * crisis.BUCKETS_PER_DAY
    steady = list(crisis.stream(brand, days, np.random.default_rng(1)))
    wandering = replace(brand, day_volume_sd=0.2, day_share_sd=0.2)
    drifting = list(crisis.stream(wandering, days, np.random.default_rng(1)))
    steady_tot, steady_share = _daily(steady)
    tot, share = _daily(drifting)
    assert np.std(np.log(steady_tot)) < 0.05
    assert 0.14 < np.std(np.log(tot)) < 0.26
    log_odds = np.log(share / (1 - share))
    assert np.std(np.log(steady_share / (1 - steady_share))) < 0.05
    assert 0.14 < np.std(log_odds) < 0.26


def test_a_rhythmic_brand_s_share_swings_over_the_day_and_its_volume_does_not_change() -> None:
    """The share's log-odds swing by the asked amount either side of the
    brand's, peaking at the asked hour; all mentions keep the volume's rhythm."""
    brand = replace(crisis.make_brands(np.random.default_rng(0))[14], weekend=1.0)
    days = 30 * crisis.BUCKETS_PER_DAY
    rhythmic = replace(brand, share_amplitude=0.5, share_peak_hour=9.0)
    steady = list(crisis.stream(brand, days, np.random.default_rng(1)))
    swinging = list(crisis.stream(rhythmic, days, np.random.default_rng(1)))
    neg, tot = np.zeros(24), np.zeros(24)
    for i, w in enumerate(swinging):
        hour = (i % crisis.BUCKETS_PER_DAY) // 4
        neg[hour] += w.negative
        tot[hour] += w.total
    log_odds = np.log(neg / (tot - neg)) - np.log(brand.share / (1 - brand.share))
    # The day's first harmonic of the hourly log-odds: its size and its peak hour.
    angle = (np.arange(24) + 0.375) / 24 * 2 * np.pi  # an hour's buckets centre on :22
    wave = 2 / 24 * np.sum(log_odds * np.exp(-1j * angle))
    assert 0.45 < abs(wave) < 0.55
    assert 8.5 < -np.angle(wave) / (2 * np.pi) * 24 % 24 < 9.5
    ratio = sum(w.total for w in swinging) / sum(w.total for w in steady)
    assert 0.97 < ratio < 1.03


@pytest.mark.parametrize(
    ("section", "drawn"),
    [
        (crisis._wandering, {"day_volume_sd": 0.2, "day_share_sd": 0.2}),
        (crisis._share_rhythm, {"share_log_odds_swing": crisis.SHARE_RHYTHM}),
    ],
)
def test_a_quiet_section_s_report_adds_up(
    section: Callable[..., dict[str, object]], drawn: dict[str, float]
) -> None:
    brands = crisis.make_brands(np.random.default_rng(3))[:4]
    report = section(brands, np.random.default_rng(3), DetectorParams(), AlertPolicy())
    by_brand = report["false_incidents_by_brand"]
    assert isinstance(by_brand, dict)
    assert report["false_incidents"] == sum(by_brand.values())
    assert report["days"] == crisis.LONG_QUIET_DAYS
    assert {key: report[key] for key in drawn} == drawn


@pytest.mark.parametrize("kind", ["sudden", "weekend", "night"])
def test_established_onsets_come_after_a_week_at_the_asked_time(kind: str) -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        onset = crisis._established_onset(kind, rng)
        day, hour = divmod(onset, crisis.BUCKETS_PER_DAY)
        assert 8 <= day <= 20
        if kind == "weekend":
            assert (day + 4) % 7 in (5, 6)  # day 0 is a Friday
        if kind == "night":
            assert 4 <= hour <= 20  # 1 to 5 o'clock


def test_a_surge_is_found_and_quiet_brands_stay_quiet() -> None:
    brand = crisis.make_brands(np.random.default_rng(1))[7]
    params, policy = DetectorParams(), AlertPolicy()
    quiet = crisis.incidents(crisis.stream(brand, 3 * 96, np.random.default_rng(2)), params, policy)
    assert quiet == []
    onset = 2 * 96 + 60
    surge = crisis.stream(brand, onset + 12, np.random.default_rng(2), onset, lambda _k: (8.0, 1.0))
    fired = crisis.incidents(surge, params, policy)
    assert fired
    assert onset <= fired[0] <= onset + 2


def test_a_history_pages_nobody_and_what_follows_is_judged_against_it() -> None:
    """`incidents`' history is learnt as the pipeline learns a brand's history
    file: a surge inside it opens nothing; the judging starts after it."""
    brand = crisis.make_brands(np.random.default_rng(1))[7]
    params, policy = DetectorParams(), AlertPolicy()
    early, late = 2 * 96 + 60, 4 * 96 + 60

    def surges(k: int) -> tuple[float, float]:
        """x8 for two hours at `early`, x24 from `late` (a level the history never saw)."""
        return (8.0, 1.0) if k < 8 else (24.0, 1.0) if k >= late - early else (1.0, 1.0)

    rng = np.random.default_rng(2)
    windows = list(crisis.stream(brand, late + 12, rng, early, surges, late + 12))
    cold = crisis.incidents(windows, params, policy)
    assert early <= cold[0] <= early + 2  # judged from the start, the first surge pages
    given = crisis.incidents(windows, params, policy, history=4 * 96)
    assert given
    assert all(i >= late for i in given)
    assert given[0] <= late + 2


def test_first_day_with_history_onsets_come_on_the_first_live_day() -> None:
    rng = np.random.default_rng(3)
    onsets = [crisis._with_history_onset("sudden", rng) for _ in range(200)]
    first = crisis.HISTORY_DAYS * crisis.BUCKETS_PER_DAY
    assert min(onsets) >= first + 8 * 4
    assert max(onsets) <= first + 22 * 4


def test_onboarding_brands_start_cold_on_their_drawn_weekday() -> None:
    brands = crisis.make_brands(np.random.default_rng(4))[:3]
    params, policy = DetectorParams(), AlertPolicy()
    first = crisis._onboarding(brands, np.random.default_rng(9), params, policy)
    again = crisis._onboarding(brands, np.random.default_rng(9), params, policy)
    assert first == again
    assert first["days"] == crisis.ONBOARDING_DAYS
    by_brand = first["false_incidents_by_brand"]
    assert isinstance(by_brand, dict)
    assert first["false_incidents"] == sum(
        len(v["days_from_onboarding"]) for v in by_brand.values()
    )


def test_onboarding_counts_what_fires_from_the_first_bucket_it_feeds() -> None:
    # A policy that pages at once on any anomalous bucket, with a detector
    # that calls any bucket at or above its baseline anomalous, fires on each
    # brand's first day: days are counted from the brand's own first bucket,
    # not from the stream's Friday.
    brands = crisis.make_brands(np.random.default_rng(4))[:2]
    params = DetectorParams(
        threshold=1e-9,
        min_ratio=1.0,
        young_min_ratio=1.0,
        min_excess=0.0,
        min_observed=0.0,
        novelty_days=0.0,
    )
    policy = AlertPolicy(persistence=1, persistence_window=1, min_volume=0.0)
    out = crisis._onboarding(brands, np.random.default_rng(9), params, policy)
    by_brand = out["false_incidents_by_brand"]
    assert isinstance(by_brand, dict)
    assert set(by_brand) == {b.name for b in brands}
    for v in by_brand.values():
        assert v["days_from_onboarding"][0] < 1.0
    assert {v["first_weekday"] for v in by_brand.values()} - {"Fri"}


def test_a_lasting_step_lasts_to_the_end_of_the_stream() -> None:
    brand = crisis.make_brands(np.random.default_rng(1))[7]
    onset, buckets = 2 * 96, 4 * 96
    windows = list(
        crisis.stream(
            brand, buckets, np.random.default_rng(2), onset, lambda _k: (5.0, 1.0), buckets
        )
    )
    plain = list(crisis.stream(brand, buckets, np.random.default_rng(2)))
    before = sum(w.negative for w in windows[:onset])
    assert before == sum(w.negative for w in plain[:onset])
    late = sum(w.negative for w in windows[-96:])
    assert late > 3 * sum(w.negative for w in plain[-96:])


def test_first_day_surges_come_after_8_hours_of_a_brand_s_first_day() -> None:
    rng = np.random.default_rng(3)
    onsets = [crisis._first_day_onset("sudden", rng) for _ in range(200)]
    assert min(onsets) >= 8 * 4
    assert max(onsets) <= 22 * 4
    shapes = crisis._first_day_shapes(rng)
    assert tuple(shapes) == crisis.FIRST_DAY_SHAPES
    assert shapes["attention"](0)[0] == shapes["attention"](0)[1]  # the share unchanged


def test_steps_report_what_paged_and_when() -> None:
    brands = crisis.make_brands(np.random.default_rng(4))[:3]
    params, policy = DetectorParams(), AlertPolicy()
    first = crisis._steps(brands, np.random.default_rng(9), params, policy)
    # The same draws, judged in two other processes: the same report.
    with judging_pool(2) as pool:
        assert first == crisis._steps(brands, np.random.default_rng(9), params, policy, pool)
    by_factor = first["by_factor"]
    assert isinstance(by_factor, dict)
    assert set(by_factor) == {f"x{f:g}" for f in crisis.STEP_FACTORS}
    for v in by_factor.values():
        assert v["steps"] == len(brands)
        assert v["found_within_a_day"] + len(v["missed"]) == len(brands)
    # Five times the negatives, for good: found at once and paged once each.
    x5 = by_factor["x5"]
    assert x5["found_within_a_day"] == len(brands)
    assert x5["incidents_after_onset"] == len(brands)
    assert x5["paged_again"] == []
    assert x5["max_delay_buckets"] <= 2
    for v in by_factor.values():
        assert 0 <= v["found_after_a_day"] <= len(v["missed"])
        pages = v["found_within_a_day"] + v["found_after_a_day"] + len(v["paged_again"])
        assert v["incidents_after_onset"] >= pages
    # The report keeps what was missed, to read what a step it missed looked like.
    for v in by_factor.values():
        for m in v["missed"]:
            assert set(m) == {"brand", "peak_negative", "onset_hour"}


def test_steps_name_the_brands_a_step_paged_again() -> None:
    # No cooldown and a quick resolution: a step pages, resolves once the
    # baseline has learnt it, and a later misfit pages it again.
    brands = crisis.make_brands(np.random.default_rng(4))[:3]
    policy = AlertPolicy(cooldown_ms=0, resolve_after=1, persistence=1, persistence_window=1)
    params = DetectorParams(threshold=2.0, novelty_days=0.0, min_ratio=1.1, min_excess=1.0)
    out = crisis._steps(brands, np.random.default_rng(9), params, policy)["by_factor"]
    assert isinstance(out, dict)
    again = {name for v in out.values() for name in v["paged_again"]}
    assert again
    assert again <= {b.name for b in brands}
    for v in out.values():
        assert len(v["paged_again"]) <= v["incidents_after_onset"] - v["found_within_a_day"]


def test_a_small_brand_s_lasting_step_pages_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A brand of about 4 negatives a bucket at its peak, five times that for
    good from 00:45 on day 10: one page within the hour. Without the test of
    the recent days, the next afternoon's buckets, no higher than the day
    before's, were new for the brand's k-th daily peak and paged the step
    again once the day's cooldown was over. (That second page shows with the
    share judged over spans of up to 2 hours, as when it was found; over 8
    hours the share's score changes which buckets pass, and this stream no
    longer shows it either way.)"""
    brand = crisis.make_brands(np.random.default_rng(0))[11]
    onset = 10 * crisis.BUCKETS_PER_DAY + 3
    buckets = onset + crisis.STEP_WATCH_DAYS * crisis.BUCKETS_PER_DAY
    windows = list(
        crisis.stream(
            brand, buckets, np.random.default_rng(15), onset, crisis._lasting(5.0), buckets
        )
    )
    params, policy = DetectorParams(), AlertPolicy()
    fired = crisis.incidents(iter(windows), params, policy)
    assert len(fired) == 1
    assert onset <= fired[0] <= onset + 12
    monkeypatch.setattr(scores, "_LONG_SPANS", spans._SPANS)
    assert crisis.incidents(iter(windows), params, policy) == fired
    # `new_peak_margin` holds that misfit back too: the next afternoon tops the
    # k-th peak by less than two of the brand's standard deviations.
    assert (
        crisis.incidents(iter(windows), replace(params, novelty_recent_days=0.0), policy) == fired
    )
    off = replace(params, novelty_recent_days=0.0, new_peak_margin=0.0)
    again = crisis.incidents(iter(windows), off, policy)
    assert again[0] == fired[0]
    assert len(again) == 2
    assert again[1] - onset > crisis.BUCKETS_PER_DAY


@pytest.mark.slow
def test_run_writes_the_report(tmp_path: Path) -> None:
    """bench/results/crisis.json is rerun whenever the detector changes."""
    result = crisis.run(tmp_path)
    on_disk = json.loads((tmp_path / "crisis.json").read_text(encoding="utf-8"))
    assert on_disk == json.loads(json.dumps(result))
    assert on_disk == json.loads((RESULTS / "crisis.json").read_text(encoding="utf-8"))
    shapes = result["shapes"]
    assert isinstance(shapes, dict)
    assert set(shapes) == {"sudden", "slow_burn", "small_brand", "weekend", "night", "share_only"}
    assert result["surges"] == crisis.BRANDS * len(shapes)
    missed = result["missed_surges"]
    assert isinstance(missed, int)
    assert missed == sum(s["missed"] for s in shapes.values())
    established = result["established"]
    assert isinstance(established, dict)
    assert set(established["shapes"]) == set(shapes)
    assert established["surges"] == result["surges"]
    assert established["missed_surges"] == len(established["missed"])
    long_quiet = result["long_quiet"]
    assert isinstance(long_quiet, dict)
    assert long_quiet["days"] == crisis.LONG_QUIET_DAYS
    onboarding = result["onboarding"]
    assert isinstance(onboarding, dict)
    assert onboarding["days"] == crisis.ONBOARDING_DAYS
    steps = result["steps"]
    assert isinstance(steps, dict)
    assert steps["watch_days"] == crisis.STEP_WATCH_DAYS
    attention = result["attention"]
    assert isinstance(attention, dict)
    for age in ("cold", "established"):
        assert set(attention[age]["shapes"]) == {"attention"}
        assert attention[age]["surges"] == crisis.BRANDS
        assert attention[age]["missed_surges"] == len(attention[age]["missed"])
    first_day = result["first_day"]
    assert isinstance(first_day, dict)
    assert set(first_day["shapes"]) == set(crisis.FIRST_DAY_SHAPES)
    assert first_day["surges"] == crisis.BRANDS * len(crisis.FIRST_DAY_SHAPES)
    assert first_day["missed_surges"] == len(first_day["missed"])
    assert all(m["day"] == 0 for m in first_day["missed"])
    given = result["first_day_with_history"]
    assert isinstance(given, dict)
    assert given["history_days"] == crisis.HISTORY_DAYS
    assert set(given["shapes"]) == set(crisis.FIRST_DAY_SHAPES)
    assert given["surges"] == first_day["surges"]
    assert given["missed_surges"] == len(given["missed"])
    assert all(m["day"] == crisis.HISTORY_DAYS for m in given["missed"])


def fake_evaluate(params: object, policy: object, seed: int, *, jobs: int = 1) -> dict[str, object]:
    """`crisis.evaluate`'s report shape, with figures that depend on the seed."""
    report = crisis._example()
    report["missed_surges"] = seed
    return report


@pytest.mark.parametrize(
    ("preset", "seeds", "name"),
    [
        ("strict", (3, 4, 5), "crisis-strict-seeds"),
        (None, (3, 4), "crisis-balanced-seeds"),
    ],
)
def test_several_seeds_report_each_seed_and_the_totals(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    preset: str | None,
    seeds: tuple[int, ...],
    name: str,
) -> None:
    monkeypatch.setattr(crisis, "evaluate", fake_evaluate)
    result = crisis.run(tmp_path, preset, seeds)
    assert [p.name for p in tmp_path.iterdir()] == [f"{name}.json"]
    on_disk = json.loads((tmp_path / f"{name}.json").read_text(encoding="utf-8"))
    assert on_disk == json.loads(json.dumps(result))
    assert on_disk["seeds"] == list(seeds)
    per_seed = on_disk["per_seed"]
    assert [per_seed[str(s)]["cold_missed"] for s in seeds] == list(seeds)
    assert on_disk["totals"]["cold_missed"] == sum(seeds)
    assert on_disk["totals"]["false_incidents"] == 4 * len(seeds)
    assert on_disk["totals"]["steps_x3_within_a_day"] == 20 * len(seeds)
    assert on_disk["totals"]["cold_missed_of_10_or_more"] == 0


@pytest.mark.parametrize(
    ("preset", "seed", "name"),
    [
        (None, crisis.SEED, "crisis"),
        ("balanced", crisis.SEED, "crisis"),
        ("sensitive", crisis.SEED, "crisis-sensitive"),
        (None, 7, "crisis-balanced-seed-7"),
    ],
)
def test_one_seed_writes_the_full_report_under_its_preset_s_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, preset: str | None, seed: int, name: str
) -> None:
    monkeypatch.setattr(crisis, "evaluate", fake_evaluate)
    result = crisis.run(tmp_path, preset, (seed,))
    assert [p.name for p in tmp_path.iterdir()] == [f"{name}.json"]
    assert result["missed_surges"] == seed
    assert result["preset"] == (preset or "balanced")
