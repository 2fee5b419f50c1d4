"""Agent `incidents` and the review pages, under Faust's test_context with the memory store.

Sends to other topics are captured; Faust's routing is swapped at its edges
(the assignment and `app.router.route_req`), as a test cannot run two workers.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import web as aioweb
from faust.exceptions import SameNode
from faust.web.exceptions import ServiceUnavailable
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from agents import incidents, review_pages
from agents.app import Wiring, wire
from agents.incidents import (
    HOUSEKEEP_EVERY_MS,
    MAX_EVENTS,
    MAX_HOUSEKEEP_WRITES,
    SAMPLE_TEXT_MAX,
    IncidentStore,
    compact,
    review_link,
)
from agents.notify import root_message
from agents.review_pages import Routing
from agents.services import Services
from streamproc import alerting, codec
from streamproc.errors import ConfigError
from streamproc.model import AlertEvent, AlertStatus, Sample, Severity
from streamproc.outbox import RootView
from streamproc.settings import load_config, load_env

T0 = 1_772_409_600_000
B = 900_000
INC = alerting.incident_id_for("verdalia", T0)
OTHER = alerting.incident_id_for("nubia", T0 + B)


def event(
    n: int,
    status: AlertStatus = AlertStatus.UPDATED,
    reason: str = "rising",
    *,
    incident: str = INC,
    brand: str = "verdalia",
    actor: str = "",
    text: str = "yogur caducado <script>alert(1)</script>",
) -> dict[str, Any]:
    e = AlertEvent(
        alert_id=f"{incident[:6]}-{status.value}-{reason}-{n}",
        incident_id=incident,
        brand=brand,
        status=status,
        severity=Severity.CRITICAL if n > 3 else Severity.WARNING,
        window_start_ms=T0 + n * B,
        window_end_ms=T0 + (n + 1) * B,
        observed=40.0 + n,
        expected=5.0,
        score=20.0,
        growth=1.5,
        share=0.6,
        onset_ms=T0,
        detected_at_ms=T0 + (n + 1) * B,
        languages={"es": 30},
        sources={"twitter": 40},
        top_terms=("caducado",),
        samples=(
            Sample(
                mention_id=f"m{n}",
                text=text,
                created_at_ms=T0 + n * B + 1,
                lang="es",
                author="<b>ana</b>",
                url="https://example.test/1",
                followers=10,
                score=-0.8,
            ),
        ),
        reason=reason,
        actor=actor,
        peak_observed=40.0 + n,
        peak_at_ms=T0 + n * B,
        curve=tuple((T0 + k * B, 40.0 + k, 5.0) for k in range(n + 1)),
    )
    return codec.alert_to_dict(e)


FIRING = event(0, AlertStatus.FIRING, "anomaly")
RESOLVED = event(9, AlertStatus.RESOLVED, "recovered")


@pytest.fixture
def w() -> Wiring:
    config = load_config()
    config = replace(config, pipeline=replace(config.pipeline, partitions=2))
    env = load_env({})
    services = Services.create(config, env, CollectorRegistry(), console=lambda _: None)
    wiring = wire(config, env, "127.0.0.1:1", services)
    wiring.app.conf.store = "memory://"
    return wiring


# --- the agents --------------------------------------------------------------------------


async def test_incident_keys_rekeys_alerts_by_incident(w: Wiring) -> None:
    sent: list[dict[str, Any]] = []

    async def capture(**kw: Any) -> None:
        sent.append(kw)

    w.topics.by_incident.send = capture  # type: ignore[method-assign]
    async with w.app.agents["incident-keys"].test_context() as agent:
        await agent.put(FIRING, key=b"verdalia", partition=1)
        await agent.put({"kind": "not an alert"}, key=b"verdalia", partition=1)
        await agent.put(event(1, incident=OTHER, brand="nubia"), key=b"nubia", partition=0)
    assert [(s["key"], s["value"]["alert_id"]) for s in sent] == [
        (INC, FIRING["alert_id"]),
        (OTHER, event(1, incident=OTHER, brand="nubia")["alert_id"]),
    ]


def test_the_rekeyed_topic_and_the_changelog_hash_the_same_key_bytes(w: Wiring) -> None:
    # Faust's router hashes the changelog key; the record's partition came from the topic key.
    on_topic, _ = w.topics.by_incident.prepare_key(INC, None)
    in_changelog, _ = w.tables.incidents.changelog_topic.prepare_key(INC, None)
    assert on_topic == in_changelog == json.dumps(INC).encode()
    assert w.topics.by_incident.partitions == w.tables.incidents.partitions


async def test_incidents_keeps_each_event_once_across_redelivery(w: Wiring) -> None:
    stream = [FIRING, event(1), event(2, reason="acknowledged", actor="ana"), event(3), RESOLVED]
    async with w.app.agents["incidents"].test_context() as agent:
        for value in stream:
            await agent.put(value, key=INC, partition=1)
        # a crash before the commit: the same records again, then one out of order
        for value in [*stream, event(2, reason="acknowledged", actor="ana")]:
            await agent.put(value, key=INC, partition=1)
        results = list(agent.results.values())
    assert results == [True] * 5 + [False] * 6
    entry = w.tables.incidents[INC]
    assert entry["partition"] == 1
    assert entry["brand"] == "verdalia"
    assert [e["alert_id"] for e in entry["events"]] == [e["alert_id"] for e in stream]
    incident = IncidentStore(w.tables.incidents).incidents({1})[INC]
    assert incident.resolved_at_ms == codec.ms_from_iso(RESOLVED["detected_at"])


async def test_a_bad_event_is_skipped_and_the_agent_goes_on(w: Wiring) -> None:
    async with w.app.agents["incidents"].test_context() as agent:
        await agent.put({"incident_id": INC, "status": "firing"}, key=INC, partition=0)
        await agent.put(FIRING, key=INC, partition=0)
        assert list(agent.results.values()) == [False, True]


# --- the bound ---------------------------------------------------------------------------


def long_incident() -> list[dict[str, Any]]:
    """A firing, 100 reminders, an acknowledgement in the middle, a resolution."""
    events = [FIRING]
    events += [event(n, reason="reminder") for n in range(1, 101)]
    events.insert(30, event(30, reason="acknowledged", actor="ana"))
    events.append(event(101, AlertStatus.RESOLVED, "recovered", text="x" * 5000))
    return events


def test_the_bound_keeps_first_milestones_and_latest_updates() -> None:
    events = long_incident()
    kept = compact(events)
    assert len(kept) == MAX_EVENTS
    ids = [e["alert_id"] for e in kept]
    assert ids[0] == FIRING["alert_id"]
    assert event(30, reason="acknowledged", actor="ana")["alert_id"] in ids
    assert ids[-1] == events[-1]["alert_id"]
    latest = [e["alert_id"] for e in events if e["reason"] == "reminder"][-(MAX_EVENTS - 3) :]
    assert ids[2:-1] == latest
    assert [bool(e["curve"]) for e in kept] == [False] * (MAX_EVENTS - 1) + [True]
    assert len(kept[-1]["samples"][0]["text"]) == SAMPLE_TEXT_MAX
    assert compact(kept) == kept


def test_a_value_too_big_for_one_changelog_record_loses_updates_not_moments() -> None:
    events = long_incident()
    for e in events:
        e["samples"][0]["url"] = "https://example.test/" + "u" * 30_000  # urls are not cut
    kept = compact(events)
    assert len(codec.dumps({"events": kept})) <= incidents.MAX_VALUE_BYTES
    ids = [e["alert_id"] for e in kept]
    assert ids[0] == FIRING["alert_id"]
    assert ids[-1] == events[-1]["alert_id"]
    assert event(30, reason="acknowledged", actor="ana")["alert_id"] in ids
    assert len(kept) < MAX_EVENTS


@settings(max_examples=20, deadline=None)
@given(st.permutations(long_incident()[:60]))
def test_the_bound_does_not_depend_on_arrival_order(order: list[dict[str, Any]]) -> None:
    everything = long_incident()[:60]
    assert compact(order) == compact(everything)
    # an event the bound dropped comes again: nothing changes
    kept = compact(order)
    assert compact([*kept, everything[5]]) == kept


async def test_a_redelivered_event_the_bound_dropped_writes_nothing(w: Wiring) -> None:
    events = long_incident()
    async with w.app.agents["incidents"].test_context() as agent:
        for value in events:
            await agent.put(value, key=INC, partition=0)
        before = w.tables.incidents[INC]
        await agent.put(events[3], key=INC, partition=0)  # an early reminder, long dropped
        assert list(agent.results.values())[-1] is False
    assert w.tables.incidents[INC] == before
    assert len(before["events"]) == MAX_EVENTS


# --- retention ----------------------------------------------------------------------------

DAY = 86_400_000
TICK = {"kind": "tick", "now_ms": 0}


class Clock:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


@pytest.mark.parametrize(
    ("entry", "now", "verdict"),
    [
        ({"seen_ms": 0, "resolved_seen_ms": 0}, 10 * DAY - 1, None),
        ({"seen_ms": 0, "resolved_seen_ms": 0}, 10 * DAY, "delete"),  # stale, never resolved
        ({"seen_ms": 5 * DAY, "resolved_seen_ms": 2 * DAY}, 12 * DAY - 1, None),
        ({"seen_ms": 5 * DAY, "resolved_seen_ms": 2 * DAY}, 12 * DAY, "delete"),  # from the end
        ({"events": []}, 100 * DAY, "stamp"),  # written before the stamps: kept, stamped
        ({"seen_ms": "x"}, 100 * DAY, "stamp"),
    ],
)
def test_expiry(entry: dict[str, Any], now: int, verdict: str | None) -> None:
    assert incidents.expiry(entry, now, 10 * DAY) == verdict


async def test_ended_reviews_are_pruned_after_retention_and_live_ones_kept(w: Wiring) -> None:
    retention = w.services.config.review_retention_ms
    clock = Clock(T0)
    w.services.clock = clock
    stale = event(0, AlertStatus.FIRING, "anomaly", incident="inc-stale", brand="lumen-air")
    async with w.app.agents["incidents"].test_context() as agent:
        await agent.put(FIRING, key=INC, partition=1)
        await agent.put(stale, key="inc-stale", partition=1)
        await agent.put(event(1, incident=OTHER, brand="nubia"), key=OTHER, partition=0)
        clock.now += DAY
        await agent.put(RESOLVED, key=INC, partition=1)  # the review is kept from here
        await agent.put(event(2, incident=OTHER, brand="nubia"), key=OTHER, partition=0)
        assert w.tables.incidents[INC]["resolved_seen_ms"] == T0 + DAY
        clock.now = T0 + retention - 1
        await agent.put(TICK, partition=1)
        assert {INC, "inc-stale"} <= set(w.tables.incidents)  # nothing is due yet
        clock.now += HOUSEKEEP_EVERY_MS
        await agent.put(TICK, partition=0)  # another partition's tick: not their entries
        assert "inc-stale" in w.tables.incidents
        await agent.put(TICK, partition=1)
        assert "inc-stale" not in w.tables.incidents  # open, silent for a retention
        assert INC in w.tables.incidents  # resolved a day later: kept from its resolution
        clock.now = T0 + DAY + retention + HOUSEKEEP_EVERY_MS
        await agent.put(TICK, partition=1)
        assert INC not in w.tables.incidents
        assert OTHER in w.tables.incidents  # partition 0 housekept too recently
        assert list(agent.results.values())[-1] is False  # a tick keeps no event
        clock.now += HOUSEKEEP_EVERY_MS
        await agent.put(TICK, partition=0)
        assert OTHER not in w.tables.incidents
    assert IncidentStore(w.tables.incidents).incidents({0, 1}) == {}


async def test_one_pass_is_bounded_and_housekeeping_waits_between_passes(w: Wiring) -> None:
    clock = Clock(T0)
    w.services.clock = clock
    async with w.app.agents["incidents"].test_context() as agent:
        for k in range(MAX_HOUSEKEEP_WRITES + 5):
            ev = event(0, AlertStatus.FIRING, "anomaly", incident=f"inc-{k:04d}")
            await agent.put(ev, key=f"inc-{k:04d}", partition=1)
        clock.now += w.services.config.review_retention_ms
        await agent.put(TICK, partition=1)
        assert len(w.tables.incidents) == 5  # one pass deletes at most MAX_HOUSEKEEP_WRITES
        clock.now += HOUSEKEEP_EVERY_MS - 1
        await agent.put(TICK, partition=1)
        assert len(w.tables.incidents) == 5  # too soon for the next pass
        clock.now += 1
        await agent.put(TICK, partition=1)
    assert len(w.tables.incidents) == 0


async def test_entries_from_before_the_stamps_are_kept_a_full_retention(w: Wiring) -> None:
    retention = w.services.config.review_retention_ms
    clock = Clock(T0)
    w.services.clock = clock
    async with w.app.agents["incidents"].test_context() as agent:
        await agent.put(FIRING, key=INC, partition=1)
        await agent.put(RESOLVED, key=INC, partition=1)
        entry = w.tables.incidents[INC]
        assert entry["seen_ms"] == entry["resolved_seen_ms"] == T0
        old = {k: v for k, v in entry.items() if not k.endswith("seen_ms")}
        w.tables.incidents.data[INC] = old  # as an earlier version wrote it
        clock.now = T0 + 400 * DAY
        await agent.put(TICK, partition=1)
        assert w.tables.incidents[INC]["resolved_seen_ms"] == clock.now  # stamped, kept
        clock.now += retention - 1
        await agent.put(TICK, partition=1)
        assert INC in w.tables.incidents
        clock.now += HOUSEKEEP_EVERY_MS
        await agent.put(TICK, partition=1)
    assert INC not in w.tables.incidents


# --- the review pages --------------------------------------------------------------------


class FakeRouting(Routing):
    """The worker's place in the group, as the assignor would say it."""

    def __init__(self, w: Wiring, mine: set[int], others: dict[str, list[int]]) -> None:
        super().__init__(w.app, IncidentStore(w.tables.incidents))
        self._mine = frozenset(mine)
        self._others = others
        self.is_ready = True

    def url(self) -> str:
        return "http://worker-a:6066"

    def ready(self) -> bool:
        return self.is_ready

    def mine(self) -> frozenset[int]:
        return self._mine

    def workers(self) -> dict[str, list[int]]:
        return {self.url(): sorted(self._mine), **self._others}

    async def prepare(self) -> None:
        return None


