"""Agent `notify` with a Slack token: the durable outbox against the Slack double.

Faust's test_context with the memory store; the Slack double stands in for
Slack's Web API; a fake wall clock drives the outbox's waits (ticks are put
on the agent like the timer's records).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from agents import notify, views
from agents.adapters.slack import RetryPolicy, SlackNotifier
from agents.adapters.slack_actions import sign
from agents.adapters.slack_double import SlackDouble, StoredMessage
from agents.adapters.slack_render import fmt_time
from agents.app import Wiring, wire
from agents.services import Services, slack_metrics_hook
from streamproc import codec
from streamproc.model import AlertEvent, AlertStatus, Sample, Severity
from streamproc.settings import load_config, load_env

TOKEN = "xoxb-test-n0tify-t0ken"  # noqa: S105 (test placeholder)
SECRET = "signing-s3cret"  # noqa: S105
FORGED = "not-the-s3cret"
CHANNELS = {"alerts-verdalia": "C0VERD", "alerts-nubia": "C0NUBIA", "brand-alerts": "C0DEF"}
NO_RETRY = RetryPolicy(
    connection_retries=0, rate_limit_retries=0, server_error_retries=0, jitter_s=0.0
)
T0 = 1_772_409_600_000
B = 900_000
WALL0 = 1_790_000_000_000


class Clock:
    def __init__(self) -> None:
        self.now = WALL0

    def __call__(self) -> int:
        return self.now


@dataclass
class Rig:
    w: Wiring
    slack: SlackDouble
    clock: Clock
    sent: list[dict[str, Any]]

    def value(self, name: str, labels: dict[str, str] | None = None) -> float:
        got = self.w.services.registry.get_sample_value(name, labels or {})
        return 0.0 if got is None else got


def make_wiring(slack: SlackDouble, clock: Clock, sent: list[dict[str, Any]]) -> Wiring:
    config = load_config()
    config = replace(config, pipeline=replace(config.pipeline, partitions=2))
    env = replace(load_env({}), slack_signing_secret=SECRET)
    services = Services.create(config, env, CollectorRegistry())
    services.clock = clock
    services.slack = SlackNotifier(
        TOKEN,
        base_url=slack.base_url,
        metrics=slack_metrics_hook(services.metrics),
        retry=NO_RETRY,
        min_interval_s=0,
    )
    w = wire(config, env, "127.0.0.1:1", services)
    w.app.conf.store = "memory://"

    async def capture(**kw: Any) -> None:
        sent.append(kw)

    w.topics.actions.send = capture  # type: ignore[method-assign]
    return w


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    # Slack's ts follow its wall clock: the double's start where the fake clock does.
    async with SlackDouble(TOKEN, channels=CHANNELS, ts_start_us=WALL0 * 1000 + 100) as slack:
        clock = Clock()
        sent: list[dict[str, Any]] = []
        yield Rig(make_wiring(slack, clock, sent), slack, clock, sent)


def alert(
    n: int,
    status: AlertStatus = AlertStatus.UPDATED,
    reason: str = "rising",
    *,
    brand: str = "verdalia",
    incident: str = "inc-v",
    actor: str = "",
    severity: Severity = Severity.WARNING,
) -> dict[str, Any]:
    event = AlertEvent(
        alert_id=f"{incident}-{n}",
        incident_id=incident,
        brand=brand,
        status=status,
        severity=severity,
        window_start_ms=T0 + n * B,
        window_end_ms=T0 + (n + 1) * B,
        observed=40.0 + n,
        expected=5.0,
        score=20.0,
        growth=1.5,
        share=0.6,
        onset_ms=T0,
        detected_at_ms=T0 + (n + 1) * B,
        languages={"es": 30, "ca": 10 + n},
        sources={"twitter": 40},
        top_terms=("caducado", "intoxicación"),
        samples=(
            Sample(
                mention_id="m1",
                text="El yogur estaba caducado",
                created_at_ms=T0,
                lang="es",
                author="pepa",
                url="https://example.org/1",
                followers=1200,
            ),
        ),
        authors=35,
        top_author_share=0.2,
        total=70,
        reason=reason,
        actor=actor,
    )
    return codec.alert_to_dict(event)


FIRING = alert(0, AlertStatus.FIRING, "anomaly")
TICK = {"kind": "tick", "now_ms": 0}


Thread = tuple[StoredMessage, list[StoredMessage]]


def thread_of(slack: SlackDouble, channel: str = "alerts-verdalia") -> Thread:
    (root,) = slack.roots(channel)
    return root, slack.replies(channel, root.ts)


def words(message: StoredMessage) -> str:
    return message.text + " " + " ".join(str(b) for b in message.blocks)


async def test_one_root_replies_in_order_and_the_root_shows_the_state(rig: Rig) -> None:
    events = [
        FIRING,
        alert(1, AlertStatus.ESCALATED, "escalated", severity=Severity.CRITICAL),
        alert(5, reason="reminder", severity=Severity.CRITICAL),
        alert(6, reason="acknowledged", actor="ana", severity=Severity.CRITICAL),
        alert(9, AlertStatus.RESOLVED, "recovered", severity=Severity.CRITICAL),
    ]
    async with rig.w.app.agents["notify"].test_context() as notify:
        for event in events:
            await notify.put(event, partition=1)
        await notify.put(events[2], partition=1)  # a re-delivery changes nothing
    root, replies = thread_of(rig.slack)
    assert root.channel == "C0VERD"
    assert [r.text.split("\n")[0] for r in replies] == [
        ":arrow_double_up: *Escalated to critical*: Verdalia (escalated)",
        ":information_source: *Update*: Verdalia (still not acknowledged)",
        ":information_source: *Update*: Verdalia (acknowledged)",
        ":white_check_mark: *Resolved*: Verdalia is back to normal",
    ]
    assert [r.reply_broadcast for r in replies] == [True, False, False, True]
    assert "Acknowledged by *ana*" in words(replies[2])
    assert "@channel" not in " ".join(words(r) for r in replies)
    assert root.edits >= 1
    shown = words(root)
    assert "Resolved" in root.text
    assert "acknowledged by *ana*" in shown
    assert rig.w.tables.outbox.get("inc-v") is None  # all delivered
    thread = rig.w.tables.slack_threads["inc-v"]
    assert (thread["channel"], thread["ts"]) == ("C0VERD", root.ts)
    assert thread["delivered"] == [e["alert_id"] for e in events]
    assert rig.value("streamproc_slack_outbox_pending_messages") == 0
    ok = {"method": "chat.postMessage", "outcome": "ok"}
    assert rig.value("streamproc_slack_requests_total", ok) == 5
    assert progress_ids(rig) == [e["alert_id"] for e in events] + [events[2]["alert_id"]]


def progress_ids(rig: Rig) -> list[str]:
    return [str(a["alert_id"]) for a in rig.w.services.progress.alerts]


async def test_an_outage_keeps_everything_and_coalesces_updates(rig: Rig) -> None:
    rig.slack.outage(True)
    async with rig.w.app.agents["notify"].test_context() as notify:
        await notify.put(FIRING, partition=1)
        for n in (1, 2, 3):
            await notify.put(alert(n, reason="reminder" if n == 2 else "rising"), partition=1)
        await notify.put(alert(4, AlertStatus.ESCALATED, "escalated"), partition=1)
        await notify.put(alert(5), partition=1)
        assert rig.slack.posted == []
        entry = rig.w.tables.outbox["inc-v"]
        assert entry["root_alert_id"] == "inc-v-0"
        assert [r["alert_ids"] for r in entry["replies"]] == [
            ["inc-v-1", "inc-v-2", "inc-v-3"],
            ["inc-v-4"],
            ["inc-v-5"],
        ]
        assert rig.value("streamproc_slack_outbox_pending_messages") == 6
        calls = len(rig.slack.requests)
        await notify.put(TICK, partition=1)  # within the back-off: no call
        assert len(rig.slack.requests) == calls
        rig.clock.now += 10 * 60_000  # ten minutes of outage
        await notify.put(TICK, partition=1)
        assert len(rig.slack.requests) == calls + 1
        rig.slack.outage(False)
        rig.clock.now += 10 * 60_000
        await notify.put(TICK, partition=0)  # another partition's tick touches nothing
        assert rig.slack.posted == []
        await notify.put(TICK, partition=1)
    _, replies = thread_of(rig.slack)
    assert [r.reply_broadcast for r in replies] == [False, True, False]
    assert "Stands for 3 updates" in words(replies[0])
    assert rig.w.tables.slack_threads["inc-v"]["delivered"] == [f"inc-v-{n}" for n in range(6)]
    assert rig.w.tables.outbox.get("inc-v") is None
    assert rig.value("streamproc_slack_outbox_pending_messages") == 0
    failed = {"method": "chat.postMessage", "outcome": "server_error"}
    assert rig.value("streamproc_slack_requests_total", failed) == calls + 1


async def test_rate_limits_wait_for_retry_after_and_keep_the_order(rig: Rig) -> None:
    async with rig.w.app.agents["notify"].test_context() as notify:
        await notify.put(FIRING, partition=1)
        rig.slack.fail_next(3, kind="429", retry_after=7)
        esc = alert(1, AlertStatus.ESCALATED, "escalated", severity=Severity.CRITICAL)
        await notify.put(esc, partition=1)
        await notify.put(alert(2, reason="acknowledged", actor="bo"), partition=1)
        assert rig.w.tables.outbox["inc-v"]["next_attempt_ms"] == WALL0 + 7000
        for _ in range(3):
            rig.clock.now += 7000
            await notify.put(TICK, partition=1)
    _, replies = thread_of(rig.slack)
    assert [r.text.split("*")[1] for r in replies] == ["Escalated to critical", "Update"]
    limited = {"method": "chat.postMessage", "outcome": "rate_limited"}
    assert rig.value("streamproc_slack_requests_total", limited) == 3


async def test_a_restarted_worker_continues_the_thread(rig: Rig) -> None:
    async with rig.w.app.agents["notify"].test_context() as notify:
        await notify.put(FIRING, partition=1)
        rig.slack.outage(True, kind="drop")
        await notify.put(alert(1), partition=1)
    # The worker dies; another one recovers both tables from their changelogs.
    threads = dict(rig.w.tables.slack_threads.items())
    entries = dict(rig.w.tables.outbox.items())
    assert list(entries) == ["inc-v"]
    rig.slack.outage(False)
    second = make_wiring(rig.slack, rig.clock, rig.sent)
    second.tables.slack_threads.data.update(threads)
    second.tables.outbox.data.update(entries)
    async with second.app.agents["notify"].test_context() as notify:
        await notify.put(FIRING, partition=1)  # re-processed after the crash
        await notify.put(alert(1), partition=1)
        rig.clock.now += 60_000
        await notify.put(alert(2, AlertStatus.RESOLVED, "recovered"), partition=1)
    _, replies = thread_of(rig.slack)
    assert len(replies) == 2
    assert second.tables.slack_threads["inc-v"]["delivered"] == ["inc-v-0", "inc-v-1", "inc-v-2"]


async def test_a_permanent_error_parks_one_incident_and_not_the_others(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    config = rig.w.services.config
    broken = replace(config, default_channel="#nowhere")  # channel_not_found at the double
    rig.w.services.config = broken
    caplog.set_level(logging.INFO, logger="agents.notify")
    lumen = alert(0, AlertStatus.FIRING, "anomaly", brand="lumen-air", incident="inc-l")
    async with rig.w.app.agents["notify"].test_context() as notify:
        await notify.put(lumen, partition=1)
        await notify.put(FIRING, partition=1)
        rig.clock.now += 60_000
        await notify.put(TICK, partition=1)
    assert [m.channel for m in rig.slack.roots()] == ["C0VERD"]
    entry = rig.w.tables.outbox["inc-l"]
    assert entry["parked"] is True
    assert entry["last_error"] == "channel_not_found"
    parked = [r for r in caplog.records if "parked" in r.getMessage()]
    assert len(parked) == 1
    assert rig.value("streamproc_slack_outbox_pending_messages") == 1
    errors = {"method": "chat.postMessage", "outcome": "api_error"}
    assert rig.value("streamproc_slack_requests_total", errors) == 1


async def test_a_snooze_shows_on_the_root_until_when(rig: Rig) -> None:
    snooze = alert(2, reason="snoozed", actor="bo")
    async with rig.w.app.agents["notify"].test_context() as notify:
        await notify.put(FIRING, partition=0)
        await notify.put(snooze, partition=0)
    root, replies = thread_of(rig.slack)
    until = codec.ms_from_iso(snooze["detected_at"]) + 3_600_000
    assert f"Snoozed by bo until {fmt_time(until)}" in words(root)
    assert "Snoozed by *bo*" in words(replies[0])
    assert root.edits == 1


class FakeRequest:
    """What the view reads of aiohttp's request: headers and the raw body."""

    def __init__(self, body: bytes, headers: dict[str, str]) -> None:
        self.body = body
        self.headers = headers
        self.content = self

    async def read(self) -> bytes:
        return self.body


