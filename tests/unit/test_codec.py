from hypothesis import given
from hypothesis import strategies as st

from streamproc import codec
from streamproc.alerting import AlertPolicy
from streamproc.detector import DetectorParams
from streamproc.engine import BrandParams, BrandState
from streamproc.model import (
    AlertEvent,
    AlertStatus,
    Mention,
    Sample,
    ScoredMention,
    SentimentScore,
    Severity,
)
from streamproc.windows import PartitionClock, WatermarkRules, empty_bucket

T0 = 1_772_409_600_000
SAMPLE = Sample(
    mention_id="1",
    text="yogur caducado",
    created_at_ms=T0 + 1000,
    lang="es",
    author="a",
    url="https://x.example/1",
    followers=5,
    score=-0.75,
)


def event(**kw: object) -> AlertEvent:
    base: dict[str, object] = dict(  # noqa: C408 - keyword form reads best here
        alert_id="a1",
        incident_id="i1",
        brand="verdalia",
        status=AlertStatus.FIRING,
        severity=Severity.CRITICAL,
        window_start_ms=T0,
        window_end_ms=T0 + 900_000,
        observed=40.0,
        expected=5.0,
        score=12.5,
        growth=2.0,
        share=0.6,
        onset_ms=T0,
        detected_at_ms=T0 + 900_000,
        languages={"es": 30, "ca": 10},
        sources={"twitter": 40},
        top_terms=("caducado",),
        samples=(SAMPLE,),
        authors=33,
        top_author_share=0.1,
        total=70,
        baseline_young=True,
        record_days=9,
        reason="anomaly",
    )
    base.update(kw)
    return AlertEvent(**base)  # type: ignore[arg-type]


def test_alert_roundtrip_and_wire_names() -> None:
    e = event()
    d = codec.alert_to_dict(e)
    for key in (
        "alert_id",
        "incident_id",
        "brand",
        "status",
        "severity",
        "window_start",
        "window_end",
        "observed",
        "expected",
        "score",
        "growth",
        "languages",
        "sources",
        "top_terms",
        "samples",
        "detected_at",
    ):
        assert key in d
    assert d["window_start"] == "2026-03-02T00:00:00Z"
    assert d["record_days"] == 9
    assert codec.alert_from_dict(d) == e
    older = {k: v for k, v in d.items() if k != "record_days"}  # a worker before the field
    assert codec.alert_from_dict(older).record_days == 0


@given(st.integers(946_684_800_000, 4_102_444_799_000))
def test_iso_roundtrip(ms: int) -> None:
    assert codec.ms_from_iso(codec.iso_ms(ms)) == ms


def test_scored_roundtrip() -> None:
    m = Mention(
        mention_id="1",
        text="t",
        created_at_ms=T0,
        brands=("b",),
        lang="es",
        source="news",
        author="x",
        url="u",
        followers=3,
    )
    s = ScoredMention(
        mention=m,
        brand="b",
        lang="es",
        sentiment=SentimentScore(label="negative", score=-0.5, confidence=0.8, method="x"),
    )
    assert codec.scored_from_dict(codec.scored_to_dict(s)) == s


def test_tables_roundtrip() -> None:
    acc = empty_bucket("b", T0, 900_000)
    assert codec.bucket_from_dict(codec.bucket_to_dict(acc)) == acc
    params = BrandParams(width_ms=900_000, detector=DetectorParams(), policy=AlertPolicy())
    state = BrandState.new(params)
    assert codec.brand_state_from_dict(codec.brand_state_to_dict(state)) == state
    clock = PartitionClock.new(WatermarkRules(sources=2)).observe(0, 5, 1).with_brand("b")
    assert codec.clock_from_dict(codec.clock_to_dict(clock)) == clock


def test_dumps_is_canonical() -> None:
    assert codec.dumps({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()
