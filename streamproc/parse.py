"""Raw bytes from the `mentions` topic -> a `Mention` or a `Rejection`.

Every way a record can be wrong has a stable reason code, so that the
dead-letter topic can be counted and searched by reason. Nothing here raises
on bad input: a bad record is a value.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import datetime

from streamproc.model import MAX_TEXT_CHARS, Mention, Rejection

REASONS: tuple[str, ...] = (
    "invalid_utf8",
    "invalid_json",
    "not_an_object",
    "missing_field",
    "wrong_type",
    "empty_field",
    "text_too_long",
    "bad_timestamp",
    "out_of_range",
    "internal_error",
)
"""Every rejection reason code, stable across versions (metrics labels use them)."""

KNOWN_FIELDS = frozenset(
    {
        "id",
        "text",
        "created_at",
        "brand",
        "lang",
        "source",
        "author",
        "url",
        "followers",
        "sentiment",
    }
)

# Event times outside these bounds are typos or unit mistakes (ms given as s).
_MIN_TS_MS = 946_684_800_000  # 2000-01-01
_MAX_TS_MS = 4_102_444_800_000  # 2100-01-01
_LANG_RE = re.compile(r"^[a-z]{2,3}$")
_SLUG_RE = re.compile(r"[^a-z0-9]+")


class _Reject(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def slugify(name: str) -> str:
    """The key form of a brand name: lower case, a-z0-9 and '-'.

    >>> slugify("Maré Cosmetics")
    'mare-cosmetics'
    """
    import unicodedata

    folded = unicodedata.normalize("NFKD", name.casefold())
    ascii_only = "".join(c for c in folded if not unicodedata.combining(c))
    return _SLUG_RE.sub("-", ascii_only).strip("-")


def parse_timestamp_ms(value: object) -> int:
    """Event time in epoch ms from ISO-8601 with a zone, or Unix seconds.

    >>> parse_timestamp_ms("2026-03-02T10:00:00Z")
    1772445600000
    >>> parse_timestamp_ms(1772445600)
    1772445600000
    """
    if isinstance(value, bool):
        raise _Reject("bad_timestamp", "created_at is a boolean")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise _Reject("bad_timestamp", "created_at is not a finite number")
        ms = round(value * 1000)
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            detail = f"created_at {text[:40]!r} is not ISO-8601"
            raise _Reject("bad_timestamp", detail) from None
        if parsed.tzinfo is None:
            detail = f"created_at {text[:40]!r} has no time zone"
            raise _Reject("bad_timestamp", detail)
        ms = round(parsed.timestamp() * 1000)
    else:
        detail = f"created_at is a {type(value).__name__}, not a string or number"
        raise _Reject("wrong_type", detail)
    if not _MIN_TS_MS <= ms < _MAX_TS_MS:
        raise _Reject("bad_timestamp", "created_at is outside the years 2000-2099")
    return ms


def _opt_str(obj: Mapping[str, object], name: str) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        detail = f"{name} is a {type(value).__name__}, not a string"
        raise _Reject("wrong_type", detail)
    return value.strip() or None


def _required_str(obj: Mapping[str, object], name: str) -> str:
    if name not in obj or obj[name] is None:
        raise _Reject("missing_field", f"missing required field {name!r}")
    value = obj[name]
    if not isinstance(value, str):
        detail = f"{name} is a {type(value).__name__}, not a string"
        raise _Reject("wrong_type", detail)
    if not value.strip():
        raise _Reject("empty_field", f"{name} is empty")
    return value


def _mention_from_object(obj: Mapping[str, object]) -> Mention:
    mention_id = _required_str(obj, "id")
    text = _required_str(obj, "text")
    if len(text) > MAX_TEXT_CHARS:
        detail = f"text has {len(text)} characters (limit {MAX_TEXT_CHARS})"
        raise _Reject("text_too_long", detail)
    if "created_at" not in obj or obj["created_at"] is None:
        raise _Reject("missing_field", "missing required field 'created_at'")
    created_at_ms = parse_timestamp_ms(obj["created_at"])

    brand = _opt_str(obj, "brand")
    lang = _opt_str(obj, "lang")
    if lang is not None:
        lang = lang.lower().split("-")[0].split("_")[0]
        if not _LANG_RE.match(lang):
            raise _Reject("out_of_range", f"lang {lang[:20]!r} is not an ISO 639 code")

    followers = obj.get("followers")
    if followers is not None:
        if isinstance(followers, bool) or not isinstance(followers, int):
            detail = f"followers is a {type(followers).__name__}, not an integer"
            raise _Reject("wrong_type", detail)
        if followers < 0:
            raise _Reject("out_of_range", "followers is negative")

    sentiment = obj.get("sentiment")
    upstream: float | None = None
    if sentiment is not None:
        if isinstance(sentiment, bool) or not isinstance(sentiment, int | float):
            detail = f"sentiment is a {type(sentiment).__name__}, not a number"
            raise _Reject("wrong_type", detail)
        if not -1.0 <= float(sentiment) <= 1.0:
            raise _Reject("out_of_range", "sentiment is outside [-1, 1]")
        upstream = float(sentiment)

    brand_slug = slugify(brand) if brand else ""
    return Mention(
        mention_id=mention_id,
        text=text,
        created_at_ms=created_at_ms,
        brands=(brand_slug,) if brand_slug else (),
        lang=lang,
        source=(_opt_str(obj, "source") or "").lower() or None,
        author=_opt_str(obj, "author"),
        url=_opt_str(obj, "url"),
        followers=followers,
        upstream_sentiment=upstream,
        extra={k: v for k, v in obj.items() if k not in KNOWN_FIELDS},
    )


def parse(raw: bytes) -> Mention | Rejection:
    """Decode one record; a bad one becomes a `Rejection` carrying the raw bytes.

    >>> parse(b'{"id": "1", "text": "hola", "created_at": 1772445600}').mention_id
    '1'
    >>> parse(b"not json").reason
    'invalid_json'
    """
    try:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            detail = f"not UTF-8 (byte {exc.start})"
            raise _Reject("invalid_utf8", detail) from None
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            detail = f"not JSON: {exc.msg} at column {exc.colno}"
            raise _Reject("invalid_json", detail) from None
        if not isinstance(obj, dict):
            detail = f"a JSON {type(obj).__name__}, not an object"
            raise _Reject("not_an_object", detail)
        return _mention_from_object(obj)
    except _Reject as rejected:
        return Rejection(reason=rejected.reason, detail=rejected.detail, raw=raw)
