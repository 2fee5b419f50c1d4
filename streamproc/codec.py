"""The one wire schema: model types <-> JSON-safe dicts, for topics and tables.

Every table value carries a schema version `v`, so a later layout can migrate
instead of misreading a changelog. Times leave the core as DESIGN.md says:
alert events carry ISO-8601 UTC strings (`window_start`, `detected_at`); the
internal topics and tables keep integer ms.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from streamproc import alerting, detector
from streamproc.engine import BrandState
from streamproc.errors import InputFileError
from streamproc.model import (
    AlertEvent,
    AlertStatus,
    Mention,
    Sample,
    ScoredMention,
    SentimentScore,
    Severity,
)
from streamproc.salience import TermBackground
from streamproc.windows import BucketAcc, PartitionClock

SCHEMA_VERSION = 1


def iso_ms(ms: int) -> str:
    """Epoch ms -> ISO-8601 UTC with a Z.

    >>> iso_ms(1772445600000)
    '2026-03-02T10:00:00Z'
    """
    text = datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds")
    text = text.replace("+00:00", "Z")
    return text.replace(".000Z", "Z")


def ms_from_iso(text: str) -> int:
    """ISO-8601 with a zone -> epoch ms."""
    return round(datetime.fromisoformat(text).timestamp() * 1000)


def dumps(obj: Mapping[str, object]) -> bytes:
    """Compact, key-sorted UTF-8 JSON: the same value always gives the same bytes."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _sample_to_dict(s: Sample) -> dict[str, object]:
    return {
        "id": s.mention_id,
        "text": s.text,
        "created_at": iso_ms(s.created_at_ms),
        "lang": s.lang,
        "source": s.source,
        "author": s.author,
        "url": s.url,
        "followers": s.followers,
        "score": round(s.score, 4),
    }


def _sample_from_dict(d: Mapping[str, Any]) -> Sample:
    return Sample(
        mention_id=d["id"],
        text=d["text"],
        created_at_ms=ms_from_iso(d["created_at"]),
        lang=d["lang"],
        source=d.get("source"),
        author=d.get("author"),
        url=d.get("url"),
        followers=d.get("followers"),
        score=float(d.get("score", 0.0)),
    )


def alert_to_dict(e: AlertEvent) -> dict[str, object]:
    """An alert event as DESIGN.md's `alerts` message."""
    return {
        "v": SCHEMA_VERSION,
        "alert_id": e.alert_id,
        "incident_id": e.incident_id,
        "brand": e.brand,
        "status": e.status.value,
        "severity": e.severity.value,
        "window_start": iso_ms(e.window_start_ms),
        "window_end": iso_ms(e.window_end_ms),
        "observed": round(e.observed, 4),
        "expected": round(e.expected, 4),
        "ratio": round(e.ratio, 3),
        "score": round(e.score, 4),
        "growth": round(e.growth, 4),
        "share": round(e.share, 4),
        "total": e.total,
        "onset": iso_ms(e.onset_ms),
        "languages": dict(e.languages),
        "sources": dict(e.sources),
        "top_terms": list(e.top_terms),
        "samples": [_sample_to_dict(s) for s in e.samples],
        "authors": e.authors,
        "top_author_share": round(e.top_author_share, 4),
        "baseline_young": e.baseline_young,
        "record_days": e.record_days,
        "reason": e.reason,
        "actor": e.actor,
        "peak_observed": round(e.peak_observed, 4),
        "peak_at": iso_ms(e.peak_at_ms) if e.peak_at_ms else None,
        "curve": [[iso_ms(t), round(o, 4), round(x, 4)] for t, o, x in e.curve],
        "detected_at": iso_ms(e.detected_at_ms),
    }


