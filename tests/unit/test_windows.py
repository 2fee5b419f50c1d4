from dataclasses import replace

import pytest
from faust.windows import TumblingWindow
from hypothesis import given
from hypothesis import strategies as st

from streamproc.model import Mention, ScoredMention, SentimentScore
from streamproc.windows import (
    BucketAcc,
    PartitionClock,
    WatermarkRules,
    bucket_of,
    due_starts,
    empty_bucket,
)

WIDTH = 900_000


def scored(mid: str, ts: int, label: str = "negative", **kw: object) -> ScoredMention:
    mention = Mention(mention_id=mid, text=f"text {mid}", created_at_ms=ts, **kw)  # type: ignore[arg-type]
    return ScoredMention(
        mention=mention,
        brand="b",
        lang=str(kw.get("lang") or "es"),
        sentiment=SentimentScore(label=label, score=-0.8, confidence=0.9, method="t"),  # type: ignore[arg-type]
    )


@given(
    st.integers(min_value=0, max_value=4_000_000_000_000), st.sampled_from([60_000, 300_000, WIDTH])
)
def test_bucket_contains_ts(ts: int, width: int) -> None:
    start, end = bucket_of(ts, width)
    assert start <= ts < end
    assert end - start == width
    assert start % width == 0


@given(st.integers(min_value=0, max_value=4_000_000_000), st.sampled_from([60, 300, 900]))
def test_bucket_parity_with_faust(ts_s: int, width_s: int) -> None:
    """Our bucket start equals Faust's TumblingWindow range start for the same instant."""
    ((faust_start, _),) = TumblingWindow(width_s).ranges(float(ts_s))
    assert bucket_of(ts_s * 1000, width_s * 1000)[0] == int(faust_start) * 1000


def test_acc_counts_and_dedupes() -> None:
    acc = empty_bucket("b", 0, WIDTH)
    acc = acc.add(
        scored("1", 10, source="twitter", author="ann", followers=5), (("caducado", "caduc"),)
    )
    acc = acc.add(scored("2", 20, label="positive"), ())
    same = acc.add(scored("1", 10), (("caducado", "caduc"),))
    assert same is acc
    acc = acc.add(
        scored("3", 30, source="news", author="ann", followers=900),
        (("caducados", "caduc"), ("yogur", "yogur")),
    )
    stats = acc.stats()
    assert (stats.total, stats.negative) == (3, 2)
    assert stats.by_source == {"news": 1, "twitter": 1}
    # Inflected forms count together, shown as the most used (ties: the alphabet's first).
    assert stats.top_terms == (("caducado", 2), ("yogur", 1))
    assert [s.mention_id for s in stats.samples] == ["3", "1"]  # widest reach first
    assert stats.authors == 1
    assert stats.top_author_share == 1.0


@given(st.lists(st.tuples(st.integers(0, 50), st.booleans()), max_size=60))
def test_acc_conserves_counts(items: list[tuple[int, bool]]) -> None:
    acc = empty_bucket("b", 0, WIDTH)
    ids = set()
    for n, neg in items:
        acc = acc.add(scored(str(n), n, "negative" if neg else "neutral"), ())
        ids.add(str(n))
    stats = acc.stats()
    assert stats.total == len(ids)
    assert 0 <= stats.negative <= stats.total
    assert sum(stats.by_lang.values()) == stats.negative


RULES = WatermarkRules(sources=3, lateness_ms=0, idle_ms=1000, live_horizon_ms=10_000)


def test_watermark_is_min_over_sources_and_monotonic() -> None:
    c = PartitionClock.new(RULES)
    c = c.observe(0, 500, 0).observe(1, 300, 0)
    assert c.watermark_ms is None  # source 2 unheard
    c = c.observe(2, 400, 0)
    assert c.watermark_ms == 300
    c = c.observe(1, 900, 0)
    assert c.watermark_ms == 400
    assert c.observe(0, 100, 0) is c  # a source never goes back
    assert c.observe(7, 10_000, 0) is c  # unknown source ignored


def test_tick_does_nothing_for_history() -> None:
    c = PartitionClock.new(RULES).observe(0, 500, 0)
    assert c.tick(1_000_000_000, RULES) is c


def test_tick_unblocks_idle_sources_when_live() -> None:
    now = 100_000
    c = (
        PartitionClock.new(RULES)
        .observe(0, now - 2000, now - 10)
        .observe(1, now - 5000, now - 5000)
    )
    c = c.tick(now, RULES)
    # source 0 is active, 1 and 2 are idle: they stop holding it back
    assert c.watermark_ms == now - 2000


def test_tick_follows_wall_clock_when_all_idle() -> None:
    now = 100_000
    c = PartitionClock.new(RULES)
    c = c.observe(0, now - 3000, now - 3000).observe(1, now - 3000, now - 3000)
    c = c.observe(2, now - 3000, now - 3000)
    c = c.tick(now, RULES)
    assert c.watermark_ms == now - RULES.idle_ms


@pytest.mark.parametrize(
    ("next_start", "watermark", "starts"),
    [
        (None, 5000, []),
        (0, None, []),
        (0, 999, []),
        (0, 1000, [0]),
        (0, 3500, [0, 1000, 2000]),
        (2000, 2500, []),
    ],
)
def test_due_starts(next_start: int | None, watermark: int | None, starts: list[int]) -> None:
    assert list(due_starts(next_start, watermark, 1000)) == starts


def test_with_brand_sorted_unique() -> None:
    c = PartitionClock.new(RULES).with_brand("b").with_brand("a")
    assert c.with_brand("a") is c
    assert c.brands == ("a", "b")


def test_bucket_acc_is_a_value() -> None:
    acc = empty_bucket("b", 0, WIDTH)
    assert replace(acc) == acc
    assert isinstance(acc, BucketAcc)
