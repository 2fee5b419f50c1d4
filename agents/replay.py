"""`streamproc replay`: a JSON-lines file into the `mentions` topic, in event-time order.

Lines go out as they are, malformed ones included (they must reach the
dead-letter topic through `ingest`, as they would from a real source). At the
end a control record on every partition tells `ingest` that this source has
nothing older to send: the flush that lets the last buckets be judged, as
`backtest` judges them at the end of the file.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kafka import KafkaProducer

from agents.topics import CONTROL_HEADER
from streamproc.errors import InputFileError
from streamproc.model import Mention
from streamproc.parse import parse
from streamproc.settings import Config
from streamproc.windows import bucket_of


@dataclass(frozen=True)
class ReplayReport:
    """What a replay sent."""

    lines: int
    mentions: int
    seconds: float
    flush_ms: int | None


def _key(line: bytes, parsed: Mention | None) -> bytes:
    """Mentions keyed by id; others by a hash of their bytes (spread, reproducible)."""
    if parsed is not None:
        return parsed.mention_id.encode()
    return str(zlib.crc32(line)).encode()


def replay_file(
    path: Path,
    bootstrap: str,
    topic: str,
    config: Config,
    *,
    speedup: float | None = None,
    on_progress: Callable[[int], None] | None = None,
    on_flush: Callable[[int], None] | None = None,
) -> ReplayReport:
    """Produce every non-blank line of `path`; pace by event time / `speedup` if given."""
    try:
        fh = path.open("rb")
    except OSError as exc:
        msg = f"{path}: cannot read: {exc.strerror}"
        raise InputFileError(msg) from None
    width = config.pipeline.width_ms
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks=1)
    started = time.monotonic()
    first_ms: int | None = None
    max_ms: int | None = None
    lines = mentions = 0
    try:
        with fh:
            for raw_line in fh:
                line = raw_line.rstrip(b"\r\n")
                if not line.strip():
                    continue
                parsed = parse(line)
                mention = parsed if isinstance(parsed, Mention) else None
                if mention is not None:
                    mentions += 1
                    t = mention.created_at_ms
                    first_ms = t if first_ms is None else first_ms
                    max_ms = t if max_ms is None else max(max_ms, t)
                    if speedup and first_ms is not None:
                        due = started + (max_ms - first_ms) / 1000 / speedup
                        delay = due - time.monotonic()
                        if delay > 0:
                            time.sleep(delay)
                producer.send(topic, key=_key(line, mention), value=line)
                lines += 1
                if on_progress is not None and lines % 200 == 0:
                    on_progress(lines)
        flush_ms = bucket_of(max_ms, width)[1] if max_ms is not None else None
        if flush_ms is not None:
            if on_flush is not None:
                on_flush(flush_ms)
            control = json.dumps({"watermark_ms": flush_ms}).encode()
            for partition in sorted(producer.partitions_for(topic)):
                producer.send(
                    topic,
                    value=control,
                    partition=partition,
                    headers=[(CONTROL_HEADER, b"flush")],
                )
        producer.flush()
    finally:
        producer.close()
    if on_progress is not None:
        on_progress(lines)
    return ReplayReport(
        lines=lines, mentions=mentions, seconds=time.monotonic() - started, flush_ms=flush_ms
    )
