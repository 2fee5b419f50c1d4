"""The changelog-backed tables: state that a restarted worker must get back.

Values are `streamproc.codec` dicts with a schema version; they are replaced,
never mutated in place, so the changelog always holds whole snapshots.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import faust
from faust.types import TableT

from streamproc.settings import PipelineConfig


@dataclass(frozen=True)
class Tables:
    """The app's tables (all keyed by str, JSON values)."""

    brand_state: TableT[str, Any]
    """brand -> where its judging stands (detector and alert states)."""
    buckets: TableT[str, Any]
    """"brand|start_ms" -> an open bucket's counts; "brand|start_ms|ids.k" -> its
    k-th sealed chunk of counted mention ids (`streamproc.windows.ID_CHUNK`)."""
    clocks: TableT[str, Any]
    """partition number -> its watermark state."""
    slack_threads: TableT[str, Any]
    """incident_id -> the Slack channel and ts of its root message."""
    outbox: TableT[str, Any]
    """incident_id -> alert events not yet delivered to Slack."""
    incidents: TableT[str, Any]
    """incident_id -> its alert events, for reviews (`agents.incidents`)."""

    @classmethod
    def create(cls, app: faust.App, pipeline: PipelineConfig) -> Tables:
        """Declare the tables on `app`."""
        opts: dict[str, Any] = {
            "partitions": pipeline.partitions,
            "key_type": str,
            "default": None,
        }
        return cls(
            brand_state=app.Table("brand-state", **opts),
            buckets=app.Table("buckets", **opts),
            clocks=app.Table("partition-clock", **opts),
            slack_threads=app.Table("slack-threads", **opts),
            outbox=app.Table("outbox", **opts),
            incidents=app.Table("incidents", **opts),
        )


def owned(table: TableT[str, Any], partition: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """The entries that a record of `partition` may write: those recorded from it.

    A table write goes to the changelog partition of the record being processed,
    so an entry stays in its own partition's changelog only if it is written
    while a record of that partition is. Iterates over a snapshot (the caller may
    write as it goes); values that are not dicts are skipped.
    """
    for key, value in list(table.items()):
        if isinstance(value, dict) and value.get("partition") == partition:
            yield str(key), value


@dataclass
class Passes:
    """When a partition's next housekeeping pass is due (this worker's wall clock).

    Ticks come every few seconds; a pass walks a whole table, so it runs at most
    once every `every_ms` per partition.
    """

    every_ms: int
    _last: dict[int, int] = field(default_factory=dict)

    def due(self, partition: int, now_ms: int) -> bool:
        """Whether a pass over `partition` runs now (and, if so, that it ran)."""
        last = self._last.get(partition)
        if last is not None and now_ms - last < self.every_ms:
            return False
        self._last[partition] = now_ms
        return True
