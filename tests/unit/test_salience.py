"""Distinctive top terms: keyness against the brand's usual complaints."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamproc import codec
from streamproc.alerting import AlertPolicy
from streamproc.detector import DetectorParams
from streamproc.engine import BrandParams, BrandState, accumulate, admit, close_due
from streamproc.model import Mention, ScoredMention, SentimentScore, Verdict
from streamproc.salience import HALFLIFE_MS, TermBackground, distinctive, keyness, learn
from streamproc.terms import keyed_terms
from streamproc.windows import BucketAcc, bucket_of

WIDTH = 900_000
PARAMS = BrandParams(width_ms=WIDTH, detector=DetectorParams(bucket_ms=WIDTH), policy=AlertPolicy())
T0 = 1_772_409_600_000  # 2026-03-02T00:00Z


@pytest.mark.parametrize(
    ("count", "here", "usual", "usual_total", "sign"),
    [
        (5, 10, 0, 1000, 1),  # never heard before
        (5, 10, 50, 1000, 1),  # heard, but ten times less often
        (1, 10, 100, 1000, 0),  # as often as usual
        (1, 10, 500, 1000, -1),  # less often than usual
        (3, 10, 0, 0, 0),  # no background: no keyness, the count decides
    ],
)
def test_keyness_sign(count: int, here: int, usual: float, usual_total: float, sign: int) -> None:
    k = keyness(count, here, usual, usual_total)
    if sign == 0:
        assert k == pytest.approx(0.0, abs=1e-9)
    else:
        assert math.copysign(1, k) == sign
        assert abs(k) > 0.1


def test_a_word_said_often_outranks_one_said_once_when_both_are_new() -> None:
    assert keyness(200, 2000, 0, 20_000) > keyness(1, 2000, 0, 20_000)


def test_usual_words_give_way_to_new_ones_but_still_fill_the_list() -> None:
    usual = TermBackground(counts={"vuelo": 400.0, "retraso": 300.0, "maleta": 300.0}, mass=1000.0)
    bucket = {"vuelo": 12, "retraso": 9, "intoxicacion": 5, "menu": 3}
    assert [t for t, _ in distinctive(bucket, usual, 10, 0)] == [
        "intoxicacion",
        "menu",
        "vuelo",
        "retraso",
    ]
    assert distinctive(bucket, usual, 1, 0) == (("intoxicacion", 5),)


def test_without_a_background_the_most_frequent_come_first() -> None:
    bucket = {"b": 2, "a": 2, "c": 7}
    assert distinctive(bucket, TermBackground(), 10, 0) == (("c", 7), ("a", 2), ("b", 2))


def actual(bg: TermBackground, at_ms: int) -> dict[str, float]:
    return {t: round(c * bg.scale(at_ms), 9) for t, c in bg.counts.items()}


def test_the_background_decays_and_keeps_the_most_frequent() -> None:
    week = HALFLIFE_MS
    bg = learn(TermBackground(), {"a": 4, "b": 1}, 0)
    bg = learn(bg, {"c": 3}, week)
    assert actual(bg, week) == {"a": 2.0, "b": 0.5, "c": 3.0}
    assert bg.mass * bg.scale(week) == pytest.approx(5.5)
    assert learn(bg, {}, 2 * week) is bg  # an empty bucket costs nothing
    pruned = learn(bg, {"d": 1}, week, limit=2)  # 4 terms > 1.25 x 2: pruned to 2
    assert actual(pruned, week) == {"c": 3.0, "a": 2.0}
    assert pruned.mass * pruned.scale(week) == pytest.approx(5.0)


def test_counts_far_behind_their_reference_are_rescaled_the_same() -> None:
    late = 30 * HALFLIFE_MS
    bg = learn(learn(TermBackground(), {"a": 2**30}, 0), {"b": 1}, late)
    assert bg.ref_ms == late
    assert actual(bg, late) == {"a": 1.0, "b": 1.0}


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.sampled_from("abcdefgh"), st.integers(1, 50), max_size=8),
    st.dictionaries(st.sampled_from("abcdefghij"), st.floats(0.1, 500), max_size=10),
    st.integers(1, 10),
)
def test_distinctive_is_a_deterministic_pick_of_the_bucket_s_own_terms(
    bucket: dict[str, int], usual: dict[str, float], limit: int
) -> None:
    bg = TermBackground(counts=usual, mass=sum(usual.values()))
    ranked = distinctive(bucket, bg, limit, 0)
    assert len(ranked) == min(limit, len(bucket))
    assert all(bucket[t] == c for t, c in ranked)
    assert ranked == distinctive(dict(reversed(list(bucket.items()))), bg, limit, 0)


def scored(mid: str, ts: int, text: str) -> ScoredMention:
    return ScoredMention(
        mention=Mention(mention_id=mid, text=text, created_at_ms=ts),
        brand="b",
        lang="es",
        sentiment=SentimentScore(label="negative", score=-0.9, confidence=0.9, method="t"),
    )


def judge(state: BrandState, start: int, texts: list[str]) -> tuple[BrandState, Verdict]:
    acc: BucketAcc | None = None
    for i, text in enumerate(texts):
        admitted = admit(state, start + i, WIDTH)
        assert admitted is not None
        state = admitted
        acc = accumulate(acc, scored(f"{start}-{i}", start + i, text), frozenset({"b"}), WIDTH)
    accs = {bucket_of(start, WIDTH)[0]: acc} if acc is not None else {}
    judged = close_due(state, "b", start + WIDTH, accs, PARAMS)
    (verdict,) = judged.verdicts
    return judged.state, verdict


def test_an_alert_shows_the_new_complaint_first_and_does_not_learn_it() -> None:
    state = BrandState.new(PARAMS)
    usual = ["vuelo con retraso otra vez", "perdieron maleta vuelo", "retraso vuelo"]
    for k in range(4 * 96):  # four days of the brand's usual complaints
        state, verdict = judge(state, T0 + k * WIDTH, usual)
    key = dict(keyed_terms(" ".join([*usual, "intoxicacion"]), "es"))  # form -> stem
    assert state.terms.counts[key["vuelo"]] > state.terms.counts[key["maleta"]] > 0
    surge = usual * 4 + ["intoxicacion con el menu del vuelo"] * 30
    start = T0 + 4 * 96 * WIDTH
    state, verdict = judge(state, start, surge)
    assert verdict.kind == "anomalous"
    terms = [t for t, _ in verdict.window.top_terms]
    # By count "vuelo" (42 of them) would lead; against the brand's usual it is old news.
    assert terms[:2] == ["intoxicacion", "menu"]
    assert set(terms[2:]) == {"vuelo", "retraso", "perdieron", "maleta"}
    assert key["intoxicacion"] not in state.terms.counts
    # The background survives the brand's stored state, and old states read as empty.
    assert codec.brand_state_from_dict(codec.brand_state_to_dict(state)) == state
    old = codec.brand_state_to_dict(state)
    del old["terms"]
    assert codec.brand_state_from_dict(old).terms == TermBackground()
