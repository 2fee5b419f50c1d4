"""Agent `incidents`: each incident's alert events in a table, recovered after a restart.

Two agents and one table:

* ``incident-keys`` reads `alerts` (keyed by brand) and sends each event on to
  `alerts-by-incident`, keyed by its ``incident_id``;
* ``incidents`` reads `alerts-by-incident` and keeps the incident's events
  (codec dicts, once per ``alert_id``) in the changelog-backed ``incidents``
  table, keyed by ``incident_id``. The review pages (`agents.review_pages`)
  read it.

Why the second topic: Faust writes a table change to the changelog partition
of the record being processed, and Faust's router (`app.table_route`) looks a
key up by hashing it onto the changelog's partitions. Written while reading
`alerts`, an incident would sit in its *brand's* partition while the router
looked for it in its *id's* (the `notify` outbox is written that way: nothing
routes to it). Re-keyed, the record, its changelog entry and the route agree:
the topic's keys are the table's changelog key bytes (JSON strings), every
topic has the same partition count, and Faust's assignor gives partition p of
all of them to one worker, which recovers the entries after a restart and
serves them. `alerts` carries a handful of events per incident, so the extra
hop costs nothing that matters.

Delivery is at least once: an event already kept (same ``alert_id``) changes
nothing, and `compact` is a function of the set of events, so a re-delivered
event that the bound had dropped is dropped again, without a write.

Retention: the ``incidents`` agent also reads `ticks` (a tick goes to every
partition), and a tick of partition q prunes the entries of partition q
(written while processing q, the deletion goes to q's changelog). An entry goes
`Config.review_retention_ms` after its resolution was recorded, or after its
last recorded event when it never resolved (a brand dropped mid-incident). The
times are the worker's wall clock when the event was kept, not event time: a
replay of last year's data must not lose its reviews at once.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import faust
from faust.types import TableT

from agents.tables import Passes, Tables, owned
from agents.topics import Topics
from streamproc import review
from streamproc.codec import SCHEMA_VERSION, alert_from_dict, alert_to_dict, dumps
from streamproc.model import AlertEvent, AlertStatus, Incident

if TYPE_CHECKING:
    from agents.services import Services

log = logging.getLogger(__name__)

INCIDENTS_PATH = "/incidents"
"""The review pages' path on the worker's web port (`agents.review_pages`)."""

MAX_EVENTS = 40
"""Events kept per incident: the first, its milestones and the latest updates.
An unacknowledged incident gets a reminder every hour, so a week-long one has
hundreds of events; the review needs the moments and the latest numbers."""
MAX_MILESTONES = 24
"""Milestones kept (the earliest ones and the last): status changes and people's actions."""
MILESTONE_REASONS = frozenset({"acknowledged", "snoozed", "manual", "escalated", "snooze_ended"})
SAMPLE_TEXT_MAX = 600
"""Characters of a sample's text kept (the HTML report shows 600, the Markdown 280)."""
MAX_VALUE_BYTES = 700_000
"""A table value is one changelog record: Kafka refuses records over 1 MB by default."""
HOUSEKEEP_EVERY_MS = 600_000
"""Wall-clock ms between two pruning passes over one partition's incidents."""
MAX_HOUSEKEEP_WRITES = 200
"""Entries one pruning pass may delete or stamp (the rest wait for the next pass)."""


def review_link(base_url: str | None, incident_id: str) -> str | None:
    """The review page of an incident under ``$STREAMPROC_REVIEW_URL``; None when unset.

    >>> review_link("https://sp.example.com", "0a1b2c3d4e5f6a7b")
    'https://sp.example.com/incidents/0a1b2c3d4e5f6a7b'
    """
    if not base_url:
        return None
    return f"{base_url.rstrip('/')}{INCIDENTS_PATH}/{quote(incident_id, safe='')}"


def is_milestone(event: AlertEvent) -> bool:
    """A status other than `updated`, or a person's action or an escalation."""
    return event.status is not AlertStatus.UPDATED or event.reason in MILESTONE_REASONS


