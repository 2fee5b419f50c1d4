import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamproc.model import MAX_TEXT_CHARS, Mention, Rejection
from streamproc.parse import REASONS, parse, parse_timestamp_ms, slugify

GOOD = {
    "id": "m1",
    "text": "El yogur de @verdalia estaba caducado",
    "created_at": "2026-03-02T10:00:00Z",
}


def raw(obj: object) -> bytes:
    return json.dumps(obj).encode()


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"\xff\xfe not utf8", "invalid_utf8"),
        (b'{"id": "1", "text": "trunc', "invalid_json"),
        (b"", "invalid_json"),
        (raw([1, 2]), "not_an_object"),
        (raw("a string"), "not_an_object"),
        (raw({}), "missing_field"),
        (raw({k: v for k, v in GOOD.items() if k != "id"}), "missing_field"),
        (raw({k: v for k, v in GOOD.items() if k != "text"}), "missing_field"),
        (raw({k: v for k, v in GOOD.items() if k != "created_at"}), "missing_field"),
        (raw({**GOOD, "id": 7}), "wrong_type"),
        (raw({**GOOD, "text": 12}), "wrong_type"),
        (raw({**GOOD, "text": "   "}), "empty_field"),
        (raw({**GOOD, "text": "x" * (MAX_TEXT_CHARS + 1)}), "text_too_long"),
        (raw({**GOOD, "created_at": "yesterday"}), "bad_timestamp"),
        (raw({**GOOD, "created_at": "2026-13-45T99:00"}), "bad_timestamp"),
        (raw({**GOOD, "created_at": "2026-03-02T10:00:00"}), "bad_timestamp"),
        (raw({**GOOD, "created_at": 1.7e15}), "bad_timestamp"),
        (raw({**GOOD, "created_at": True}), "bad_timestamp"),
        (raw({**GOOD, "created_at": [1]}), "wrong_type"),
        (raw({**GOOD, "followers": "many"}), "wrong_type"),
        (raw({**GOOD, "followers": -3}), "out_of_range"),
        (raw({**GOOD, "sentiment": 2.5}), "out_of_range"),
        (raw({**GOOD, "sentiment": "bad"}), "wrong_type"),
        (raw({**GOOD, "lang": "spanish!"}), "out_of_range"),
        (raw({**GOOD, "brand": ["a"]}), "wrong_type"),
    ],
)
def test_rejections_have_stable_reasons_and_keep_bytes(line: bytes, reason: str) -> None:
    result = parse(line)
    assert isinstance(result, Rejection)
    assert result.reason == reason
    assert result.reason in REASONS
    assert result.raw == line
    assert result.detail
    assert "\n" not in result.detail


def test_good_mention_fields() -> None:
    m = parse(
        raw(
            {
                **GOOD,
                "brand": "Verdalia",
                "lang": "ES",
                "source": "Twitter",
                "followers": 10,
                "sentiment": -0.5,
                "custom": {"x": 1},
            }
        )
    )
    assert isinstance(m, Mention)
    assert m.mention_id == "m1"
    assert m.created_at_ms == 1_772_445_600_000
    assert m.brands == ("verdalia",)
    assert m.lang == "es"
    assert m.source == "twitter"
    assert m.followers == 10
    assert m.upstream_sentiment == -0.5
    assert m.extra == {"custom": {"x": 1}}


@pytest.mark.parametrize(
    ("value", "ms"),
    [
        ("2026-03-02T10:00:00Z", 1_772_445_600_000),
        ("2026-03-02T11:00:00+01:00", 1_772_445_600_000),
        ("2026-03-02T10:00:00.250Z", 1_772_445_600_250),
        (1_772_445_600, 1_772_445_600_000),
        (1_772_445_600.5, 1_772_445_600_500),
    ],
)
def test_timestamps(value: object, ms: int) -> None:
    assert parse_timestamp_ms(value) == ms


@pytest.mark.parametrize(
    ("name", "slug"), [("Maré Cosmetics", "mare-cosmetics"), ("Caffè  Orso!", "caffe-orso")]
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


@given(st.binary(max_size=200))
def test_parse_never_raises(data: bytes) -> None:
    assert isinstance(parse(data), Mention | Rejection)


@given(
    st.dictionaries(
        st.sampled_from(["id", "text", "created_at", "lang", "followers", "sentiment", "brand"]),
        st.one_of(st.none(), st.integers(), st.text(max_size=20), st.floats(), st.booleans()),
    )
)
def test_parse_never_raises_on_objects(obj: dict[str, object]) -> None:
    assert isinstance(parse(json.dumps(obj).encode()), Mention | Rejection)