def click(action_id: str, *, ts: float, secret: str = SECRET) -> FakeRequest:
    import json
    from urllib.parse import urlencode

    payload = {
        "type": "block_actions",
        "user": {"id": "U1", "username": "ana"},
        "actions": [
            {
                "action_id": action_id,
                "block_id": "incident-actions|verdalia",
                "value": "inc-v",
                "action_ts": f"{ts:.6f}",
            }
        ],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    stamp = str(int(ts))
    headers = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": sign(secret, stamp, body),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return FakeRequest(body, headers)


@pytest.mark.parametrize(
    ("request_of", "status", "sent"),
    [
        (lambda now: click("ack", ts=now), 200, ["acknowledge"]),
        (lambda now: click("snooze", ts=now), 200, ["snooze"]),
        (lambda now: click("resolve", ts=now), 200, ["resolve"]),
        (lambda now: click("review", ts=now), 200, []),
        (lambda now: click("ack", ts=now, secret=FORGED), 401, []),
        (lambda now: click("ack", ts=now - 301), 401, []),
        (lambda now: FakeRequest(b"payload=%7B", {}), 401, []),
    ],
)
async def test_button_endpoint(rig: Rig, request_of: Any, status: int, sent: list[str]) -> None:
    view_class = views.slack_actions_view(rig.w.topics.actions, rig.w.services)
    view = view_class(rig.w.app, rig.w.app.web)
    response = await view.post(request_of(rig.clock.now / 1000))
    assert response.status == status
    assert [s["value"]["action"] for s in rig.sent] == sent
    for record in rig.sent:
        assert record["key"] == b"verdalia"
        assert record["value"]["incident_id"] == "inc-v"
        assert record["value"]["actor"] == "ana"


# --- a lost answer to a root post; pruning resolved threads ------------------------------


def outbox_events(rig: Rig, event: str) -> float:
    return rig.value("streamproc_slack_outbox_events_total", {"event": event})


async def test_a_root_whose_answer_was_lost_is_adopted_not_posted_twice(rig: Rig) -> None:
    rig.slack.fail_next(1, kind="lost", method="chat.postMessage")
    async with rig.w.app.agents["notify"].test_context() as notify:
        await notify.put(FIRING, partition=1)
        assert len(rig.slack.roots()) == 1  # Slack has it, we did not hear back
        entry = rig.w.tables.outbox["inc-v"]
        assert (entry["root_unsure"], entry["root_attempted_at_ms"]) == (True, WALL0)
        await notify.put(alert(1), partition=1)  # within the back-off: waits
        rig.clock.now += 60_000
        await notify.put(TICK, partition=1)
    root, replies = thread_of(rig.slack)
    assert len(replies) == 1
    thread = rig.w.tables.slack_threads["inc-v"]
    assert (thread["channel"], thread["ts"]) == ("C0VERD", root.ts)
    assert thread["delivered"] == ["inc-v-0", "inc-v-1"]
    assert rig.w.tables.outbox.get("inc-v") is None
    assert outbox_events(rig, "root_adopted") == 1
    looked = [r.method for r in rig.slack.requests if r.method.startswith("conversations.")]
    assert looked == ["conversations.list", "conversations.history"]


async def test_a_restarted_worker_finds_the_root_its_predecessor_posted(rig: Rig) -> None:
    rig.slack.fail_next(1, kind="lost", method="chat.postMessage")
    async with rig.w.app.agents["notify"].test_context() as notify:
        await notify.put(FIRING, partition=1)
    # The worker dies before Slack's answer is stored; another one recovers the tables.
    second = make_wiring(rig.slack, rig.clock, rig.sent)
    second.tables.slack_threads.data.update(dict(rig.w.tables.slack_threads.items()))
    second.tables.outbox.data.update(dict(rig.w.tables.outbox.items()))
    rig.clock.now += 60_000
    async with second.app.agents["notify"].test_context() as notify:
        await notify.put(FIRING, partition=1)  # re-processed after the crash
        await notify.put(alert(2, AlertStatus.RESOLVED, "recovered"), partition=1)
    root, replies = thread_of(rig.slack)
    assert len(replies) == 1
    assert second.tables.slack_threads["inc-v"]["ts"] == root.ts
    assert "Resolved" in rig.slack.current("C0VERD", root.ts).text  # the adopted root redrawn


async def test_a_root_that_did_not_land_is_posted_after_the_lookup(rig: Rig) -> None:
    rig.slack.fail_next(1, kind="drop", method="chat.postMessage")  # nothing stored
    async with rig.w.app.agents["notify"].test_context() as notify:
        await notify.put(FIRING, partition=1)
        assert rig.slack.roots() == []
        rig.clock.now += 60_000
        await notify.put(TICK, partition=1)
    thread_of(rig.slack)  # exactly one root
    assert outbox_events(rig, "root_not_found") == 1
    assert rig.w.tables.outbox.get("inc-v") is None


async def test_resolved_threads_are_pruned_and_their_late_events_dropped(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="agents.notify")
    day = 86_400_000
    nubia = alert(0, AlertStatus.FIRING, "anomaly", brand="nubia", incident="inc-n")
    async with rig.w.app.agents["notify"].test_context() as notify:
        await notify.put(FIRING, partition=1)
        await notify.put(alert(3, AlertStatus.RESOLVED, "recovered"), partition=1)
        await notify.put(nubia, partition=1)  # still firing
        rig.clock.now += 14 * day - 1
        await notify.put(TICK, partition=1)
        assert "delivered" in rig.w.tables.slack_threads["inc-v"]  # not yet
        rig.clock.now += 1
        await notify.put(TICK, partition=0)  # another partition's tick: not its entries
        assert "delivered" in rig.w.tables.slack_threads["inc-v"]
        rig.clock.now += 600_000
        await notify.put(TICK, partition=1)
        pruned = rig.w.tables.slack_threads["inc-v"]
        assert pruned["pruned"] is True
        assert "delivered" not in pruned
        assert "delivered" in rig.w.tables.slack_threads["inc-n"]  # a live incident stays
        await notify.put(FIRING, partition=1)  # a late re-delivery
        await notify.put(alert(4), partition=1)
        assert len(rig.slack.roots()) == 2  # no new root for the pruned incident
        assert rig.w.tables.outbox.get("inc-v") is None
        rig.clock.now += 366 * day
        await notify.put(TICK, partition=1)
        assert rig.w.tables.slack_threads.get("inc-v") is None
    assert outbox_events(rig, "thread_pruned") == 1
    assert outbox_events(rig, "late_event_dropped") == 2
    assert outbox_events(rig, "tombstone_expired") == 1
    dropped = [r for r in caplog.records if "re-delivery" in r.getMessage()]
    assert len(dropped) == 2


# --- a reply whose answer was lost ---------------------------------------------------------


async def test_a_reply_whose_answer_was_lost_is_found_not_posted_twice(rig: Rig) -> None:
    async with rig.w.app.agents["notify"].test_context() as notify:
        await notify.put(FIRING, partition=1)
        rig.slack.fail_next(1, kind="lost", method="chat.postMessage")
        await notify.put(alert(1, AlertStatus.ESCALATED, "escalated"), partition=1)
        _, replies = thread_of(rig.slack)
        assert len(replies) == 1  # Slack has it, we did not hear back
        entry = rig.w.tables.outbox["inc-v"]
        assert (entry["reply_unsure"], entry["reply_attempted_at_ms"]) == (True, WALL0)
        await notify.put(alert(2), partition=1)  # within the back-off: waits
        await notify.put(alert(3), partition=1)
        rig.clock.now += 60_000
        await notify.put(TICK, partition=1)
    _, replies = thread_of(rig.slack)
    assert len(replies) == 2
    assert "Stands for 2 updates" in words(replies[1])  # updates queued behind, not folded in
    assert [r.metadata["event_payload"]["alert_id"] for r in replies if r.metadata] == [
        "inc-v-1",
        "inc-v-3",
    ]
    thread = rig.w.tables.slack_threads["inc-v"]
    assert thread["delivered"] == ["inc-v-0", "inc-v-1", "inc-v-2", "inc-v-3"]
    assert rig.w.tables.outbox.get("inc-v") is None
    assert outbox_events(rig, "reply_found") == 1
    looked = [r.method for r in rig.slack.requests if r.method.startswith("conversations.")]
    assert looked == ["conversations.replies"]  # the thread's channel is an id already


async def test_a_reply_that_never_reached_slack_is_posted_after_the_lookup(rig: Rig) -> None:
    async with rig.w.app.agents["notify"].test_context() as notify:
        await notify.put(FIRING, partition=1)
        rig.slack.fail_next(1, kind="drop", method="chat.postMessage")  # nothing stored
        await notify.put(alert(1), partition=1)
        assert thread_of(rig.slack)[1] == []
        rig.clock.now += 60_000
        await notify.put(TICK, partition=1)
    _, replies = thread_of(rig.slack)
    assert len(replies) == 1
    assert outbox_events(rig, "reply_not_found") == 1
    assert rig.w.tables.slack_threads["inc-v"]["delivered"] == ["inc-v-0", "inc-v-1"]


async def test_a_redelivered_event_after_a_crash_before_the_record_is_not_doubled(
    rig: Rig,
) -> None:
    """Slack took the reply, and the worker died before it recorded the answer."""
    crashed: list[tuple[dict[str, Any], dict[str, Any]]] = []
    real_post = rig.w.services.slack.post_reply  # type: ignore[union-attr]

    async def post_then_die(*args: Any, **kw: Any) -> Any:
        posted = await real_post(*args, **kw)
        # What the changelogs hold at this instant is all a successor will see.
        crashed.append(
            (dict(rig.w.tables.slack_threads.items()), dict(rig.w.tables.outbox.items()))
        )
        return posted

    async with rig.w.app.agents["notify"].test_context() as notify:
        await notify.put(FIRING, partition=1)
        rig.w.services.slack.post_reply = post_then_die  # type: ignore[union-attr, method-assign]
        await notify.put(alert(1, AlertStatus.ESCALATED, "escalated"), partition=1)
    threads, entries = crashed[0]
    assert entries["inc-v"]["reply_unsure"] is True  # on record as attempted before the call
    second = make_wiring(rig.slack, rig.clock, rig.sent)
    second.tables.slack_threads.data.update(threads)
    second.tables.outbox.data.update(entries)
    rig.clock.now += 60_000
    async with second.app.agents["notify"].test_context() as notify:
        await notify.put(FIRING, partition=1)  # re-processed after the crash
        await notify.put(alert(1, AlertStatus.ESCALATED, "escalated"), partition=1)
        await notify.put(alert(2, AlertStatus.RESOLVED, "recovered"), partition=1)
    root, replies = thread_of(rig.slack)
    assert [r.text.split("*")[1] for r in replies] == ["Escalated to warning", "Resolved"]
    assert second.tables.slack_threads["inc-v"]["delivered"] == ["inc-v-0", "inc-v-1", "inc-v-2"]
    assert "Resolved" in rig.slack.current("C0VERD", root.ts).text
    assert (
        second.services.registry.get_sample_value(
            "streamproc_slack_outbox_events_total", {"event": "reply_found"}
        )
        == 1
    )


@pytest.mark.parametrize(
    ("status", "reason", "label"),
    [
        (AlertStatus.UPDATED, "easing", "[UPDATED warning, easing]"),
        (AlertStatus.UPDATED, "rising", "[UPDATED warning, rising]"),
        (AlertStatus.UPDATED, "reminder", "[UPDATED warning]"),
        (AlertStatus.FIRING, "anomaly", "[FIRING warning]"),
    ],
)
def test_the_console_line_says_which_way_an_update_moved(
    status: AlertStatus, reason: str, label: str
) -> None:
    event = codec.alert_from_dict(alert(1, status, reason))
    assert notify.console_line(event, "Verdalia").startswith(f"{label} Verdalia: 8.2x normal")
