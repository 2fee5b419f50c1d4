"""The review pages on the worker's web port: ``GET /incidents`` and ``GET /incidents/{id}``.

A worker holds the ``incidents`` entries of its own partitions only. A full
incident id (16 hex digits) is routed by Faust's own router
(`app.table_route`): the request goes to the worker that owns the id's
partition, and that worker's answer comes back as it is. A shorter prefix
cannot be routed (its hash says nothing of the ids it starts), so it is looked
up among this worker's incidents; a miss names the workers and their
partitions. ``GET /incidents`` lists this worker's incidents and names the
other workers too: Faust has no fan-out, ask each (one worker: the whole list).

The report is `streamproc.report`'s, which escapes every text it shows.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import aiohttp
import faust
from faust import web
from faust.exceptions import NotReady
from faust.tables.manager import TableManager
from faust.transport.drivers.aiokafka import Producer as AIOKafkaDriverProducer
from faust.web.exceptions import ServiceUnavailable

from agents.incidents import INCIDENTS_PATH, IncidentStore
from streamproc import report, review
from streamproc.codec import iso_ms
from streamproc.model import Incident

log = logging.getLogger(__name__)

FULL_ID = re.compile(r"[0-9a-f]{16}")
"""What `streamproc.alerting.incident_id_for` makes: routed; anything shorter is a prefix."""
CONTENT_TYPES = {
    "html": "text/html",
    "md": "text/markdown",
    "json": "application/json",
}
METADATA_TIMEOUT_S = 5.0


class Routing:
    """Who holds which ``incidents`` partitions, as Faust's assignor said last."""

    def __init__(self, app: faust.App, store: IncidentStore) -> None:
        self.app = app
        self.table = store.table

    @property
    def changelog(self) -> str:
        """The table's changelog topic: its partitions are the table's."""
        return self.table.changelog_topic.get_topic_name()

    def url(self) -> str:
        """This worker's URL as the other workers know it."""
        return str(self.app.conf.canonical_url)

    def ready(self) -> bool:
        """Partitions assigned and the table recovered (else a miss proves nothing)."""
        tables = self.app.tables
        recovered = isinstance(tables, TableManager) and tables.recovery.completed.is_set()
        return recovered and not self.app.rebalancing

    def mine(self) -> frozenset[int]:
        """This worker's active partitions of the table."""
        topic = self.changelog
        actives = self.app.assignor.assigned_actives()
        return frozenset(tp.partition for tp in actives if tp.topic == topic)

    def workers(self) -> dict[str, list[int]]:
        """Every worker's URL and its partitions of the table."""
        found = self.app.router.table_metadata(self.table.name)
        return {url: sorted(parts.get(self.changelog, [])) for url, parts in found.items()}

    async def prepare(self) -> None:
        """Have the producer's metadata hold the changelog topic before a key is routed.

        Faust's router hashes a key with the producer's metadata, and aiokafka's
        producer keeps metadata only of the topics it sent to (its first fetch,
        of every topic, is replaced at the next refresh): without this, a
        worker that never wrote an incident fails on the lookup.
        """
        producer = self.app.producer
        if isinstance(producer, AIOKafkaDriverProducer):
            client = producer._ensure_producer()  # noqa: SLF001 - no public accessor
            await asyncio.wait_for(client.partitions_for(self.changelog), METADATA_TIMEOUT_S)


def summary(incident: Incident) -> dict[str, Any]:
    """One incident of ``GET /incidents``."""
    t = review.timeline(incident)
    return {
        "id": incident.incident_id,
        "brand": incident.brand,
        "severity": incident.severity.value,
        "state": review.state(incident),
        "onset": iso_ms(t.onset_ms),
        "detected": iso_ms(t.detected_ms),
        "peak": iso_ms(t.peak_ms),
        "peak_observed": t.peak_observed,
        "resolved": None if t.resolved_ms is None else iso_ms(t.resolved_ms),
        "events": len(incident.events),
        "url": f"{INCIDENTS_PATH}/{incident.incident_id}",
    }


