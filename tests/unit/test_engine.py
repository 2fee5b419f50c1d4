"""The per-brand judging loop: admission, lateness, gap buckets, determinism."""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from streamproc import codec, detector
from streamproc.alerting import AlertPolicy
from streamproc.detector import DetectorParams
from streamproc.engine import BrandParams, BrandState, ListChunks, accumulate, admit, close_due
from streamproc.model import Mention, ScoredMention, SentimentScore, WindowStats
from streamproc.windows import ID_CHUNK, BucketAcc, bucket_of

WIDTH = 900_000
PARAMS = BrandParams(width_ms=WIDTH, detector=DetectorParams(bucket_ms=WIDTH), policy=AlertPolicy())
T0 = 1_772_409_600_000  # 2026-03-02T00:00Z


def neg(mid: str, ts: int) -> ScoredMention:
    return ScoredMention(
        mention=Mention(mention_id=mid, text="caducado", created_at_ms=ts),
        brand="b",
        lang="es",
        sentiment=SentimentScore(label="negative", score=-0.9, confidence=0.9, method="t"),
    )


def test_first_bucket_is_the_earliest_seen_before_any_closing() -> None:
    s = BrandState.new(PARAMS)
    s1 = admit(s, T0 + 2 * WIDTH + 5, WIDTH)
    assert s1 is not None
    assert s1.next_start_ms == T0 + 2 * WIDTH
    s2 = admit(s1, T0 + WIDTH + 5, WIDTH)
    assert s2 is not None
    assert s2.next_start_ms == T0 + WIDTH
    assert s2.open_starts == (T0 + WIDTH, T0 + 2 * WIDTH)


def test_mention_for_a_judged_bucket_is_late() -> None:
    s = admit(BrandState.new(PARAMS), T0 + 10, WIDTH)
    assert s is not None
    judged = close_due(s, "b", T0 + WIDTH, {}, PARAMS)
    assert judged.state.closed_any
    assert admit(judged.state, T0 + 20, WIDTH) is None
    assert admit(judged.state, T0 + WIDTH + 1, WIDTH) is not None


def test_a_brand_given_a_history_starts_from_it_and_its_buckets_are_late() -> None:
    """The history's buckets were learnt already: a mention in one of them is late,
    and the first live bucket may come any time after its end, without the
    buckets between judged as silence."""
    state = detector.initial_state(PARAMS.detector)
    for i in range(8):
        w = WindowStats(
            brand="b", start_ms=T0 + i * WIDTH, end_ms=T0 + (i + 1) * WIDTH, total=10, negative=2
        )
        state, _ = detector.step(state, w, PARAMS.detector)
    seeded = replace(PARAMS, seed=state)
    s = BrandState.new(seeded)
    assert s.detector is state
    assert s.alert == BrandState.new(PARAMS).alert  # the history paged nobody
    assert admit(s, T0 + 7 * WIDTH + 5, WIDTH) is None
    later = T0 + 30 * WIDTH
    admitted = admit(s, later + 5, WIDTH)
    assert admitted is not None
    judged = close_due(admitted, "b", later + WIDTH, {}, seeded)
    assert [v.window.start_ms for v in judged.verdicts] == [later]
    assert judged.state.detector.buckets_seen == 9


def test_gap_buckets_are_judged_as_empty() -> None:
    s = admit(BrandState.new(PARAMS), T0, WIDTH)
    assert s is not None
    judged = close_due(s, "b", T0 + 5 * WIDTH, {}, PARAMS)
    assert [v.window.start_ms for v in judged.verdicts] == [T0 + i * WIDTH for i in range(5)]
    assert all(v.window.total == 0 for v in judged.verdicts)
    assert judged.state.next_start_ms == T0 + 5 * WIDTH


def test_watermark_inside_a_bucket_does_not_close_it() -> None:
    s = admit(BrandState.new(PARAMS), T0, WIDTH)
    assert s is not None
    judged = close_due(s, "b", T0 + WIDTH - 1, {}, PARAMS)
    assert judged.verdicts == ()
    assert judged.state is s


def run(stream: list[tuple[str, int]], watermarks: list[int]) -> list[object]:
    state = BrandState.new(PARAMS)
    accs: dict[int, BucketAcc] = {}
    out: list[object] = []
    for (mid, ts), wm in zip(stream, watermarks, strict=True):
        admitted = admit(state, ts, WIDTH)
        if admitted is not None:
            state = admitted
            start, _ = bucket_of(ts, WIDTH)
            accs[start] = accumulate(accs.get(start), neg(mid, ts), frozenset({"b"}), WIDTH)
        judged = close_due(state, "b", wm, accs, PARAMS)
        state = judged.state
        for start in judged.closed_starts:
            accs.pop(start)
        out.extend((v.window.start_ms, v.window.negative, v.kind) for v in judged.verdicts)
        out.extend(e.alert_id for e in judged.events)
    return out


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 40 * WIDTH), min_size=1, max_size=80))
def test_same_input_same_output(offsets: list[int]) -> None:
    stream = [(str(i), T0 + off) for i, off in enumerate(sorted(offsets))]
    marks = [ts - 60_000 for _, ts in stream]
    assert run(stream, marks) == run(stream, marks)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 20 * WIDTH), min_size=1, max_size=60))
def test_counts_are_conserved_across_buckets(offsets: list[int]) -> None:
    stream = [(str(i), T0 + off) for i, off in enumerate(sorted(offsets))]
    marks = [ts for _, ts in stream]
    marks[-1] = T0 + 30 * WIDTH  # flush
    judged = [x for x in run(stream, marks) if isinstance(x, tuple)]
    assert sum(n for _, n, _ in judged) == len(stream)


def test_a_big_bucket_seals_its_ids_and_still_counts_each_mention_once() -> None:
    """1,200 mentions, then all of them again: chunks of ID_CHUNK ids, 1,200 counted."""
    chunks = ListChunks()
    acc: BucketAcc | None = None
    for rnd in range(2):
        for i in range(1200):
            before = acc
            acc = accumulate(acc, neg(str(i), 1000 + i), frozenset(), WIDTH, chunks)
            assert (acc is before) == (rnd == 1)
    assert acc is not None
    assert (acc.total, acc.negative, acc.sealed) == (1200, 1200, 1200 // ID_CHUNK)
    assert len(acc.ids) == 1200 % ID_CHUNK
    sealed = [chunks.get(k) for k in range(acc.sealed)]
    assert frozenset().union(*sealed, acc.ids) == {str(i) for i in range(1200)}
    assert all(len(c) == ID_CHUNK for c in sealed)


def test_a_sealed_bucket_round_trips_and_old_values_read_as_unsealed() -> None:
    acc = accumulate(None, neg("a", 1000), frozenset(), WIDTH)
    sealed, chunk = acc.seal()
    assert chunk == {"a"}
    assert (sealed.sealed, sealed.ids, sealed.total) == (1, frozenset(), 1)
    assert codec.bucket_from_dict(codec.bucket_to_dict(sealed)) == sealed
    assert codec.id_chunk_from_dict(codec.id_chunk_to_dict(chunk)) == chunk
    old = codec.bucket_to_dict(acc)
    del old["sealed"]  # a value stored before chunks existed
    assert codec.bucket_from_dict(old) == acc
