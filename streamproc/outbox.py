"""The durable Slack outbox of one incident: what was delivered, what waits, what to send next.

Pure bookkeeping for the `notify` agent, with no I/O and no clock: the agent
records each alert event here *before* it calls Slack, asks for the next call,
makes it, and settles the answer. Two values per incident, both keyed by
``incident_id`` in changelog-backed tables:

* `Thread` (table ``slack-threads``): where the root lives (Slack's channel id
  and ``ts``), which alert ids Slack has confirmed, and what the root shows.
  Once it exists no second root is ever asked for. Long after the incident's
  resolution it is replaced by a small `Tombstone`, and later deleted.
* `Pending` (table ``outbox``): what Slack has not confirmed yet: the root
  (until it is posted), the thread replies in order, whether the root needs an
  edit, and the retry bookkeeping. It is gone when nothing is left.

Rules that make "nothing lost, nothing doubled" hold:

* An event whose ``alert_id`` is delivered or already waiting is ignored
  (re-delivery after a crash, or a replayed `alerts` topic).
* The first event of an incident becomes its root; every later one is a reply,
  in arrival order. The root is always posted before any reply, and edited
  (``chat.update``) only after the waiting replies went out.
* While replies wait (Slack down, backing off), consecutive `updated` events
  that carry numbers (``rising``, ``easing``, ``reminder``) collapse into the latest; the
  reply then stands for all their alert ids. `firing`, `escalated`, `resolved`
  and people's actions (acknowledged, snoozed) are kept one by one.
* A root post is non-idempotent (Slack has no idempotency key), so the agent
  records the attempt (`attempting`) before it calls Slack, and the root is
  posted with message metadata naming the incident. When an attempt's outcome
  is unknown (no answer, a reset connection, a 5xx but 503, a worker killed
  before the answer was stored), the next call is `FindRoot` (``conversations.history``
  from a little before the first attempt): a found root is adopted, "not
  found" leads to `PostRoot`, a failing lookup is retried with the back-off,
  and a lookup Slack refuses for good (a missing scope) or keeps rate-limiting
  falls back to posting, since a second root is better than a lost alert.
* A thread reply is just as non-idempotent, and is handled the same way: the
  attempt is recorded before the call, the reply carries metadata naming the
  incident and its alert id (`REPLY_EVENT_TYPE`), and when its outcome is
  unknown the next call is `FindReply` (``conversations.replies`` of the thread,
  from a little before the first attempt). A found reply counts as delivered;
  "not found" leads to `PostReply`. While a reply may have landed, later
  updates are not coalesced into it: the reply Slack may hold must stay the
  one the lookup looks for.
* A thread is pruned `OutboxParams.prune_after_ms` after its incident's
  `resolved` event was delivered, once nothing waits (`housekeep`). A compact
  `Tombstone` stays for `OutboxParams.tombstone_ms`: a late re-delivery of the
  incident's events is then refused (incident ids are deterministic per
  onset, so a live incident never has a tombstone). Only after the tombstone
  is gone too would such a re-delivery open a new thread.
* A failed call leaves everything in place and sets the next attempt: Slack's
  ``Retry-After`` when given, else exponential back-off between
  `OutboxParams.min_backoff_ms` and `OutboxParams.max_backoff_ms`. A permanent
  error (a wrong channel, a revoked token) *parks* the entry: it is tried again
  only after `OutboxParams.park_ms`, and `settle` says so once. A permanent
  error of a root *edit* drops that edit only (the root cannot be edited; the
  thread goes on).

>>> from streamproc.model import AlertEvent, AlertStatus, Severity
>>> e = AlertEvent(alert_id="a1", incident_id="i", brand="b", status=AlertStatus.FIRING,
...     severity=Severity.WARNING, window_start_ms=0, window_end_ms=900_000, observed=9.0,
...     expected=2.0, score=8.0, growth=1.0, share=0.5, onset_ms=0, detected_at_ms=900_000)
>>> d, changed = record(Delivery(), e, channel="#alerts", partition=0)
>>> action = next_action(d, now_ms=0)
>>> type(action).__name__, pending_events(d)
('PostRoot', 1)
>>> d, notes = settle(d, action, Sent(channel="C1", ts="1.000100"), now_ms=0)
>>> d.thread.ts, d.pending, notes
('1.000100', None, ())
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from streamproc.codec import alert_from_dict, alert_to_dict
from streamproc.model import AlertEvent, AlertStatus, Severity

THREAD_VERSION = 2
"""Schema version of a `Thread` (or `Tombstone`) table value (its ``v``).

