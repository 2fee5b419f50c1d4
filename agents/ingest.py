"""Agent `ingest`: raw mentions -> scored mentions per brand, or the dead-letter topic.

Besides mentions it forwards each source partition's event-time progress as
watermark records to every partition of `scored-mentions` (see
`streamproc.windows`), after the mentions they cover, so that the `windows`
agent never judges a bucket that a mention still in flight belongs to.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

import faust

from agents.services import Services
from agents.topics import CONTROL_HEADER, Topics
from streamproc.codec import scored_to_dict
from streamproc.enrich import enrich
from streamproc.model import Rejection
from streamproc.parse import parse

log = logging.getLogger(__name__)


def _header(event: faust.EventT[bytes], name: str) -> bytes | None:
    headers = event.message.headers or []
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    for key, value in pairs:
        if key == name:
            return bytes(value)
    return None


class SourceProgress:
    """Per source partition: the event time reached, and what was last announced."""

    def __init__(self, lateness_ms: int, width_ms: int) -> None:
        self.lateness_ms = lateness_ms
        self.width_ms = width_ms
        self.max_event_ms: dict[int, int] = {}
        self.announced: dict[int, int] = {}

    def advance(self, source: int, event_ms: int) -> int | None:
        """A new watermark to announce for `source`, or None (not a new bucket yet)."""
        if event_ms <= self.max_event_ms.get(source, event_ms - 1):
            return None
        self.max_event_ms[source] = event_ms
        watermark = event_ms - self.lateness_ms
        boundary = watermark - watermark % self.width_ms
        if boundary <= self.announced.get(source, boundary - 1):
            return None
        self.announced[source] = boundary
        return watermark

    def force(self, source: int, watermark_ms: int) -> int:
        """A control record's watermark (end of a replay): announced as given."""
        self.max_event_ms[source] = max(self.max_event_ms.get(source, 0), watermark_ms)
        self.announced[source] = watermark_ms
        return watermark_ms


def register(app: faust.App, topics: Topics, services: Services) -> None:
    """Declare the `ingest` agent on `app`."""
    pipeline = services.config.pipeline
    progress = SourceProgress(pipeline.allowed_lateness_minutes * 60_000, pipeline.width_ms)
    metrics = services.metrics

    async def announce(source: int, watermark_ms: int) -> None:
        record = {"kind": "watermark", "source": source, "watermark_ms": watermark_ms}
        for q in range(pipeline.partitions):
            await topics.scored.send(value=record, partition=q)

    async def dead_letter(event: faust.EventT[bytes], rejection: Rejection) -> None:
        msg = event.message
        headers = [
            ("streamproc-reason", rejection.reason.encode()),
            ("streamproc-detail", rejection.detail.encode()),
            ("streamproc-origin", f"{msg.topic}/{msg.partition}/{msg.offset}".encode()),
        ]
        await topics.dlq.send(key=msg.key, value=rejection.raw, headers=headers)
        metrics.mention_rejected(rejection.reason)
        services.progress.rejected[rejection.reason] += 1

    async def ingest(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            source = event.message.partition
            raw: bytes = event.value or b""
            control = _header(event, CONTROL_HEADER)
            if control is not None:
                await announce(source, progress.force(source, json.loads(raw)["watermark_ms"]))
                continue
            try:
                parsed = parse(raw)
                if isinstance(parsed, Rejection):
                    await dead_letter(event, parsed)
                    continue
                scored = enrich(
                    parsed, services.config.catalog, services.scorer, services.detect_language
                )
            except Exception as exc:  # policy: an unexpected error dead-letters the record
                log.exception("ingest failed on %s", event.message.tp)
                reason = Rejection(reason="internal_error", detail=repr(exc)[:200], raw=raw)
                await dead_letter(event, reason)
                continue
            services.progress.accepted += 1
            services.progress.unmatched += not scored
            for item in scored:
                await topics.scored.send(key=item.brand.encode(), value=scored_to_dict(item))
                metrics.mention_accepted(item.brand, item.lang, item.sentiment.label, parsed.source)
            now_ms = services.clock()
            metrics.event_time_lag(max(0.0, (now_ms - parsed.created_at_ms) / 1000))
            if event.message.timestamp:  # produce time (s): the record's time in Kafka
                metrics.processing_latency(max(0.0, now_ms / 1000 - event.message.timestamp))
            watermark = progress.advance(source, parsed.created_at_ms)
            if watermark is not None:
                await announce(source, watermark)

    app.agent(topics.mentions, name="ingest")(ingest)