class FakeRequest:
    def __init__(self, incident_id: str = "", **query: str) -> None:
        self.match_info = {"incident_id": incident_id} if incident_id else {}
        self.query = query


async def filled(w: Wiring) -> None:
    async with w.app.agents["incidents"].test_context() as agent:
        for value in (FIRING, event(1), event(2, reason="acknowledged", actor="ana"), RESOLVED):
            await agent.put(value, key=INC, partition=0)
        await agent.put(event(1, incident=OTHER, brand="nubia"), key=OTHER, partition=1)


def on_this_worker(w: Wiring, monkeypatch: pytest.MonkeyPatch) -> None:
    async def same_node(*args: Any, **kwargs: Any) -> Any:
        raise SameNode

    monkeypatch.setattr(w.app.router, "route_req", same_node)


async def get(
    w: Wiring, routing: Routing, request: FakeRequest, *, listing: bool = False
) -> aioweb.Response:
    store = IncidentStore(w.tables.incidents)
    make = review_pages.list_view if listing else review_pages.review_view
    view = make(store, routing)(w.app, w.app.web)
    response = await view.get(request)  # type: ignore[arg-type]
    assert isinstance(response, aioweb.Response)
    return response


def body(response: aioweb.Response) -> str:
    assert isinstance(response.body, bytes)
    return response.body.decode()