def alert_from_dict(d: Mapping[str, Any]) -> AlertEvent:
    """The inverse of `alert_to_dict`."""
    return AlertEvent(
        alert_id=d["alert_id"],
        incident_id=d["incident_id"],
        brand=d["brand"],
        status=AlertStatus(d["status"]),
        severity=Severity(d["severity"]),
        window_start_ms=ms_from_iso(d["window_start"]),
        window_end_ms=ms_from_iso(d["window_end"]),
        observed=float(d["observed"]),
        expected=float(d["expected"]),
        score=float(d["score"]),
        growth=float(d["growth"]),
        share=float(d["share"]),
        total=int(d.get("total", 0)),
        onset_ms=ms_from_iso(d["onset"]),
        detected_at_ms=ms_from_iso(d["detected_at"]),
        languages=dict(d.get("languages", {})),
        sources=dict(d.get("sources", {})),
        top_terms=tuple(d.get("top_terms", ())),
        samples=tuple(_sample_from_dict(s) for s in d.get("samples", ())),
        authors=int(d.get("authors", 0)),
        top_author_share=float(d.get("top_author_share", 0.0)),
        baseline_young=bool(d.get("baseline_young", False)),
        record_days=int(d.get("record_days") or 0),
        reason=str(d.get("reason", "")),
        actor=str(d.get("actor", "")),
        peak_observed=float(d.get("peak_observed") or 0.0),
        peak_at_ms=ms_from_iso(d["peak_at"]) if d.get("peak_at") else 0,
        curve=tuple((ms_from_iso(t), float(o), float(x)) for t, o, x in d.get("curve", ())),
    )


def scored_to_dict(s: ScoredMention) -> dict[str, object]:
    """A scored mention as the `scored-mentions` message."""
    m = s.mention
    return {
        "v": SCHEMA_VERSION,
        "kind": "mention",
        "id": m.mention_id,
        "text": m.text,
        "created_at_ms": m.created_at_ms,
        "brand": s.brand,
        "lang": s.lang,
        "source": m.source,
        "author": m.author,
        "url": m.url,
        "followers": m.followers,
        "sentiment": {
            "label": s.sentiment.label,
            "score": s.sentiment.score,
            "confidence": s.sentiment.confidence,
            "method": s.sentiment.method,
        },
    }


def scored_from_dict(d: Mapping[str, Any]) -> ScoredMention:
    """The inverse of `scored_to_dict`."""
    sent = d["sentiment"]
    mention = Mention(
        mention_id=d["id"],
        text=d["text"],
        created_at_ms=int(d["created_at_ms"]),
        brands=(d["brand"],),
        lang=d["lang"],
        source=d.get("source"),
        author=d.get("author"),
        url=d.get("url"),
        followers=d.get("followers"),
    )
    return ScoredMention(
        mention=mention,
        brand=d["brand"],
        lang=d["lang"],
        sentiment=SentimentScore(
            label=sent["label"],
            score=float(sent["score"]),
            confidence=float(sent["confidence"]),
            method=sent["method"],
        ),
    )


def bucket_to_dict(acc: BucketAcc) -> dict[str, object]:
    """An open bucket as a table value."""
    return {
        "v": SCHEMA_VERSION,
        "brand": acc.brand,
        "start_ms": acc.start_ms,
        "end_ms": acc.end_ms,
        "total": acc.total,
        "negative": acc.negative,
        "by_lang": dict(acc.by_lang),
        "by_source": dict(acc.by_source),
        "terms": dict(acc.terms),
        "stems": dict(acc.stems),
        "samples": [
            {**_sample_to_dict(s), "created_at_ms": s.created_at_ms, "score": s.score}
            for s in acc.samples
        ],
        "authors": dict(acc.authors),
        "ids": sorted(acc.ids),
        "sealed": acc.sealed,
    }


def id_chunk_to_dict(ids: frozenset[str]) -> dict[str, object]:
    """A bucket's sealed chunk of mention ids as a table value."""
    return {"v": SCHEMA_VERSION, "ids": sorted(ids)}