def _order(pair: tuple[AlertEvent, dict[str, Any]]) -> tuple[int, int, int, str]:
    return review.event_order(pair[0])


def compact(events: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """An incident's events as the table keeps them: unique, in order, bounded.

    Kept: the first event, the milestones (at most `MAX_MILESTONES`: the
    earliest and the last), then the latest updates up to `MAX_EVENTS`. Sample
    texts are cut to `SAMPLE_TEXT_MAX` characters, and only the latest event
    that has a curve keeps it (each curve holds the earlier buckets already).
    The result depends on the set of events only, not on their arrival order.
    """
    unique: dict[str, tuple[AlertEvent, dict[str, Any]]] = {}
    for d in events:
        e = alert_from_dict(d)
        unique.setdefault(e.alert_id, (e, alert_to_dict(e)))
    ordered = sorted(unique.values(), key=_order)
    if not ordered:
        return []
    first, rest = ordered[0], ordered[1:]
    milestones = [p for p in rest if is_milestone(p[0])]
    if len(milestones) > MAX_MILESTONES:
        milestones = milestones[: MAX_MILESTONES - 1] + milestones[-1:]
    updates = [p for p in rest if not is_milestone(p[0])]
    room = max(MAX_EVENTS - 1 - len(milestones), 0)
    kept = sorted([first, *milestones, *(updates[-room:] if room else [])], key=_order)
    with_curve = [i for i, (e, _) in enumerate(kept) if e.curve]
    keep_curve = with_curve[-1] if with_curve else -1
    slim = [_slim(d, curve=i == keep_curve) for i, (_, d) in enumerate(kept)]
    # A safety net for pathological sizes (long URLs and author names are not cut):
    # drop the oldest updates until the value fits in one changelog record.
    while len(slim) > 2 and len(dumps({"events": slim})) > MAX_VALUE_BYTES:
        droppable = [
            i
            for i, d in enumerate(slim[1:-1], 1)
            if d["status"] == "updated" and d["reason"] not in MILESTONE_REASONS
        ]
        if not droppable:
            break
        del slim[droppable[0]]
    return slim


def _slim(d: dict[str, Any], *, curve: bool) -> dict[str, Any]:
    samples = [
        {**s, "text": s["text"][: SAMPLE_TEXT_MAX - 1] + "…"}
        if len(s["text"]) > SAMPLE_TEXT_MAX
        else s
        for s in d["samples"]
    ]
    return {**d, "samples": samples, "curve": d["curve"] if curve else []}


def expiry(entry: Mapping[str, Any], now_ms: int, retention_ms: int) -> str | None:
    """What retention does to a table entry now: ``"delete"``, ``"stamp"`` or None.

    ``"stamp"`` is for entries written before the stamps existed: they get
    ``seen_ms`` = now (and ``resolved_seen_ms`` if resolved), so that they are
    kept a full retention period from the upgrade, never pruned by surprise.
    """
    seen = entry.get("seen_ms")
    if not isinstance(seen, int):
        return "stamp"
    resolved = entry.get("resolved_seen_ms")
    since = resolved if isinstance(resolved, int) and resolved else seen
    return "delete" if now_ms - since >= retention_ms else None


def _is_resolved(events: Iterable[Mapping[str, Any]]) -> bool:
    return any(d.get("status") == AlertStatus.RESOLVED.value for d in events)


class IncidentStore:
    """The ``incidents`` table: writes from the agent's stream loop, reads for the pages."""

    def __init__(self, table: TableT[str, Any]) -> None:
        self.table = table
        self._passes = Passes(HOUSEKEEP_EVERY_MS)

    def record(self, value: Mapping[str, Any], partition: int, now_ms: int) -> bool:
        """Keep one alert event; False when it changes nothing (known, or bounded out).

        Call it from the agent's stream loop only: the write goes to the
        changelog partition of the record being processed, `partition`.
        `now_ms` (the wall clock) stamps the entry for retention.
        """
        event = alert_from_dict(value)
        current = self.table.get(event.incident_id)
        known: list[dict[str, Any]] = list(current["events"]) if current else []
        if any(d.get("alert_id") == event.alert_id for d in known):
            return False
        kept = compact([*known, alert_to_dict(event)])
        if [d["alert_id"] for d in kept] == [d["alert_id"] for d in known]:
            return False
        resolved_seen = current.get("resolved_seen_ms") if current else None
        if not isinstance(resolved_seen, int) or not resolved_seen:
            resolved_seen = now_ms if _is_resolved(kept) else 0
        self.table[event.incident_id] = {
            "v": SCHEMA_VERSION,
            "incident_id": event.incident_id,
            "brand": event.brand,
            "partition": partition,
            "seen_ms": now_ms,
            "resolved_seen_ms": resolved_seen,
            "events": kept,
        }
        return True

    def housekeep(self, partition: int, now_ms: int, retention_ms: int) -> int:
        """Prune `partition`'s expired entries (see the module docstring); writes made.

        Call it from the agent's stream loop, on a record of `partition`.
        """
        if not self._passes.due(partition, now_ms):
            return 0
        writes = 0
        for key, entry in owned(self.table, partition):
            if writes >= MAX_HOUSEKEEP_WRITES:
                break
            verdict = expiry(entry, now_ms, retention_ms)
            if verdict == "delete":
                self.table.pop(key, None)
                log.info("incidents: the review of incident %s expired, pruned", key)
            elif verdict == "stamp":
                events = entry.get("events", [])
                resolved = isinstance(events, list) and _is_resolved(events)
                self.table[key] = {
                    **entry,
                    "seen_ms": now_ms,
                    "resolved_seen_ms": now_ms if resolved else 0,
                }
            else:
                continue
            writes += 1
        return writes

    def incidents(self, partitions: Collection[int]) -> dict[str, Incident]:
        """The incidents held for `partitions`, by id, in the order they opened.

        The memory store keeps a revoked partition's entries, so the owner's
        partitions are given, not taken from whatever the table holds.
        """
        events: list[AlertEvent] = []
        for key, value in list(self.table.items()):
            if not isinstance(value, dict) or value.get("partition") not in partitions:
                continue
            try:
                events.extend(alert_from_dict(d) for d in value["events"])
            except (KeyError, TypeError, ValueError):
                log.warning("incidents: the entry of %s is unusable, skipped", key)
        return review.fold(events)


def register(app: faust.App, topics: Topics, tables: Tables, services: Services) -> IncidentStore:
    """Declare the ``incident-keys`` and ``incidents`` agents on `app`."""
    store = IncidentStore(tables.incidents)
    by_incident = topics.by_incident
    retention_ms = services.config.review_retention_ms
    # The incident's id is in the value, so the key's encoding does not matter here;
    # `by_incident.send` (JSON keys) decides the partition.
    source = app.topic(
        *by_incident.topics,
        *topics.ticks.topics,
        partitions=services.config.pipeline.partitions,
        key_serializer="raw",
        value_serializer="json",
    )

    async def incident_keys(stream: faust.StreamT[dict[str, Any]]) -> AsyncIterator[str]:
        async for event in stream.events():
            value, msg = event.value, event.message
            incident_id = value.get("incident_id") if isinstance(value, dict) else None
            if not isinstance(incident_id, str) or not incident_id:
                log.warning(
                    "incidents: record without incident_id at %s offset %s", msg.tp, msg.offset
                )
                yield ""
                continue
            await by_incident.send(key=incident_id, value=value)
            yield incident_id

    async def incidents(stream: faust.StreamT[dict[str, Any]]) -> AsyncIterator[bool]:
        async for event in stream.events():
            msg = event.message
            try:
                if isinstance(event.value, dict) and event.value.get("kind") == "tick":
                    store.housekeep(msg.partition, services.clock(), retention_ms)
                    yield False
                else:
                    yield store.record(event.value, msg.partition, services.clock())
            except Exception:  # policy: a bad event is logged with its position and skipped
                log.exception("incidents: event not kept at %s offset %s", msg.tp, msg.offset)
                yield False

    app.agent(topics.alerts, name="incident-keys")(incident_keys)
    app.agent(source, name="incidents")(incidents)
    return store