async def test_the_list_shows_this_workers_incidents_and_the_others(w: Wiring) -> None:
    await filled(w)
    routing = FakeRouting(w, {0}, {"http://worker-b:6066": [1]})
    response = await get(w, routing, FakeRequest(), listing=True)
    listed = json.loads(body(response))
    assert listed["partitions"] == [0]
    assert listed["complete"] is False
    assert listed["workers"] == {"http://worker-a:6066": [0], "http://worker-b:6066": [1]}
    (only,) = listed["incidents"]  # OTHER is on partition 1: not this worker's any more
    assert only["id"] == INC
    assert only["brand"] == "verdalia"
    assert only["state"] == "resolved"
    assert only["onset"] == codec.iso_ms(T0)
    assert only["detected"] == FIRING["detected_at"]
    assert only["peak"] == RESOLVED["peak_at"]
    assert only["url"] == f"/incidents/{INC}"


@pytest.mark.parametrize(
    ("wanted", "fmt", "content_type", "starts"),
    [
        (INC, None, "text/html", "<!doctype html>"),
        (INC, "html", "text/html", "<!doctype html>"),
        (INC, "md", "text/markdown", "# Incident review: verdalia"),
        (INC, "json", "application/json", "{"),
        (INC[:5], "md", "text/markdown", "# Incident review: verdalia"),
    ],
)
async def test_the_review_in_each_format_by_id_or_prefix(
    w: Wiring,
    monkeypatch: pytest.MonkeyPatch,
    wanted: str,
    fmt: str | None,
    content_type: str,
    starts: str,
) -> None:
    await filled(w)
    on_this_worker(w, monkeypatch)
    query = {"format": fmt} if fmt else {}
    routing = FakeRouting(w, {0, 1}, {})
    response = await get(w, routing, FakeRequest(wanted, **query))
    assert response.status == 200
    assert response.content_type == content_type
    text = body(response)
    assert text.startswith(starts)
    if content_type == "text/html":
        assert "<script>" not in text
        assert "&lt;script&gt;" in text
    if fmt == "json":
        assert json.loads(text)["incident_id"] == INC