v2 added ``resolved_at_ms`` and tombstones; v1 values load with defaults."""
PENDING_VERSION = 3
"""Schema version of a `Pending` table value (its ``v``).

v2 added ``root_attempted_at_ms`` and ``root_unsure``, v3 ``reply_attempted_at_ms``
and ``reply_unsure``; older values load with defaults."""

ROOT_EVENT_TYPE = "streamproc_incident"
"""The ``metadata.event_type`` of a root message (its payload names the incident)."""

REPLY_EVENT_TYPE = "streamproc_incident_reply"
"""The ``metadata.event_type`` of a thread reply (its payload names the incident
and `Reply.key`). Distinct from the root's, so that a broadcast reply, which
also shows in the channel, can never pass for a root."""

ACTION_REASONS = frozenset({"acknowledged", "snoozed", "manual"})
"""Reasons of events made by a person's click: they carry no fresh numbers."""

_STATUS_RANK = {
    AlertStatus.FIRING: 0,
    AlertStatus.UPDATED: 1,
    AlertStatus.ESCALATED: 2,
    AlertStatus.RESOLVED: 3,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxParams:
    """Retry timing and bounds of the outbox (wall-clock ms)."""

    min_backoff_ms: int = 5_000
    """First wait after a failure without ``Retry-After``; doubles per failure."""
    max_backoff_ms: int = 300_000
    """Longest wait between two attempts of a transient failure."""
    park_ms: int = 3_600_000
    """A parked entry (permanent error) is tried again this much later."""
    min_retry_after_ms: int = 1_000
    """Floor of a ``Retry-After`` wait (Slack sends whole seconds)."""
    max_delivered: int = 500
    """Delivered alert ids kept per incident (older ones are forgotten)."""
    lookup_margin_ms: int = 300_000
    """`FindRoot` reads the channel from this long before the first root attempt
    (covers the skew between our wall clock and Slack's ``ts``)."""
    prune_after_ms: int = 14 * 86_400_000
    """A resolved incident's thread entry is pruned this long after the
    `resolved` event was delivered (and nothing waits)."""
    tombstone_ms: int = 365 * 86_400_000
    """A pruned incident's tombstone is kept this long after its resolution."""
    max_limited_lookups: int = 3
    """Rate-limited `FindRoot` (or `FindReply`) calls before posting anyway: a
    lookup that needs several pages under a strict limit (1 call a minute for
    apps outside the Marketplace) would otherwise start over for ever."""

    def __post_init__(self) -> None:
        if not 0 < self.min_backoff_ms <= self.max_backoff_ms:
            msg = (
                f"need 0 < min_backoff_ms <= max_backoff_ms, got "
                f"{self.min_backoff_ms} and {self.max_backoff_ms}"
            )
            raise ValueError(msg)
        if self.park_ms <= 0 or self.min_retry_after_ms < 0 or self.max_delivered < 1:
            msg = "park_ms and max_delivered must be positive, min_retry_after_ms not negative"
            raise ValueError(msg)
        if self.max_limited_lookups < 1:
            msg = f"max_limited_lookups must be positive, got {self.max_limited_lookups}"
            raise ValueError(msg)
        if self.lookup_margin_ms < 0 or not 0 < self.prune_after_ms <= self.tombstone_ms:
            msg = (
                "need lookup_margin_ms >= 0 and 0 < prune_after_ms <= tombstone_ms, got "
                f"{self.lookup_margin_ms}, {self.prune_after_ms} and {self.tombstone_ms}"
            )
            raise ValueError(msg)


DEFAULT_PARAMS = OutboxParams()


@dataclass(frozen=True, slots=True, kw_only=True)
class RootView:
    """What an incident's root message should show: its numbers and its state.

    `event` is the latest event with the incident's numbers (a person's action
    carries none, so it changes the state fields only).
    """

    event: AlertEvent
    status: AlertStatus
    """The furthest status reached: firing < updated < escalated < resolved."""
    severity: Severity
    """The highest severity reached."""
    acknowledged_by: str = ""
    snoozed_by: str = ""
    snoozed_until_ms: int = 0
    """Wall-clock end of the last snooze (0: never snoozed)."""

    def shown(self) -> AlertEvent:
        """The event to draw the root from: the numbers with the current state."""
        return replace(self.event, status=self.status, severity=self.severity)


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    """A thread reply waiting for Slack's ok."""

    event: AlertEvent
    """The event drawn (the latest of those the reply stands for)."""
    alert_ids: tuple[str, ...]
    """Every alert event the reply stands for, oldest first (several if coalesced)."""

    @property
    def broadcast(self) -> bool:
        """Escalations and resolutions are also shown in the channel."""
        return self.event.status in (AlertStatus.ESCALATED, AlertStatus.RESOLVED)

    @property
    def coalesced(self) -> int:
        """How many earlier updates this reply replaces."""
        return len(self.alert_ids) - 1

    @property
    def key(self) -> str:
        """The alert id the reply's message metadata carries (the event drawn).

        Alert ids are deterministic, so a re-delivered event names the same
        reply; and a reply that may have landed is never coalesced into, so the
        key of what Slack may hold does not change under the lookup.
        """
        return self.event.alert_id


@dataclass(frozen=True, slots=True, kw_only=True)
class Thread:
    """An incident's Slack thread as Slack confirmed it (table ``slack-threads``)."""

    channel: str
    """Slack's channel id (``chat.update`` takes ids only)."""
    ts: str
    """The root message's ts: the thread's id."""
    root_alert_id: str
    delivered: tuple[str, ...]
    """Alert ids Slack answered ok for (root and replies), oldest first, bounded."""
    root: RootView
    """What the root shows now."""
    partition: int
    """The `alerts` partition the incident's brand lives on (who may touch it)."""
    resolved_at_ms: int = 0
    """Wall-clock ms when Slack confirmed the incident's resolution (0: not yet)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Tombstone:
    """What is left of a pruned thread (table ``slack-threads``): enough to refuse
    a late re-delivery of its incident's events."""

    resolved_at_ms: int
    pruned_at_ms: int
    partition: int
    channel: str
    ts: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Pending:
    """What Slack has not confirmed yet for one incident (table ``outbox``)."""

    incident_id: str
    brand: str
    channel: str
    """Where the root goes (the brand's configured channel), until it is posted."""
    partition: int
    root: RootView
    """What the root should show (posted with it, or edited to it)."""
    root_alert_id: str = ""
    """The event the root stands for while it is not posted ("" once posted)."""
    root_dirty: bool = False
    """The posted root shows an older state: one ``chat.update`` is due."""
    replies: tuple[Reply, ...] = ()
    attempts: int = 0
    """Consecutive failed calls."""
    next_attempt_ms: int = 0
    """Wall-clock ms before which nothing is tried (0: at once)."""
    last_error: str = ""
    parked: bool = False
    """The last failure was permanent: retried only after `OutboxParams.park_ms`."""
    root_attempted_at_ms: int = 0
    """Wall-clock ms of the first root post attempt (0: none yet)."""
    root_unsure: bool = False
    """A root post may have reached Slack without us hearing back: look it up
    (`FindRoot`) before posting again."""
    limited_lookups: int = 0
    """`FindRoot`/`FindReply` calls Slack rate-limited so far for the message
    looked for (see `OutboxParams.max_limited_lookups`)."""
    reply_attempted_at_ms: int = 0
    """Wall-clock ms of the first post attempt of the first waiting reply (0: none yet)."""
    reply_unsure: bool = False
    """The first waiting reply may have reached Slack without us hearing back:
    look it up (`FindReply`) before posting it again, and coalesce nothing into it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """One incident's outbox state: its thread (if posted) and what waits (if any)."""

    thread: Thread | None = None
    pending: Pending | None = None
    tombstone: Tombstone | None = None
    """Set (alone) when the thread was pruned: the incident is closed for good."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PostRoot:
    """Post the incident's root (``chat.postMessage``)."""

    channel: str
    view: RootView
    alert_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PostReply:
    """Reply in the thread (``chat.postMessage`` with ``thread_ts``)."""

    channel: str
    thread_ts: str
    reply: Reply


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateRoot:
    """Edit the root to show `view` (``chat.update``)."""

    channel: str
    ts: str
    view: RootView


@dataclass(frozen=True, slots=True, kw_only=True)
class FindRoot:
    """Look for a root an earlier attempt may have posted (``conversations.history``).

    Answer `Sent` (found: its channel id and ts), `NotFound`, or `Failed`.
    """

    channel: str
    incident_id: str
    oldest_ms: int
    """Wall-clock ms from which to read the channel (first attempt minus a margin)."""
    view: RootView
    alert_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FindReply:
    """Look for a reply an earlier attempt may have posted (``conversations.replies``).

    Answer `Sent` (found: its channel id and ts), `NotFound`, or `Failed`.
    """

    channel: str
    thread_ts: str
    incident_id: str
    oldest_ms: int
    """Wall-clock ms from which to read the thread (first attempt minus a margin)."""
    reply: Reply


Action = PostRoot | PostReply | UpdateRoot | FindRoot | FindReply


@dataclass(frozen=True, slots=True, kw_only=True)
class Sent:
    """Slack answered ok: where the message lives."""

    channel: str
    ts: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Failed:
    """Slack did not answer ok (after the client's own short retries)."""

    error: str
    permanent: bool = False
    retry_after_ms: int | None = None
    maybe_sent: bool = False
    """The request may have reached Slack (no answer, reset, 5xx): a root post
    is then looked up before it is posted again."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NotFound:
    """A lookup's answer: no earlier root (or reply) is in the channel (or thread)."""


Result = Sent | Failed | NotFound

NoteKind = Literal[
    "parked",
    "root_edit_dropped",
    "root_adopted",
    "root_not_found",
    "lookup_failed",
    "reply_found",
    "reply_not_found",
    "reply_lookup_failed",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Note:
    """Something the agent should log once and count."""

    kind: NoteKind
    incident_id: str
    error: str


def _rank_max(old: AlertStatus, new: AlertStatus) -> AlertStatus:
    return new if _STATUS_RANK[new] > _STATUS_RANK[old] else old


def root_view(base: RootView | None, event: AlertEvent, *, snooze_ms: int = 0) -> RootView:
    """The root's view after `event`: numbers from data events, state from all.

    >>> from streamproc.model import AlertEvent, AlertStatus, Severity
    >>> e = AlertEvent(alert_id="a", incident_id="i", brand="b", status=AlertStatus.UPDATED,
    ...     severity=Severity.WARNING, window_start_ms=0, window_end_ms=1, observed=1.0,
    ...     expected=1.0, score=0.0, growth=0.0, share=0.0, onset_ms=0, detected_at_ms=5,
    ...     reason="acknowledged", actor="ana")
    >>> root_view(None, e).acknowledged_by
    'ana'
    """
    if base is None:
        base = RootView(event=event, status=event.status, severity=event.severity)
    data = base.event if event.reason in ACTION_REASONS else event
    severity = event.severity if event.severity.rank > base.severity.rank else base.severity
    view = replace(base, event=data, status=_rank_max(base.status, event.status), severity=severity)
    if event.reason == "acknowledged":
        view = replace(view, acknowledged_by=event.actor or "someone")
    elif event.reason == "snoozed":
        until = max(view.snoozed_until_ms, event.detected_at_ms + snooze_ms)
        view = replace(view, snoozed_by=event.actor, snoozed_until_ms=until)
    return view


def _collapsible(event: AlertEvent) -> bool:
    return event.status is AlertStatus.UPDATED and event.reason not in ACTION_REASONS


def _append(
    replies: tuple[Reply, ...], event: AlertEvent, *, head_frozen: bool
) -> tuple[Reply, ...]:
    frozen = head_frozen and len(replies) == 1  # it may be in Slack as it is
    if replies and not frozen and _collapsible(event) and _collapsible(replies[-1].event):
        last = replies[-1]
        merged = Reply(event=event, alert_ids=(*last.alert_ids, event.alert_id))
        return (*replies[:-1], merged)
    return (*replies, Reply(event=event, alert_ids=(event.alert_id,)))


def known_ids(delivery: Delivery) -> frozenset[str]:
    """Alert ids delivered or waiting."""
    ids: set[str] = set()
    if delivery.thread is not None:
        ids.update(delivery.thread.delivered)
        ids.add(delivery.thread.root_alert_id)
    pending = delivery.pending
    if pending is not None:
        if pending.root_alert_id:
            ids.add(pending.root_alert_id)
        for reply in pending.replies:
            ids.update(reply.alert_ids)
    return frozenset(ids)


def record(
    delivery: Delivery,
    event: AlertEvent,
    *,
    channel: str,
    partition: int,
    snooze_ms: int = 0,
) -> tuple[Delivery, bool]:
    """Queue `event` for Slack; False (and the same value) when it is known already.

    An incident whose thread was pruned (a tombstone) takes no event: it was
    resolved long ago, so this is a re-delivery (the caller logs and counts it).

    `channel` is the brand's configured channel (used until the root exists),
    `partition` the `alerts` partition the event came from, `snooze_ms` the
    brand's snooze period (to show until when a snooze mutes it).
    """
    if delivery.tombstone is not None or event.alert_id in known_ids(delivery):
        return delivery, False
    # Slack never shows the volume curve; kept, it would add kilobytes per
    # waiting event to a table value that must stay well under Kafka's limit.
    event = replace(event, curve=())
    thread, pending = delivery.thread, delivery.pending
    base = pending.root if pending is not None else (thread.root if thread else None)
    view = root_view(base, event, snooze_ms=snooze_ms)
    if pending is None and thread is None:
        pending = Pending(
            incident_id=event.incident_id,
            brand=event.brand,
            channel=channel,
            partition=partition,
            root=view,
            root_alert_id=event.alert_id,
        )
        return replace(delivery, pending=pending), True
    if pending is None:
        pending = Pending(
            incident_id=event.incident_id,
            brand=event.brand,
            channel=channel,
            partition=partition,
            root=view,
        )
    pending = replace(
        pending,
        root=view,
        root_dirty=thread is not None,
        replies=_append(pending.replies, event, head_frozen=pending.reply_unsure),
    )
    return replace(delivery, pending=pending), True


def due(delivery: Delivery, now_ms: int) -> bool:
    """Whether a call is waiting and its time has come."""
    return delivery.pending is not None and delivery.pending.next_attempt_ms <= now_ms


def next_action(
    delivery: Delivery, now_ms: int, params: OutboxParams = DEFAULT_PARAMS
) -> Action | None:
    """The one call to make now, or None (nothing waits, or not yet)."""
    pending, thread = delivery.pending, delivery.thread
    if pending is None or not due(delivery, now_ms):
        return None
    if thread is None:
        if pending.root_unsure:
            oldest = max(pending.root_attempted_at_ms - params.lookup_margin_ms, 0)
            return FindRoot(
                channel=pending.channel,
                incident_id=pending.incident_id,
                oldest_ms=oldest,
                view=pending.root,
                alert_id=pending.root_alert_id,
            )
        return PostRoot(channel=pending.channel, view=pending.root, alert_id=pending.root_alert_id)
    if pending.replies:
        if pending.reply_unsure:
            oldest = max(pending.reply_attempted_at_ms - params.lookup_margin_ms, 0)
            return FindReply(
                channel=thread.channel,
                thread_ts=thread.ts,
                incident_id=pending.incident_id,
                oldest_ms=oldest,
                reply=pending.replies[0],
            )
        return PostReply(channel=thread.channel, thread_ts=thread.ts, reply=pending.replies[0])
    if pending.root_dirty:
        return UpdateRoot(channel=thread.channel, ts=thread.ts, view=pending.root)
    return None


def attempting(delivery: Delivery, action: Action, now_ms: int) -> Delivery:
    """`delivery` with a root or reply post attempt recorded (store it before the call).

    Until Slack's answer is settled the attempt counts as maybe posted, so a
    worker that dies meanwhile looks the message up instead of posting it
    twice. Other actions return `delivery` itself.
    """
    pending = delivery.pending
    if pending is None:
        return delivery
    if isinstance(action, PostRoot):
        first = pending.root_attempted_at_ms or now_ms
        marked = replace(pending, root_attempted_at_ms=first, root_unsure=True)
    elif isinstance(action, PostReply):
        first = pending.reply_attempted_at_ms or now_ms
        marked = replace(pending, reply_attempted_at_ms=first, reply_unsure=True)
    else:
        return delivery
    return replace(delivery, pending=marked)


def _delivered(thread: Thread, ids: tuple[str, ...], keep: int) -> Thread:
    return replace(thread, delivered=(*thread.delivered, *ids)[-keep:])


def _tidy(thread: Thread | None, pending: Pending) -> Delivery:
    """Drop the pending entry once nothing is left in it."""
    empty = thread is not None and not pending.replies and not pending.root_dirty
    return Delivery(thread=thread, pending=None if empty else pending)


def settle(
    delivery: Delivery,
    action: Action,
    result: Result,
    now_ms: int,
    params: OutboxParams = DEFAULT_PARAMS,
) -> tuple[Delivery, tuple[Note, ...]]:
    """Apply Slack's answer to `action` (which `next_action` gave for `delivery`)."""
    pending = delivery.pending
    if pending is None:
        msg = "settle: nothing was pending for this incident"
        raise ValueError(msg)
    if isinstance(result, Failed):
        return _failed(delivery, pending, action, result, now_ms, params)
    if isinstance(result, NotFound):
        # Nothing landed: post now (the first attempt's time stays, for later lookups).
        retry = replace(pending, next_attempt_ms=now_ms, parked=False, limited_lookups=0)
        kind: NoteKind
        if isinstance(action, FindRoot):
            retry, kind = replace(retry, root_unsure=False), "root_not_found"
        elif isinstance(action, FindReply):
            retry, kind = replace(retry, reply_unsure=False), "reply_not_found"
        else:
            msg = f"settle: NotFound answers a lookup only, not {type(action).__name__}"
            raise ValueError(msg)
        note = Note(kind=kind, incident_id=pending.incident_id, error="")
        return replace(delivery, pending=retry), (note,)
    ok = replace(pending, attempts=0, next_attempt_ms=0, last_error="", parked=False)
    thread = delivery.thread
    notes: tuple[Note, ...] = ()
    if isinstance(action, PostRoot | FindRoot):
        resolved = now_ms if action.view.status is AlertStatus.RESOLVED else 0
        thread = Thread(
            channel=result.channel,
            ts=result.ts,
            root_alert_id=action.alert_id,
            delivered=(action.alert_id,),
            root=action.view,
            partition=pending.partition,
            resolved_at_ms=resolved,
        )
        # An adopted root may show an older state than ours: edit it once to be sure.
        dirty = isinstance(action, FindRoot) or ok.root != action.view
        ok = replace(ok, root_alert_id="", root_dirty=dirty, root_unsure=False, limited_lookups=0)
        if isinstance(action, FindRoot):
            notes = (Note(kind="root_adopted", incident_id=pending.incident_id, error=result.ts),)
    elif thread is None:
        msg = f"settle: {type(action).__name__} before the root was posted"
        raise ValueError(msg)
    elif isinstance(action, PostReply | FindReply):
        thread = _delivered(thread, action.reply.alert_ids, params.max_delivered)
        if action.reply.event.status is AlertStatus.RESOLVED and not thread.resolved_at_ms:
            thread = replace(thread, resolved_at_ms=now_ms)
        ok = replace(
            ok,
            replies=ok.replies[1:],
            reply_attempted_at_ms=0,
            reply_unsure=False,
            limited_lookups=0,
        )
        if isinstance(action, FindReply):
            notes = (Note(kind="reply_found", incident_id=pending.incident_id, error=result.ts),)
    else:
        thread = replace(thread, root=action.view)
        ok = replace(ok, root_dirty=ok.root != action.view)
    return _tidy(thread, ok), notes


def _failed(
    delivery: Delivery,
    pending: Pending,
    action: Action,
    result: Failed,
    now_ms: int,
    params: OutboxParams,
) -> tuple[Delivery, tuple[Note, ...]]:
    incident = pending.incident_id
    if result.permanent and isinstance(action, UpdateRoot):
        # The root cannot be edited (deleted, too old): the thread goes on.
        dropped = replace(pending, root_dirty=False)
        note = Note(kind="root_edit_dropped", incident_id=incident, error=result.error)
        return _tidy(delivery.thread, dropped), (note,)
    if isinstance(action, FindRoot | FindReply):
        limited = pending.limited_lookups + (result.retry_after_ms is not None)
        if result.permanent or limited >= params.max_limited_lookups:
            # Slack will not let us look (a missing history scope, a rate limit that
            # never lets the pages through): a second message beats a lost alert, so post.
            fallback = replace(pending, next_attempt_ms=now_ms, limited_lookups=0)
            kind: NoteKind
            if isinstance(action, FindRoot):
                fallback, kind = replace(fallback, root_unsure=False), "lookup_failed"
            else:
                fallback, kind = replace(fallback, reply_unsure=False), "reply_lookup_failed"
            note = Note(kind=kind, incident_id=incident, error=result.error)
            return replace(delivery, pending=fallback), (note,)
        pending = replace(pending, limited_lookups=limited)
    if isinstance(action, PostRoot):
        # A definite refusal (an API error, a 429) posted nothing; otherwise look first.
        pending = replace(pending, root_unsure=result.maybe_sent)
    elif isinstance(action, PostReply):
        pending = replace(pending, reply_unsure=result.maybe_sent)
    attempts = pending.attempts + 1
    if result.permanent:
        wait = params.park_ms
    elif result.retry_after_ms is not None:
        wait = max(result.retry_after_ms, params.min_retry_after_ms)
    else:
        wait = min(params.min_backoff_ms * 2 ** min(attempts - 1, 30), params.max_backoff_ms)
    failed = replace(
        pending,
        attempts=attempts,
        next_attempt_ms=now_ms + wait,
        last_error=result.error,
        parked=result.permanent,
    )
    notes: tuple[Note, ...] = ()
    if result.permanent and not pending.parked:
        notes = (Note(kind="parked", incident_id=incident, error=result.error),)
    return replace(delivery, pending=failed), notes


def pending_events(delivery: Delivery) -> int:
    """Alert events of the incident still waiting for Slack's ok."""
    pending = delivery.pending
    if pending is None:
        return 0
    root = 1 if pending.root_alert_id else 0
    return root + sum(len(r.alert_ids) for r in pending.replies)


def housekeep(delivery: Delivery, now_ms: int, params: OutboxParams = DEFAULT_PARAMS) -> Delivery:
    """The incident's entry after time passed: stamped, pruned, forgotten, or the same.

    * A resolved thread without a resolution time (a v1 value) gets `now_ms`.
    * A thread resolved `prune_after_ms` ago with nothing pending becomes a
      `Tombstone`.
    * A tombstone of an incident resolved `tombstone_ms` ago goes (an empty
      `Delivery`: delete the key).

    Returns `delivery` itself when nothing is due, so ``is`` tells whether to write.
    """
    thread, tomb = delivery.thread, delivery.tombstone
    if tomb is not None:
        if now_ms - tomb.resolved_at_ms >= params.tombstone_ms:
            return Delivery()
        return delivery
    if thread is None or delivery.pending is not None:
        return delivery
    if not thread.resolved_at_ms:
        if thread.root.status is AlertStatus.RESOLVED:
            return replace(delivery, thread=replace(thread, resolved_at_ms=now_ms))
        return delivery
    if now_ms - thread.resolved_at_ms < params.prune_after_ms:
        return delivery
    tomb = Tombstone(
        resolved_at_ms=thread.resolved_at_ms,
        pruned_at_ms=now_ms,
        partition=thread.partition,
        channel=thread.channel,
        ts=thread.ts,
    )
    return Delivery(tombstone=tomb)


# --- table values ------------------------------------------------------------------


def _view_to_dict(view: RootView) -> dict[str, object]:
    return {
        "event": alert_to_dict(view.event),
        "status": view.status.value,
        "severity": view.severity.value,
        "acknowledged_by": view.acknowledged_by,
        "snoozed_by": view.snoozed_by,
        "snoozed_until_ms": view.snoozed_until_ms,
    }


def _view_from_dict(d: Mapping[str, Any]) -> RootView:
    return RootView(
        event=alert_from_dict(d["event"]),
        status=AlertStatus(d["status"]),
        severity=Severity(d["severity"]),
        acknowledged_by=str(d.get("acknowledged_by", "")),
        snoozed_by=str(d.get("snoozed_by", "")),
        snoozed_until_ms=int(d.get("snoozed_until_ms", 0)),
    )


def _check_version(d: Mapping[str, Any], version: int, what: str) -> None:
    v = d.get("v")
    if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= version:
        msg = f"{what}: unsupported schema version {v!r} (expected 1 to {version})"
        raise ValueError(msg)


def thread_to_dict(thread: Thread) -> dict[str, object]:
    """A `Thread` as a JSON-safe table value with its ``v``."""
    return {
        "v": THREAD_VERSION,
        "channel": thread.channel,
        "ts": thread.ts,
        "root_alert_id": thread.root_alert_id,
        "delivered": list(thread.delivered),
        "root": _view_to_dict(thread.root),
        "partition": thread.partition,
        "resolved_at_ms": thread.resolved_at_ms,
    }


def thread_from_dict(d: Mapping[str, Any]) -> Thread:
    """The inverse of `thread_to_dict`; ValueError or KeyError on a bad value."""
    _check_version(d, THREAD_VERSION, "slack thread")
    if d.get("pruned"):
        msg = "slack thread: this value is a tombstone (see is_tombstone)"
        raise ValueError(msg)
    return Thread(
        channel=str(d["channel"]),
        ts=str(d["ts"]),
        root_alert_id=str(d["root_alert_id"]),
        delivered=tuple(str(x) for x in d["delivered"]),
        root=_view_from_dict(d["root"]),
        partition=int(d["partition"]),
        resolved_at_ms=int(d.get("resolved_at_ms", 0)),
    )


def is_tombstone(d: Mapping[str, Any]) -> bool:
    """Whether a ``slack-threads`` value is a `Tombstone` rather than a `Thread`."""
    return bool(d.get("pruned"))


def tombstone_to_dict(tomb: Tombstone) -> dict[str, object]:
    """A `Tombstone` as a compact ``slack-threads`` value."""
    return {
        "v": THREAD_VERSION,
        "pruned": True,
        "resolved_at_ms": tomb.resolved_at_ms,
        "pruned_at_ms": tomb.pruned_at_ms,
        "partition": tomb.partition,
        "channel": tomb.channel,
        "ts": tomb.ts,
    }


def tombstone_from_dict(d: Mapping[str, Any]) -> Tombstone:
    """The inverse of `tombstone_to_dict`; ValueError or KeyError on a bad value."""
    _check_version(d, THREAD_VERSION, "slack thread tombstone")
    return Tombstone(
        resolved_at_ms=int(d["resolved_at_ms"]),
        pruned_at_ms=int(d["pruned_at_ms"]),
        partition=int(d["partition"]),
        channel=str(d["channel"]),
        ts=str(d["ts"]),
    )


def delivery_from_values(
    thread: Mapping[str, Any] | None, pending: Mapping[str, Any] | None
) -> Delivery:
    """A `Delivery` from the two tables' values (None: no entry)."""
    if thread is not None and is_tombstone(thread):
        return Delivery(
            tombstone=tombstone_from_dict(thread),
            pending=None if pending is None else pending_from_dict(pending),
        )
    return Delivery(
        thread=None if thread is None else thread_from_dict(thread),
        pending=None if pending is None else pending_from_dict(pending),
    )


def pending_to_dict(pending: Pending) -> dict[str, object]:
    """A `Pending` as a JSON-safe table value with its ``v``."""
    return {
        "v": PENDING_VERSION,
        "incident_id": pending.incident_id,
        "brand": pending.brand,
        "channel": pending.channel,
        "partition": pending.partition,
        "root": _view_to_dict(pending.root),
        "root_alert_id": pending.root_alert_id,
        "root_dirty": pending.root_dirty,
        "replies": [
            {"event": alert_to_dict(r.event), "alert_ids": list(r.alert_ids)}
            for r in pending.replies
        ],
        "attempts": pending.attempts,
        "next_attempt_ms": pending.next_attempt_ms,
        "last_error": pending.last_error,
        "parked": pending.parked,
        "root_attempted_at_ms": pending.root_attempted_at_ms,
        "root_unsure": pending.root_unsure,
        "limited_lookups": pending.limited_lookups,
        "reply_attempted_at_ms": pending.reply_attempted_at_ms,
        "reply_unsure": pending.reply_unsure,
    }


def pending_from_dict(d: Mapping[str, Any]) -> Pending:
    """The inverse of `pending_to_dict`; ValueError or KeyError on a bad value."""
    _check_version(d, PENDING_VERSION, "slack outbox entry")
    return Pending(
        incident_id=str(d["incident_id"]),
        brand=str(d["brand"]),
        channel=str(d["channel"]),
        partition=int(d["partition"]),
        root=_view_from_dict(d["root"]),
        root_alert_id=str(d.get("root_alert_id", "")),
        root_dirty=bool(d.get("root_dirty", False)),
        replies=tuple(
            Reply(
                event=alert_from_dict(r["event"]),
                alert_ids=tuple(str(x) for x in r["alert_ids"]),
            )
            for r in d.get("replies", ())
        ),
        attempts=int(d.get("attempts", 0)),
        next_attempt_ms=int(d.get("next_attempt_ms", 0)),
        last_error=str(d.get("last_error", "")),
        parked=bool(d.get("parked", False)),
        root_attempted_at_ms=int(d.get("root_attempted_at_ms", 0)),
        root_unsure=bool(d.get("root_unsure", False)),
        limited_lookups=int(d.get("limited_lookups", 0)),
        reply_attempted_at_ms=int(d.get("reply_attempted_at_ms", 0)),
        reply_unsure=bool(d.get("reply_unsure", False)),
    )
