"""Topic names of DESIGN.md and the Faust topic objects the agents use.

Names get an optional prefix so that tests can run side by side on one broker.
"""

from __future__ import annotations

from dataclasses import dataclass

import faust

from streamproc.settings import PipelineConfig

MENTIONS = "mentions"
MENTIONS_DLQ = "mentions-dlq"
SCORED = "scored-mentions"
TICKS = "ticks"
ALERTS = "alerts"
ACTIONS = "incident-actions"
BY_INCIDENT = "alerts-by-incident"
"""The `alerts` events again, keyed by incident_id (see `agents.incidents`)."""

TABLES = ("brand-state", "buckets", "partition-clock", "slack-threads", "outbox", "incidents")
"""Changelog-backed tables; their changelog topics are `{app_id}-{table}-changelog`."""

CONTROL_HEADER = "streamproc-control"
"""Header of control records that `streamproc replay` sends to `mentions` (not mentions)."""


def topic_names(pipeline: PipelineConfig) -> dict[str, str]:
    """Logical name -> real topic name (with the configured prefix)."""
    names = (MENTIONS, MENTIONS_DLQ, SCORED, TICKS, ALERTS, ACTIONS, BY_INCIDENT)
    return {n: f"{pipeline.topic_prefix}{n}" for n in names}


def all_topics(pipeline: PipelineConfig) -> list[str]:
    """Every topic the app needs, changelogs and Faust's leader topic included."""
    app_id = pipeline.app_id
    return [
        *topic_names(pipeline).values(),
        *(f"{app_id}-{t}-changelog" for t in TABLES),
        f"{app_id}-__assignor-__leader",
    ]


@dataclass(frozen=True)
class Topics:
    """The Faust topics of one app."""

    mentions: faust.TopicT
    dlq: faust.TopicT
    scored: faust.TopicT
    ticks: faust.TopicT
    windows_in: faust.TopicT
    alerts: faust.TopicT
    actions: faust.TopicT
    by_incident: faust.TopicT
    """Keys are JSON strings, as the ``incidents`` table's changelog keys are: the same
    bytes hash to the same partition, which Faust's router relies on."""

    @classmethod
    def create(cls, app: faust.App, pipeline: PipelineConfig) -> Topics:
        """Declare the topics on `app` (they are created beforehand by the admin client)."""
        names = topic_names(pipeline)
        n = pipeline.partitions

        def raw(*topics: str) -> faust.TopicT:
            return app.topic(*topics, partitions=n, key_serializer="raw", value_serializer="raw")

        def js(*topics: str) -> faust.TopicT:
            return app.topic(*topics, partitions=n, key_serializer="raw", value_serializer="json")

        return cls(
            mentions=raw(names[MENTIONS]),
            dlq=raw(names[MENTIONS_DLQ]),
            scored=js(names[SCORED]),
            ticks=js(names[TICKS]),
            windows_in=js(names[SCORED], names[TICKS], names[ACTIONS]),
            alerts=js(names[ALERTS]),
            actions=js(names[ACTIONS]),
            by_incident=app.topic(
                names[BY_INCIDENT],
                partitions=n,
                key_type=str,
                key_serializer="json",
                value_serializer="json",
            ),
        )