@pytest.mark.parametrize(
    ("wanted", "others", "hint"),
    [
        ("0123456789abcdef", {}, False),  # a full id, routed here: nobody has it
        ("0123456789abcdef", {"http://worker-b:6066": [1]}, False),
        ("zz", {}, False),
        ("zz", {"http://worker-b:6066": [1]}, True),  # a prefix: only searched here
    ],
)
async def test_an_unknown_id_is_a_404_that_says_where_it_looked(
    w: Wiring,
    monkeypatch: pytest.MonkeyPatch,
    wanted: str,
    others: dict[str, list[int]],
    hint: bool,
) -> None:
    await filled(w)
    on_this_worker(w, monkeypatch)
    response = await get(w, FakeRouting(w, {0}, others), FakeRequest(wanted))
    assert response.status == 404
    answer = json.loads(body(response))
    assert wanted in answer["error"]
    assert answer["worker"] == "http://worker-a:6066"
    assert answer["partitions"] == [0]
    assert ("hint" in answer) is hint
    if hint:
        assert answer["workers"] == others


async def test_an_ambiguous_prefix_says_so(w: Wiring) -> None:
    twin = next(
        i
        for n in range(1, 200)
        if (i := alerting.incident_id_for("verdalia", T0 + n * B))[0] == INC[0]
    )
    async with w.app.agents["incidents"].test_context() as agent:
        await agent.put(FIRING, key=INC, partition=0)
        await agent.put(event(3, incident=twin), key=twin, partition=0)
    response = await get(w, FakeRouting(w, {0, 1}, {}), FakeRequest(INC[0]))
    assert response.status == 404
    assert "give more of the id" in json.loads(body(response))["error"]


