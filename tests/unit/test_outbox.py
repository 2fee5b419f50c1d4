"""The Slack outbox bookkeeping: order, coalescing, retries, parking, nothing dropped."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamproc import outbox
from streamproc.model import AlertEvent, AlertStatus, Sample, Severity
from streamproc.outbox import (
    Delivery,
    Failed,
    OutboxParams,
    PostReply,
    PostRoot,
    Sent,
    UpdateRoot,
    next_action,
    pending_events,
    record,
    root_view,
    settle,
)

FIRING, UPDATED = AlertStatus.FIRING, AlertStatus.UPDATED
ESCALATED, RESOLVED = AlertStatus.ESCALATED, AlertStatus.RESOLVED
CRIT = Severity.CRITICAL
B = 900_000
SAMPLE = Sample(mention_id="m1", text="caducado", created_at_ms=0, lang="es", author="ana")


def ev(
    n: int,
    status: AlertStatus = UPDATED,
    reason: str = "rising",
    *,
    actor: str = "",
    severity: Severity = Severity.WARNING,
) -> AlertEvent:
    """The n-th event of incident "inc" (numbers only for data events, as alerting does)."""
    action = reason in outbox.ACTION_REASONS
    return AlertEvent(
        alert_id=f"a{n}",
        incident_id="inc",
        brand="verdalia",
        status=status,
        severity=severity,
        window_start_ms=n * B,
        window_end_ms=(n + 1) * B,
        observed=float(10 + n),
        expected=2.0,
        score=float(n),
        growth=0.5,
        share=0.25,
        onset_ms=0,
        detected_at_ms=(n + 1) * B,
        languages={} if action else {"es": 10 + n},
        samples=() if action else (SAMPLE,),
        reason=reason,
        actor=actor,
    )


def posted(d: Delivery, now: int = 0, ts: str = "1.000100") -> Delivery:
    """`d` after Slack said ok to its next call."""
    action = next_action(d, now)
    assert action is not None
    d, notes = settle(d, action, Sent(channel="C1", ts=ts), now)
    assert notes == ()
    return d


def rec(d: Delivery, *events: AlertEvent) -> Delivery:
    for e in events:
        d, _ = record(d, e, channel="#alerts", partition=1)
    return d


def test_first_event_is_the_root_then_replies_then_one_root_edit() -> None:
    d = rec(Delivery(), ev(0, FIRING, "anomaly"))
    action = next_action(d, 0)
    assert isinstance(action, PostRoot)
    assert (action.channel, action.alert_id) == ("#alerts", "a0")
    d = posted(d, ts="9.000100")
    assert d.pending is None
    assert d.thread is not None
    assert (d.thread.channel, d.thread.ts, d.thread.delivered) == ("C1", "9.000100", ("a0",))
    assert d.thread.partition == 1

    d = rec(d, ev(1, ESCALATED, "escalated", severity=Severity.CRITICAL), ev(2))
    steps = []
    while (action := next_action(d, 0)) is not None:
        steps.append(action)
        d = posted(d)
    assert [type(s) for s in steps] == [PostReply, PostReply, UpdateRoot]
    first, second, edit = steps
    assert isinstance(first, PostReply)
    assert isinstance(second, PostReply)
    assert (first.channel, first.thread_ts) == ("C1", "9.000100")
    assert first.reply.broadcast
    assert not second.reply.broadcast
    assert isinstance(edit, UpdateRoot)
    assert edit.view.status is ESCALATED  # an update after an escalation stays escalated
    assert edit.view.severity is Severity.CRITICAL
    assert d.pending is None
    assert d.thread is not None
    assert d.thread.delivered == ("a0", "a1", "a2")


@pytest.mark.parametrize(
    ("label", "events", "replies"),
    [
        (
            "updates collapse into the latest",
            [ev(1), ev(2, reason="reminder"), ev(3)],
            [("a1", "a2", "a3")],
        ),
        (
            "escalation and resolution are kept and break a run",
            [ev(1), ev(2, ESCALATED, "escalated"), ev(3), ev(4), ev(5, RESOLVED, "recovered")],
            [("a1",), ("a2",), ("a3", "a4"), ("a5",)],
        ),
        (
            "people's actions are kept one by one",
            [
                ev(1),
                ev(2, reason="acknowledged", actor="ana"),
                ev(3, reason="snoozed", actor="bo"),
                ev(4),
                ev(5),
            ],
            [("a1",), ("a2",), ("a3",), ("a4", "a5")],
        ),
        ("a single update stays alone", [ev(1)], [("a1",)]),
    ],
)
def test_coalescing_while_slack_is_down(
    label: str, events: list[AlertEvent], replies: list[tuple[str, ...]]
) -> None:
    d = posted(rec(Delivery(), ev(0, FIRING, "anomaly")))
    d = rec(d, *events)
    assert d.pending is not None
    assert [r.alert_ids for r in d.pending.replies] == replies, label
    assert pending_events(d) == len(events)
    assert d.pending.replies[-1].event.alert_id == events[-1].alert_id or len(replies[-1]) == 1


def test_duplicates_are_ignored_waiting_or_delivered() -> None:
    d = rec(Delivery(), ev(0, FIRING, "anomaly"))
    again, changed = record(d, ev(0, FIRING, "anomaly"), channel="#x", partition=0)
    assert again is d
    assert not changed
    d = posted(d)
    d = rec(d, ev(1), ev(2))  # collapsed into one reply standing for a1 and a2
    for n in (0, 1, 2):
        same, changed = record(d, ev(n), channel="#x", partition=0)
        assert same is d
        assert not changed
    d = posted(d)
    for n in (0, 1, 2):
        assert not record(d, ev(n), channel="#x", partition=0)[1]


def test_root_waiting_during_an_outage_is_posted_with_the_latest_state() -> None:
    d = rec(Delivery(), ev(0, FIRING, "anomaly"), ev(1), ev(2, RESOLVED, "recovered"))
    action = next_action(d, 0)
    assert isinstance(action, PostRoot)
    assert action.alert_id == "a0"
    assert action.view.status is RESOLVED
    d = posted(d)
    assert d.pending is not None
    assert not d.pending.root_dirty
    replies = []
    while (action := next_action(d, 0)) is not None:
        assert isinstance(action, PostReply)
        replies.append(action.reply.alert_ids)
        d = posted(d)
    assert replies == [("a1",), ("a2",)]
    assert d.pending is None


P = OutboxParams(min_backoff_ms=5_000, max_backoff_ms=300_000, park_ms=3_600_000)


@pytest.mark.parametrize(
    ("failures", "waits"),
    [
        ([Failed(error="http_503")] * 8, [5, 10, 20, 40, 80, 160, 300, 300]),
        ([Failed(error="ratelimited", retry_after_ms=30_000)], [30]),
        ([Failed(error="ratelimited", retry_after_ms=0)], [1]),
        ([Failed(error="connection"), Failed(error="ratelimited", retry_after_ms=7_000)], [5, 7]),
        ([Failed(error="channel_not_found", permanent=True)], [3600]),
    ],
)
def test_waits_after_failures(failures: list[Failed], waits: list[int]) -> None:
    """Waits in seconds: exponential back-off, Retry-After (floored at 1 s), parking."""
    d = rec(Delivery(), ev(0, FIRING, "anomaly"))
    now = 1_000_000
    for failure, wait_s in zip(failures, waits, strict=True):
        wait = wait_s * 1000
        action = next_action(d, now)
        assert action is not None
        d, _ = settle(d, action, failure, now, P)
        assert d.pending is not None
        assert d.pending.next_attempt_ms == now + wait
        assert next_action(d, now + wait - 1) is None
        assert d.pending.last_error == failure.error
        now += wait
    assert d.pending is not None
    assert d.pending.attempts == len(failures)
    d = posted(d, now)
    assert d.pending is None  # the root and all it stood for: delivered


def test_permanent_error_parks_and_says_so_once() -> None:
    d = rec(Delivery(), ev(0, FIRING, "anomaly"))
    bad = Failed(error="not_in_channel", permanent=True)
    action = next_action(d, 0)
    assert action is not None
    d, notes = settle(d, action, bad, 0, P)
    assert [(n.kind, n.incident_id, n.error) for n in notes] == [
        ("parked", "inc", "not_in_channel")
    ]
    assert d.pending is not None
    assert d.pending.parked
    d = rec(d, ev(1))  # still recorded while parked
    assert next_action(d, P.park_ms - 1) is None
    action = next_action(d, P.park_ms)
    assert action is not None
    d, notes = settle(d, action, bad, P.park_ms, P)
    assert notes == ()  # said once
    d = posted(d, 2 * P.park_ms)
    assert d.pending is not None
    assert not d.pending.parked
    d = posted(d, 2 * P.park_ms)
    assert d.pending is None
    assert d.thread is not None
    assert d.thread.delivered == ("a0", "a1")


def test_a_root_that_cannot_be_edited_does_not_block_the_thread() -> None:
    d = posted(rec(Delivery(), ev(0, FIRING, "anomaly")))
    d = posted(rec(d, ev(1)))  # the reply
    action = next_action(d, 0)
    assert isinstance(action, UpdateRoot)
    d, notes = settle(d, action, Failed(error="cant_update_message", permanent=True), 0)
    assert [n.kind for n in notes] == ["root_edit_dropped"]
    assert d.pending is None
    assert d.thread is not None
    assert d.thread.delivered == ("a0", "a1")


def test_settle_refuses_what_it_cannot_apply() -> None:
    d = posted(rec(Delivery(), ev(0, FIRING, "anomaly")))
    with pytest.raises(ValueError, match="nothing was pending"):
        settle(
            d, UpdateRoot(channel="C1", ts="1", view=d.thread.root), Sent(channel="C", ts="2"), 0
        )  # type: ignore[union-attr]
    early = rec(Delivery(), ev(0, FIRING, "anomaly"))
    reply = outbox.Reply(event=ev(1), alert_ids=("a1",))
    with pytest.raises(ValueError, match="before the root"):
        settle(
            early, PostReply(channel="C", thread_ts="1", reply=reply), Sent(channel="C", ts="2"), 0
        )


@pytest.mark.parametrize(
    ("events", "want"),
    [
        ([ev(0, FIRING, "anomaly")], {"status": FIRING, "ack": "", "obs": 10.0, "samples": 1}),
        (
            [ev(0, FIRING, "anomaly"), ev(1, reason="acknowledged", actor="ana")],
            {"status": UPDATED, "ack": "ana", "obs": 10.0, "samples": 1},
        ),
        (
            [ev(0, FIRING, "anomaly"), ev(1, reason="acknowledged")],
            {"status": UPDATED, "ack": "someone", "obs": 10.0, "samples": 1},
        ),
        (
            [ev(0, FIRING, "anomaly"), ev(1), ev(2, RESOLVED, "manual", actor="bo")],
            {"status": RESOLVED, "ack": "", "obs": 11.0, "samples": 1},
        ),
        (
            [ev(0, FIRING, "anomaly"), ev(1, ESCALATED, "escalated", severity=CRIT), ev(2)],
            {"status": ESCALATED, "ack": "", "obs": 12.0, "samples": 1, "sev": Severity.CRITICAL},
        ),
    ],
)
def test_root_view_keeps_numbers_and_shows_the_state(
    events: list[AlertEvent], want: dict[str, object]
) -> None:
    view = None
    for e in events:
        view = root_view(view, e, snooze_ms=3_600_000)
    assert view is not None
    shown = view.shown()
    assert shown.status is want["status"]
    assert view.acknowledged_by == want["ack"]
    assert shown.observed == want["obs"]  # a person's action carries no numbers
    assert len(shown.samples) == want["samples"]
    assert shown.severity is want.get("sev", Severity.WARNING)


def test_snooze_shows_until_when() -> None:
    view = root_view(None, ev(0, FIRING, "anomaly"))
    view = root_view(view, ev(1, reason="snoozed", actor="bo"), snooze_ms=3_600_000)
    assert (view.snoozed_by, view.snoozed_until_ms) == ("bo", 2 * B + 3_600_000)


def test_table_values_round_trip_and_carry_a_version() -> None:
    d = rec(Delivery(), ev(0, FIRING, "anomaly"))
    d = posted(d)
    d = rec(d, ev(1), ev(2, reason="acknowledged", actor="ana"))
    action = next_action(d, 0)
    assert action is not None
    d, _ = settle(d, action, Failed(error="http_503"), 50)
    assert d.thread is not None
    assert d.pending is not None
    t = outbox.thread_to_dict(d.thread)
    p = outbox.pending_to_dict(d.pending)
    assert (t["v"], p["v"]) == (outbox.THREAD_VERSION, outbox.PENDING_VERSION)
    assert outbox.thread_from_dict(t) == d.thread
    assert outbox.pending_from_dict(p) == d.pending
    with pytest.raises(ValueError, match="unsupported schema version 99"):
        outbox.pending_from_dict({**p, "v": 99})
    with pytest.raises(ValueError, match="slack thread"):
        outbox.thread_from_dict({**t, "v": None})


def test_params_are_checked() -> None:
    with pytest.raises(ValueError, match="min_backoff_ms"):
        OutboxParams(min_backoff_ms=10, max_backoff_ms=5)
    with pytest.raises(ValueError, match="park_ms"):
        OutboxParams(park_ms=0)


# --- properties ------------------------------------------------------------------------

KINDS = [
    (UPDATED, "rising"),
    (UPDATED, "easing"),
    (UPDATED, "reminder"),
    (UPDATED, "acknowledged"),
    (UPDATED, "snoozed"),
    (ESCALATED, "escalated"),
]
OUTCOMES = st.sampled_from(["ok", "ok", "ok", "503", "429", "drop", "park", "badedit"])


def _result(kind: str, action: outbox.Action) -> outbox.Result:
    if kind == "503":
        return Failed(error="http_503")
    if kind == "429":
        return Failed(error="ratelimited", retry_after_ms=2_000)
    if kind == "drop":
        return Failed(error="connection")
    if kind == "park":
        return Failed(error="channel_not_found", permanent=True)
    if kind == "badedit" and isinstance(action, UpdateRoot):
        return Failed(error="message_not_found", permanent=True)
    return Sent(channel="C1", ts="5.000100")


def _crash(d: Delivery) -> Delivery:
    """What a restarted worker reads back from the changelogs."""
    return Delivery(
        thread=None
        if d.thread is None
        else outbox.thread_from_dict(outbox.thread_to_dict(d.thread)),
        pending=None
        if d.pending is None
        else outbox.pending_from_dict(outbox.pending_to_dict(d.pending)),
    )


scenario = st.tuples(
    st.lists(st.sampled_from(KINDS), max_size=12),
    st.booleans(),  # ends with resolved
    st.lists(
        st.one_of(
            st.tuples(st.just("event"), st.just(0)),
            st.tuples(st.just("pass"), st.integers(0, 400_000)),
            st.tuples(st.just("redeliver"), st.integers(0, 20)),
            st.tuples(st.just("crash"), st.just(0)),
        ),
        max_size=60,
    ),
    st.lists(OUTCOMES, max_size=60),
)


@settings(max_examples=300, deadline=None)
@given(scenario)
def test_every_event_is_delivered_once_in_order_and_one_root(case: tuple) -> None:
    kinds, resolves, ops, outcomes = case
    events = [ev(0, FIRING, "anomaly")]
    events += [ev(i + 1, s, r, actor="ana") for i, (s, r) in enumerate(kinds)]
    if resolves:
        events.append(ev(len(events), RESOLVED, "recovered"))
    d, now, fed = Delivery(), 0, 0
    log: list[tuple[str, tuple[str, ...]]] = []
    dropped_edit = False
    results = iter(outcomes)

    def one_pass(healthy: bool) -> bool:
        nonlocal d, dropped_edit
        action = next_action(d, now)
        if action is None:
            return False
        result = (
            Sent(channel="C1", ts="5.000100") if healthy else _result(next(results, "ok"), action)
        )
        d, notes = settle(d, action, result, now)
        dropped_edit = dropped_edit or any(n.kind == "root_edit_dropped" for n in notes)
        if isinstance(result, Sent):
            if isinstance(action, PostRoot):
                log.append(("root", (action.alert_id,)))
            elif isinstance(action, PostReply):
                ids = action.reply.alert_ids
                log.append(("reply", ids))
                merged = [e for e in events if e.alert_id in ids]
                assert len(ids) == 1 or all(outbox._collapsible(e) for e in merged)
            else:
                log.append(("edit", ()))
        return True

    for op, arg in ops:
        if op == "event" and fed < len(events):
            d = rec(d, events[fed])
            fed += 1
        elif op == "pass":
            now += arg
            one_pass(healthy=False)
        elif op == "redeliver" and fed:
            again, changed = record(d, events[arg % fed], channel="#alerts", partition=1)
            assert not changed
            assert again is d
        elif op == "crash":
            d = _crash(d)
    d = rec(d, *events[fed:])
    now += 10 * 3_600_000  # Slack is back, parked entries come due
    for _ in range(200):
        if not one_pass(healthy=True):
            break
    assert d.pending is None
    roots = [ids for kind, ids in log if kind == "root"]
    assert roots == [("a0",)], "exactly one root"
    assert log[0][0] == "root", "nothing before the root"
    delivered = [i for kind, ids in log if kind != "edit" for i in ids]
    assert delivered == [e.alert_id for e in events], "every event once, in order"
    assert d.thread is not None
    want = None
    for e in events:
        want = root_view(want, e)
    if not dropped_edit:
        assert d.thread.root == want, "the root shows the state after the last event"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*KINDS, (RESOLVED, "recovered")]), min_size=1, max_size=15))
def test_during_an_outage_runs_of_updates_collapse_and_the_rest_is_kept(
    kinds: list[tuple[AlertStatus, str]],
) -> None:
    d = posted(rec(Delivery(), ev(0, FIRING, "anomaly")))
    events = [ev(i + 1, s, r) for i, (s, r) in enumerate(kinds)]
    d = rec(d, *events)
    assert d.pending is not None
    got = [r.alert_ids for r in d.pending.replies]
    want: list[list[str]] = []
    for e in events:
        if (
            want
            and outbox._collapsible(e)
            and all(outbox._collapsible(x) for x in events if x.alert_id in want[-1])
        ):
            want[-1].append(e.alert_id)
        else:
            want.append([e.alert_id])
    assert [list(g) for g in got] == want
    assert [r.event.alert_id for r in d.pending.replies] == [w[-1] for w in want]
    assert pending_events(d) == len(events)


# --- a root whose answer was lost, and pruning -------------------------------------------

LOST = Failed(error="timeout", maybe_sent=True)
DAY = 86_400_000


def _try_root(d: Delivery, now: int, result: outbox.Result) -> tuple[Delivery, tuple]:
    """What the agent does: record the attempt, call, settle."""
    action = next_action(d, now)
    assert isinstance(action, PostRoot)
    marked = outbox.attempting(d, action, now)
    assert marked.pending is not None
    assert marked.pending.root_unsure
    return settle(marked, action, result, now, P)


def test_a_root_whose_answer_was_lost_is_looked_up_and_adopted() -> None:
    d = rec(Delivery(), ev(0, FIRING, "anomaly"))
    d, notes = _try_root(d, 1_000_000, LOST)
    assert notes == ()
    assert d.pending is not None
    assert (d.pending.root_unsure, d.pending.root_attempted_at_ms) == (True, 1_000_000)
    assert next_action(d, 1_000_000 + 4_999) is None  # the usual back-off first
    d = rec(d, ev(1, reason="acknowledged", actor="ana"))
    look = next_action(d, 1_005_000)
    assert isinstance(look, outbox.FindRoot)
    assert (look.incident_id, look.oldest_ms, look.alert_id) == ("inc", 700_000, "a0")
    d, notes = settle(d, look, Sent(channel="C1", ts="9.000100"), 1_005_000, P)
    assert [(n.kind, n.error) for n in notes] == [("root_adopted", "9.000100")]
    assert d.thread is not None
    assert (d.thread.ts, d.thread.delivered) == ("9.000100", ("a0",))
    steps = []
    while (action := next_action(d, 1_005_000)) is not None:
        steps.append(type(action))
        d = posted(d, 1_005_000)
    assert steps == [PostReply, UpdateRoot]  # the reply, then the adopted root is redrawn
    assert d.pending is None


@pytest.mark.parametrize(
    ("answer", "then", "kind"),
    [
        (outbox.NotFound(), PostRoot, "root_not_found"),
        (Failed(error="missing_scope", permanent=True), PostRoot, "lookup_failed"),
        (Failed(error="http_500", maybe_sent=True), None, None),
        (Failed(error="ratelimited", retry_after_ms=30_000), None, None),
    ],
)
def test_what_a_lookup_leads_to(answer: outbox.Result, then: type | None, kind: str | None) -> None:
    d, _ = _try_root(rec(Delivery(), ev(0, FIRING, "anomaly")), 1_000, LOST)
    look = next_action(d, 6_000)
    assert isinstance(look, outbox.FindRoot)
    d, notes = settle(d, look, answer, 6_000, P)
    assert [n.kind for n in notes] == ([kind] if kind else [])
    assert d.thread is None
    assert d.pending is not None
    assert d.pending.root_attempted_at_ms == 1_000  # the first attempt is kept for later lookups
    if then is None:  # a failing lookup waits like any call, then looks again
        assert next_action(d, 6_000) is None
        assert isinstance(next_action(d, d.pending.next_attempt_ms), outbox.FindRoot)
    else:  # posted at once: better a second root than a lost alert
        assert isinstance(next_action(d, 6_000), then)


@pytest.mark.parametrize(
    ("failure", "looks"),
    [
        (Failed(error="ratelimited", retry_after_ms=1_000), False),
        (Failed(error="channel_not_found", permanent=True), False),
        (Failed(error="http_503"), False),
        (Failed(error="connection", maybe_sent=True), True),
        (Failed(error="http_500", maybe_sent=True), True),
    ],
)
def test_only_a_root_that_may_have_landed_is_looked_up(failure: Failed, looks: bool) -> None:
    d, _ = _try_root(rec(Delivery(), ev(0, FIRING, "anomaly")), 0, failure)
    assert d.pending is not None
    action = next_action(d, d.pending.next_attempt_ms)
    assert isinstance(action, outbox.FindRoot if looks else PostRoot)


def test_a_lookup_slack_keeps_rate_limiting_gives_way_to_a_post() -> None:
    limit = OutboxParams(max_limited_lookups=3)
    d, _ = _try_root(rec(Delivery(), ev(0, FIRING, "anomaly")), 1_000, LOST)
    now, kinds = 10_000, []
    for answer in [
        Failed(error="ratelimited", retry_after_ms=60_000),
        Failed(error="http_500", maybe_sent=True),  # an outage does not count
        Failed(error="ratelimited", retry_after_ms=60_000),
        Failed(error="ratelimited", retry_after_ms=60_000),
    ]:
        assert d.pending is not None
        now = max(now, d.pending.next_attempt_ms)
        look = next_action(d, now, limit)
        assert isinstance(look, outbox.FindRoot)
        d, notes = settle(d, look, answer, now, limit)
        kinds += [n.kind for n in notes]
    assert kinds == ["lookup_failed"]
    assert isinstance(next_action(d, now, limit), PostRoot)


def test_a_worker_killed_during_a_root_post_looks_it_up_after_restart() -> None:
    d = rec(Delivery(), ev(0, FIRING, "anomaly"))
    action = next_action(d, 42_000)
    assert action is not None
    d = _crash(outbox.attempting(d, action, 42_000))  # stored, then SIGKILL before the answer
    look = next_action(d, 42_000)
    assert isinstance(look, outbox.FindRoot)
    assert look.oldest_ms == 0  # 42 s minus the margin, floored


def test_version_1_values_still_load() -> None:
    d = posted(rec(Delivery(), ev(0, FIRING, "anomaly")))
    d = rec(d, ev(1))
    assert d.thread is not None
    assert d.pending is not None
    t = outbox.thread_to_dict(d.thread)
    p = outbox.pending_to_dict(d.pending)
    old_t = {k: v for k, v in t.items() if k != "resolved_at_ms"} | {"v": 1}
    new_keys = ("root_attempted_at_ms", "root_unsure", "limited_lookups")
    old_p = {k: v for k, v in p.items() if k not in new_keys} | {"v": 1}
    assert outbox.thread_from_dict(old_t) == d.thread
    assert outbox.pending_from_dict(old_p) == d.pending


def _resolved(now: int) -> Delivery:
    d = posted(rec(Delivery(), ev(0, FIRING, "anomaly")), 0)
    d = rec(d, ev(1, RESOLVED, "recovered"))
    while next_action(d, now) is not None:
        d = posted(d, now)
    return d


def test_resolution_is_stamped_when_delivered() -> None:
    d = _resolved(now=7_000)
    assert d.thread is not None
    assert d.thread.resolved_at_ms == 7_000
    born = posted(rec(Delivery(), ev(0, FIRING, "anomaly"), ev(1, RESOLVED, "recovered")), 9)
    assert born.thread is not None
    assert born.thread.resolved_at_ms == 9  # a root posted already resolved


PRUNE = OutboxParams(prune_after_ms=14 * DAY, tombstone_ms=365 * DAY)


def test_housekeeping_prunes_then_forgets() -> None:
    d = _resolved(now=DAY)
    assert outbox.housekeep(d, 15 * DAY - 1, PRUNE) is d
    gone = outbox.housekeep(d, 15 * DAY, PRUNE)
    assert gone.thread is None
    assert gone.pending is None
    assert gone.tombstone == outbox.Tombstone(
        resolved_at_ms=DAY, pruned_at_ms=15 * DAY, partition=1, channel="C1", ts="1.000100"
    )
    raw = outbox.tombstone_to_dict(gone.tombstone)
    assert outbox.is_tombstone(raw)
    assert outbox.delivery_from_values(raw, None) == gone
    with pytest.raises(ValueError, match="tombstone"):
        outbox.thread_from_dict(raw)
    again, changed = record(gone, ev(2), channel="#alerts", partition=1)
    assert (again, changed) == (gone, False)  # a re-delivery after pruning posts nothing
    assert outbox.housekeep(gone, 366 * DAY - 1, PRUNE) is gone
    assert outbox.housekeep(gone, 366 * DAY, PRUNE) == Delivery()


@pytest.mark.parametrize(
    ("label", "delivery"),
    [
        ("still firing", posted(rec(Delivery(), ev(0, FIRING, "anomaly")))),
        ("resolved but a reply waits", rec(_resolved(DAY), ev(2, reason="acknowledged"))),
        ("nothing at all", Delivery()),
        ("only pending", rec(Delivery(), ev(0, FIRING, "anomaly"))),
    ],
)
def test_housekeeping_leaves_live_incidents_alone(label: str, delivery: Delivery) -> None:
    assert outbox.housekeep(delivery, 400 * DAY, PRUNE) is delivery, label


def test_a_resolved_thread_without_a_stamp_is_stamped_first() -> None:
    d = _resolved(now=DAY)
    assert d.thread is not None
    legacy = replace(d, thread=replace(d.thread, resolved_at_ms=0))  # a v1 value
    stamped = outbox.housekeep(legacy, 100 * DAY, PRUNE)
    assert stamped.thread is not None
    assert stamped.thread.resolved_at_ms == 100 * DAY
    assert outbox.housekeep(stamped, 114 * DAY, PRUNE).tombstone is not None


def test_new_params_are_checked() -> None:
    with pytest.raises(ValueError, match="prune_after_ms"):
        OutboxParams(prune_after_ms=10, tombstone_ms=5)
    with pytest.raises(ValueError, match="lookup_margin_ms"):
        OutboxParams(lookup_margin_ms=-1)
    with pytest.raises(ValueError, match="max_limited_lookups"):
        OutboxParams(max_limited_lookups=0)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["ok", "lost", "refused", "503", "crash", "lookup_fails"]), max_size=12
    )
)
def test_lost_answers_and_crashes_never_make_a_second_root(script: list[str]) -> None:
    """A fake Slack that keeps roots; answers get lost, workers die mid-call."""
    stored: list[str] = []  # the ts of every root Slack holds
    d, now = rec(Delivery(), ev(0, FIRING, "anomaly")), 0
    steps = iter(script)
    for _ in range(60):
        now += 400_000
        action = next_action(d, now)
        if action is None:
            break
        step = next(steps, "ok")
        if isinstance(action, outbox.FindRoot):
            result: outbox.Result
            if step == "lookup_fails":
                result = Failed(error="http_500", maybe_sent=True)
            else:
                result = Sent(channel="C1", ts=stored[0]) if stored else outbox.NotFound()
            d, _ = settle(d, action, result, now)
            continue
        step = "ok" if step == "lookup_fails" else step
        marked = outbox.attempting(d, action, now)
        if isinstance(action, PostRoot) and step in ("ok", "lost", "crash"):
            stored.append(f"{len(stored) + 1}.000100")
        if step == "crash":
            d = _crash(marked)  # the answer never reached the tables
            continue
        if step == "lost":
            result = LOST
        elif step == "refused":
            result = Failed(error="ratelimited", retry_after_ms=1_000)
        elif step == "503":
            result = Failed(error="http_503")
        else:
            result = Sent(channel="C1", ts=stored[-1] if stored else "0.000100")
        d, _ = settle(marked, action, result, now)
    assert d.thread is not None
    assert len(stored) == 1, "exactly one root in Slack"
    assert d.thread.ts == stored[0]


# --- a reply whose answer was lost ---------------------------------------------------------


def _threaded(*events: AlertEvent) -> Delivery:
    """A posted root (ts 1.000100) with `events` waiting as replies."""
    return rec(posted(rec(Delivery(), ev(0, FIRING, "anomaly"))), *events)


def _try_reply(d: Delivery, now: int, result: outbox.Result) -> tuple[Delivery, tuple]:
    """What the agent does for a reply: record the attempt, call, settle."""
    action = next_action(d, now)
    assert isinstance(action, PostReply)
    marked = outbox.attempting(d, action, now)
    assert marked.pending is not None
    assert marked.pending.reply_unsure
    return settle(marked, action, result, now, P)


def test_a_reply_whose_answer_was_lost_is_looked_up_and_counted_delivered() -> None:
    d = _threaded(ev(1))
    d, notes = _try_reply(d, 1_000_000, LOST)
    assert notes == ()
    assert d.pending is not None
    assert (d.pending.reply_unsure, d.pending.reply_attempted_at_ms) == (True, 1_000_000)
    assert next_action(d, 1_000_000 + 4_999) is None  # the usual back-off first
    d = rec(d, ev(2), ev(3))  # updates meanwhile: not folded into what Slack may hold
    assert d.pending is not None
    assert [r.alert_ids for r in d.pending.replies] == [("a1",), ("a2", "a3")]
    look = next_action(d, 1_005_000)
    assert isinstance(look, outbox.FindReply)
    assert (look.channel, look.thread_ts, look.incident_id) == ("C1", "1.000100", "inc")
    assert (look.oldest_ms, look.reply.key, look.reply.alert_ids) == (700_000, "a1", ("a1",))
    d, notes = settle(d, look, Sent(channel="C1", ts="9.000200"), 1_005_000, P)
    assert [(n.kind, n.error) for n in notes] == [("reply_found", "9.000200")]
    assert d.thread is not None
    assert d.thread.delivered == ("a0", "a1")
    assert d.pending is not None
    assert (d.pending.reply_unsure, d.pending.reply_attempted_at_ms) == (False, 0)
    action = next_action(d, 1_005_000)
    assert isinstance(action, PostReply)  # the next reply is posted, not looked up
    assert action.reply.alert_ids == ("a2", "a3")


def test_a_reply_that_surely_did_not_land_still_takes_updates() -> None:
    d, _ = _try_reply(_threaded(ev(1)), 0, Failed(error="http_503"))
    d = rec(d, ev(2))
    assert d.pending is not None
    assert [r.alert_ids for r in d.pending.replies] == [("a1", "a2")]


@pytest.mark.parametrize(
    ("answer", "then", "kind"),
    [
        (outbox.NotFound(), PostReply, "reply_not_found"),
        (Failed(error="missing_scope", permanent=True), PostReply, "reply_lookup_failed"),
        (Failed(error="not_allowed_token_type", permanent=True), PostReply, "reply_lookup_failed"),
        (Failed(error="http_500", maybe_sent=True), None, None),
        (Failed(error="ratelimited", retry_after_ms=30_000), None, None),
    ],
)
def test_what_a_reply_lookup_leads_to(
    answer: outbox.Result, then: type | None, kind: str | None
) -> None:
    d, _ = _try_reply(_threaded(ev(1)), 1_000, LOST)
    look = next_action(d, 6_000)
    assert isinstance(look, outbox.FindReply)
    d, notes = settle(d, look, answer, 6_000, P)
    assert [n.kind for n in notes] == ([kind] if kind else [])
    assert d.pending is not None
    assert d.pending.reply_attempted_at_ms == 1_000  # kept for later lookups
    assert d.thread is not None
    assert d.thread.delivered == ("a0",)
    if then is None:  # a failing lookup waits like any call, then looks again
        assert next_action(d, 6_000) is None
        assert isinstance(next_action(d, d.pending.next_attempt_ms), outbox.FindReply)
    else:  # posted at once: better a second reply than a lost alert
        action = next_action(d, 6_000)
        assert isinstance(action, then)
        again = outbox.attempting(d, action, 7_000)
        assert again.pending is not None
        assert again.pending.reply_attempted_at_ms == 1_000


@pytest.mark.parametrize(
    ("failure", "looks"),
    [
        (Failed(error="ratelimited", retry_after_ms=1_000), False),
        (Failed(error="thread_not_found", permanent=True), False),
        (Failed(error="http_503"), False),
        (Failed(error="connection", maybe_sent=True), True),
        (Failed(error="timeout", maybe_sent=True), True),
    ],
)
def test_only_a_reply_that_may_have_landed_is_looked_up(failure: Failed, looks: bool) -> None:
    d, _ = _try_reply(_threaded(ev(1)), 0, failure)
    assert d.pending is not None
    action = next_action(d, d.pending.next_attempt_ms)
    assert isinstance(action, outbox.FindReply if looks else PostReply)


def test_a_worker_killed_during_a_reply_post_looks_it_up_after_restart() -> None:
    d = _threaded(ev(1, ESCALATED, "escalated"))
    action = next_action(d, 400_000)
    assert isinstance(action, PostReply)
    d = _crash(outbox.attempting(d, action, 400_000))  # stored, then SIGKILL before the answer
    again, changed = record(d, ev(1, ESCALATED, "escalated"), channel="#alerts", partition=1)
    assert (again, changed) == (d, False)  # the re-delivered event is known: no second reply
    look = next_action(d, 400_000)
    assert isinstance(look, outbox.FindReply)
    assert (look.oldest_ms, look.reply.key) == (100_000, "a1")


def test_version_2_values_still_load() -> None:
    d, _ = _try_reply(_threaded(ev(1)), 0, Failed(error="http_503"))
    assert d.pending is not None
    p = outbox.pending_to_dict(d.pending)
    old = {k: v for k, v in p.items() if not k.startswith("reply_")} | {"v": 2}
    loaded = outbox.pending_from_dict(old)
    assert (loaded.reply_unsure, loaded.reply_attempted_at_ms) == (False, 0)
    assert replace(loaded, reply_attempted_at_ms=d.pending.reply_attempted_at_ms) == d.pending


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(KINDS), min_size=1, max_size=6),
    st.lists(
        st.sampled_from(["ok", "ok", "lost", "drop", "refused", "crash", "lookup_fails"]),
        max_size=30,
    ),
    st.lists(st.integers(0, 6), max_size=8),
)
def test_lost_reply_answers_and_crashes_never_double_a_reply(
    kinds: list[tuple[AlertStatus, str]], script: list[str], redeliver: list[int]
) -> None:
    """A fake Slack keeps every reply with its metadata key; answers get lost,
    workers die mid-call, events are re-delivered; each event ends up in exactly
    one reply Slack holds, in order."""
    events = [ev(i + 1, s, r, actor="ana") for i, (s, r) in enumerate(kinds)]
    stored: list[tuple[str, tuple[str, ...]]] = []  # (key, alert ids) of replies Slack holds
    d, now = _threaded(*events[:1]), 0
    fed, steps, again = 1, iter(script), iter(redeliver)
    for _ in range(200):
        now += 400_000
        if fed < len(events):
            d = rec(d, events[fed])
            fed += 1
        if (n := next(again, None)) is not None:
            d2, changed = record(d, events[n % fed], channel="#alerts", partition=1)
            assert (d2, changed) == (d, False)
        action = next_action(d, now)
        if action is None:
            if fed == len(events):
                break
            continue
        step = next(steps, "ok")
        if isinstance(action, outbox.FindReply):
            result: outbox.Result
            if step == "lookup_fails":
                result = Failed(error="http_500", maybe_sent=True)
            else:
                keys = [i for i, (key, _) in enumerate(stored) if key == action.reply.key]
                result = Sent(channel="C1", ts=f"{keys[0]}.1") if keys else outbox.NotFound()
            d, _ = settle(d, action, result, now)
            continue
        if not isinstance(action, PostReply):
            d, _ = settle(d, action, Sent(channel="C1", ts="1.000100"), now)
            continue
        marked = outbox.attempting(d, action, now)
        if step in ("ok", "lost", "crash", "lookup_fails"):
            stored.append((action.reply.key, action.reply.alert_ids))
        if step == "crash":
            d = _crash(marked)  # the answer never reached the tables
            continue
        if step == "lost":
            result = LOST
        elif step == "drop":
            result = Failed(error="connection", maybe_sent=True)  # dropped before Slack acted
        elif step == "refused":
            result = Failed(error="ratelimited", retry_after_ms=1_000)
        else:
            result = Sent(channel="C1", ts=f"{len(stored)}.1")
        d, _ = settle(marked, action, result, now)
    assert d.pending is None
    held = [i for _, ids in stored for i in ids]
    assert held == [e.alert_id for e in events], "every event in exactly one reply, in order"
    assert len({key for key, _ in stored}) == len(stored), "no reply twice"
    assert d.thread is not None
    assert d.thread.delivered == ("a0", *held)
