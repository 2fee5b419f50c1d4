"""The changelog-backed tables: state that a restarted worker must get back.

Values are `streamproc.codec` dicts with a schema version; they are replaced,
never mutated in place, so the changelog always holds whole snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    """"brand|start_ms" -> an open bucket's counts."""
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