async def test_another_workers_incident_is_answered_by_faust_routing(
    w: Wiring, monkeypatch: pytest.MonkeyPatch
) -> None:
    routed: list[tuple[str, Any]] = []
    elsewhere = aioweb.Response(text="from worker b", content_type="text/html")

    async def route_req(table_name: str, key: Any, web: Any, request: Any) -> Any:
        routed.append((table_name, key))
        return elsewhere

    monkeypatch.setattr(w.app.router, "route_req", route_req)
    response = await get(w, FakeRouting(w, {0}, {}), FakeRequest(OTHER))
    assert response is elsewhere
    assert routed == [("incidents", OTHER)]


async def test_no_route_yet_or_not_ready_is_a_503(
    w: Wiring, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_route(*args: Any, **kwargs: Any) -> Any:
        raise ServiceUnavailable

    monkeypatch.setattr(w.app.router, "route_req", no_route)
    routing = FakeRouting(w, {0}, {})
    assert (await get(w, routing, FakeRequest(INC))).status == 503
    routing.is_ready = False
    assert (await get(w, routing, FakeRequest("ab"))).status == 503
    assert (await get(w, routing, FakeRequest(), listing=True)).status == 503


async def test_an_unknown_format_is_a_400(w: Wiring) -> None:
    response = await get(w, FakeRouting(w, {0}, {}), FakeRequest(INC, format="pdf"))
    assert response.status == 400
    assert "pdf" in json.loads(body(response))["error"]


def test_the_pages_are_declared_on_the_worker(w: Wiring) -> None:
    assert {"/incidents", "/incidents/{incident_id}"} <= set(w.app.web.views)
    assert "incidents" in w.app.agents
    assert "incident-keys" in w.app.agents


# --- the Slack button's link -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", None),
        ("https://sp.example.com", "https://sp.example.com"),
        ("  https://sp.example.com/reviews/  ", "https://sp.example.com/reviews"),
        ("http://10.0.0.5:6066", "http://10.0.0.5:6066"),
    ],
)
def test_review_url_from_the_environment(value: str, expected: str | None) -> None:
    assert load_env({"STREAMPROC_REVIEW_URL": value}).review_url == expected


@pytest.mark.parametrize(
    "value", ["sp.example.com", "ftp://sp.example.com", "https://", "https:///x"]
)
def test_a_review_url_that_is_not_http_is_a_config_error(value: str) -> None:
    with pytest.raises(ConfigError, match="STREAMPROC_REVIEW_URL"):
        load_env({"STREAMPROC_REVIEW_URL": value})


def test_open_review_links_to_the_incident_page_when_configured() -> None:
    view = RootView(
        event=codec.alert_from_dict(FIRING),
        status=AlertStatus.FIRING,
        severity=Severity.WARNING,
    )
    buttons = [
        el
        for block in root_message(view, "Verdalia", "https://sp.example.com")[1]
        if block.get("type") == "actions"
        for el in block["elements"]
    ]
    (review,) = [b for b in buttons if b.get("action_id") == "review"]
    assert review["url"] == f"https://sp.example.com/incidents/{INC}"
    plain = root_message(view, "Verdalia")[1]
    assert all("url" not in el for b in plain if b.get("type") == "actions" for el in b["elements"])
    assert review_link(None, INC) is None
    assert incidents.INCIDENTS_PATH == "/incidents"