def register(app: faust.App, store: IncidentStore) -> None:
    """Declare ``GET /incidents`` and ``GET /incidents/{incident_id}`` on `app`."""
    routing = Routing(app, store)
    app.page(INCIDENTS_PATH)(list_view(store, routing))
    app.page(INCIDENTS_PATH + "/{incident_id}")(review_view(store, routing))


def _unavailable(view: web.View, routing: Routing, why: str) -> web.Response:
    return view.json({"error": why, "worker": routing.url()}, status=503)


def list_view(store: IncidentStore, routing: Routing) -> type[web.View]:
    """``GET /incidents``: this worker's incidents, in the order they opened."""

    class IncidentList(web.View):
        async def get(self, request: web.Request, **kwargs: Any) -> web.Response:
            if not routing.ready():
                return _unavailable(self, routing, "partitions not assigned or tables recovering")
            mine = routing.mine()
            incidents = store.incidents(mine)
            return self.json(
                {
                    "worker": routing.url(),
                    "partitions": sorted(mine),
                    "complete": len(mine) >= (store.table.partitions or 0),
                    "workers": routing.workers(),
                    "incidents": [summary(i) for i in incidents.values()],
                }
            )

    return IncidentList


def review_view(store: IncidentStore, routing: Routing) -> type[web.View]:
    """``GET /incidents/{incident_id}[?format=html|md|json]``: the incident's report."""

    def answer(view: web.View, request: web.Request) -> web.Response:
        wanted = str(request.match_info["incident_id"])
        fmt = request.query.get("format", "html")
        mine = routing.mine()
        try:
            incident = review.find(store.incidents(mine), wanted)
        except KeyError as exc:
            return view.json(_not_found(str(exc.args[0]), wanted, mine, routing), status=404)
        text = report.render(review.review(incident), fmt)
        return view.text(text, content_type=CONTENT_TYPES[fmt])

    async def local(view: web.View, request: web.Request) -> web.Response:
        return answer(view, request)

    # Faust's router: another worker's key is answered by that worker; ours by `local`.
    routed = routing.app.table_route(table=store.table, match_info="incident_id")(local)

    class IncidentReview(web.View):
        async def get(self, request: web.Request, **kwargs: Any) -> web.Response:
            fmt = request.query.get("format", "html")
            if fmt not in CONTENT_TYPES:
                why = f"unknown format {fmt!r}: use html, md or json"
                return self.json({"error": why}, status=400)
            if not routing.ready():
                return _unavailable(self, routing, "partitions not assigned or tables recovering")
            if not FULL_ID.fullmatch(str(request.match_info["incident_id"])):
                return answer(self, request)
            try:
                await routing.prepare()
                return await routed(self, request)
            except (ServiceUnavailable, NotReady, TimeoutError) as exc:
                log.warning(
                    "incidents: no route for %s: %r", request.match_info["incident_id"], exc
                )
                return _unavailable(self, routing, "no route to the incident's worker yet")
            except aiohttp.ClientError as exc:
                log.warning(
                    "incidents: the owner of %s did not answer: %r",
                    request.match_info["incident_id"],
                    exc,
                )
                return _unavailable(self, routing, "the worker that owns it did not answer")

    return IncidentReview


def _not_found(
    error: str, wanted: str, mine: frozenset[int], routing: Routing
) -> dict[str, object]:
    others = {url: parts for url, parts in routing.workers().items() if url != routing.url()}
    body: dict[str, object] = {
        "error": error,
        "incident_id": wanted,
        "worker": routing.url(),
        "partitions": sorted(mine),
    }
    if others and not FULL_ID.fullmatch(wanted):
        body["hint"] = (
            "a prefix is looked up on this worker only: give the full 16-character id "
            "(it is routed to the worker that owns it), or ask the other workers"
        )
        body["workers"] = others
    return body