def id_chunk_from_dict(d: Mapping[str, Any]) -> frozenset[str]:
    """The inverse of `id_chunk_to_dict`."""
    return frozenset(d["ids"])


def bucket_from_dict(d: Mapping[str, Any]) -> BucketAcc:
    """The inverse of `bucket_to_dict`."""
    return BucketAcc(
        brand=d["brand"],
        start_ms=int(d["start_ms"]),
        end_ms=int(d["end_ms"]),
        total=int(d["total"]),
        negative=int(d["negative"]),
        by_lang=dict(d["by_lang"]),
        by_source=dict(d["by_source"]),
        terms=dict(d["terms"]),
        stems=dict(d.get("stems", {})),
        samples=tuple(
            Sample(
                mention_id=s["id"],
                text=s["text"],
                created_at_ms=int(s["created_at_ms"]),
                lang=s["lang"],
                source=s.get("source"),
                author=s.get("author"),
                url=s.get("url"),
                followers=s.get("followers"),
                score=float(s["score"]),
            )
            for s in d["samples"]
        ),
        authors=dict(d["authors"]),
        ids=frozenset(d["ids"]),
        sealed=int(d.get("sealed", 0)),
    )


def brand_state_to_dict(s: BrandState) -> dict[str, object]:
    """A brand's judging state as a table value."""
    return {
        "v": SCHEMA_VERSION,
        "next_start_ms": s.next_start_ms,
        "closed_any": s.closed_any,
        "open_starts": list(s.open_starts),
        "detector": detector.state_to_dict(s.detector),
        "alert": alerting.alert_state_to_dict(s.alert),
        "terms": {"counts": dict(s.terms.counts), "mass": s.terms.mass, "ref_ms": s.terms.ref_ms},
    }


def brand_state_from_dict(d: Mapping[str, Any]) -> BrandState:
    """The inverse of `brand_state_to_dict`."""
    return BrandState(
        next_start_ms=d["next_start_ms"],
        closed_any=bool(d["closed_any"]),
        open_starts=tuple(int(x) for x in d["open_starts"]),
        detector=detector.state_from_dict(d["detector"]),
        alert=alerting.alert_state_from_dict(d["alert"]),
        # States written before the background existed start with an empty one.
        terms=_background_from_dict(d.get("terms")),
    )


def _background_from_dict(d: Mapping[str, Any] | None) -> TermBackground:
    if not d:
        return TermBackground()
    return TermBackground(
        counts={t: float(c) for t, c in d["counts"].items()},
        mass=float(d["mass"]),
        ref_ms=int(d["ref_ms"]),
    )


def clock_to_dict(c: PartitionClock) -> dict[str, object]:
    """A partition's watermark state as a table value."""
    return {
        "v": SCHEMA_VERSION,
        "source_ms": list(c.source_ms),
        "seen_wall_ms": list(c.seen_wall_ms),
        "watermark_ms": c.watermark_ms,
        "brands": list(c.brands),
    }


def clock_from_dict(d: Mapping[str, Any]) -> PartitionClock:
    """The inverse of `clock_to_dict`."""
    return PartitionClock(
        source_ms=tuple(d["source_ms"]),
        seen_wall_ms=tuple(d["seen_wall_ms"]),
        watermark_ms=d["watermark_ms"],
        brands=tuple(d["brands"]),
    )


def alerts_from_lines(lines: Sequence[bytes], where: str) -> list[AlertEvent]:
    """Alert events from JSON lines (backtest's output); blank lines are skipped.

    Raises `InputFileError` naming the first line that is not an alert event.
    """
    events: list[AlertEvent] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                msg = "not a JSON object"
                raise TypeError(msg)
            events.append(alert_from_dict(obj))
        except (ValueError, TypeError, KeyError) as exc:
            what = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            msg = f"{where}:{number}: not an alert event: {what}"
            raise InputFileError(msg) from None
    return events
