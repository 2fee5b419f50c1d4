"""Agent `notify`: alert events -> people.

Without a Slack token (the demo) each event is printed on the console as one
readable block; the `alerts` topic keeps the full JSON.

With a token (`Services.slack`), each incident is one Slack thread, delivered
through a durable outbox (`streamproc.outbox` decides, this module does I/O):

1. *Record first*: an alert event is written to the ``outbox`` table (keyed by
   ``incident_id``) before Slack is called; one already delivered or waiting
   (``slack-threads`` and ``outbox`` know its ``alert_id``) is skipped.
2. *Send second*: the root, then the replies in order, then one root edit;
   the ``ts`` of a new root goes to ``slack-threads`` as soon as Slack answers,
   and the producer is flushed, so that a restarted worker continues the same
   thread. An entry leaves the outbox only after Slack's ok.

Faust tables may change only inside stream iteration, and a table write goes
to the changelog partition of the record being processed. So the agent reads
`alerts` *and* `ticks` (the timer sends a tick to every partition), and a
record of partition q only ever touches outbox entries of incidents whose brand
lives on partition q: the worker that owns q owns their delivery. A pass makes
one Slack call per due incident per round (fair between incidents) and at most
`MAX_CALLS_PER_PASS` calls, so an outage never holds the loop for long: the
client retries briefly, the outbox does the long waits.

A root or reply post is recorded as *attempted* (and flushed) before it is
made. If its answer never comes (timeout, reset connection, 5xx, a worker
killed before the answer was stored), the next call looks for the message by
its metadata instead of posting a second one: the root in the channel
(``conversations.history``, `streamproc.outbox.FindRoot`, then adopted), a
reply in its thread (``conversations.replies``, `streamproc.outbox.FindReply`,
then counted as delivered). The extra flush per reply is the price of that:
without the attempt on record, a worker killed after Slack took a reply
would leave its successor no reason to look before posting again.

Housekeeping rides on ticks too (at most every `HOUSEKEEP_EVERY_MS` per
partition, `MAX_HOUSEKEEP_WRITES` writes per pass): a thread entry of a
resolved incident is replaced by a small tombstone
`OutboxParams.prune_after_ms` after its resolution was delivered, and the
tombstone goes `OutboxParams.tombstone_ms` after the resolution. An event of
a tombstoned incident is a re-delivery (incident ids are per onset, and a
resolved incident gets no new live events): it is dropped with a warning and
counted (``streamproc_slack_outbox_events_total{event="late_event_dropped"}``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import faust

from agents.adapters.slack import SlackDeliveryError, SlackNotifier, SlackPosted
from agents.adapters.slack_render import (
    Block,
    escape,
    fit_blocks,
    fmt_time,
    ratio_sentence,
    record_phrase,
    render_reply,
    render_root,
)
from agents.incidents import review_link
from agents.tables import Passes, Tables, owned
from agents.topics import Topics
from streamproc import alerting, outbox
from streamproc.codec import alert_from_dict, iso_ms
from streamproc.model import AlertEvent, AlertStatus
from streamproc.outbox import (
    Action,
    Delivery,
    Failed,
    FindReply,
    FindRoot,
    Note,
    NotFound,
    OutboxParams,
    PostReply,
    PostRoot,
    Reply,
    Result,
    RootView,
    Sent,
)

if TYPE_CHECKING:
    from agents.services import Services

log = logging.getLogger(__name__)

MAX_CALLS_PER_PASS = 12
"""Slack calls one pass over a partition's outbox may make (then the loop reads on)."""
HOUSEKEEP_EVERY_MS = 600_000
"""Wall-clock ms between two pruning passes over one partition's threads."""
MAX_HOUSEKEEP_WRITES = 200
"""Thread entries one pruning pass may rewrite (the rest wait for the next)."""

_ACTION_WORDS = {"acknowledged": "Acknowledged", "snoozed": "Snoozed", "manual": "Resolved"}


def console_line(event: AlertEvent, brand_name: str) -> str:
    """A short human summary of an alert event, ratio first."""
    by_count = sorted(event.languages.items(), key=lambda kv: -kv[1])
    langs = ", ".join(f"{k} {v}" for k, v in by_count)
    label = f"{event.status.value.upper()} {event.severity.value}"
    if event.status is AlertStatus.UPDATED and event.reason in (alerting.RISING, alerting.EASING):
        label += f", {event.reason}"
    head = f"[{label}] {brand_name}: " + ratio_sentence(event)
    lines = [
        head,
        f"  window {iso_ms(event.window_start_ms)} growth {event.growth:+.0%}"
        f" share {event.share:.0%} languages: {langs or '-'}"
        + (f" ({record})" if (record := record_phrase(event)) else ""),
        f"  top terms: {', '.join(event.top_terms[:8]) or '-'}",
    ]
    if event.samples:
        s = event.samples[0]
        text = " ".join(s.text.split())
        lines.append(f'  e.g. {s.author or "?"}: "{text[:140]}" {s.url or ""}'.rstrip())
    if event.baseline_young:
        lines.append("  (young baseline: this brand's normal is still being learnt)")
    return "\n".join(lines)


def root_message(
    view: RootView, brand_name: str, review_base: str | None = None
) -> tuple[str, list[Block]]:
    """The root as it should look now: the incident's numbers and its state.

    With `review_base` ($STREAMPROC_REVIEW_URL), "Open review" links to the
    incident's review page on the workers (`agents.review_pages`).
    """
    note = ""
    if view.snoozed_until_ms and view.status is not AlertStatus.RESOLVED:
        who = f" by {view.snoozed_by}" if view.snoozed_by else ""
        note = f"Snoozed{who} until {fmt_time(view.snoozed_until_ms)}"
    shown = view.shown()
    return render_root(
        shown,
        brand_name,
        acknowledged_by=view.acknowledged_by or None,
        state_note=note,
        review_url=review_link(review_base, shown.incident_id),
    )


def reply_message(reply: Reply, brand_name: str) -> tuple[str, list[Block]]:
    """A thread reply; says who acted, and how many updates it stands for."""
    text, blocks = render_reply(reply.event, brand_name)
    extra: list[str] = []
    word = _ACTION_WORDS.get(reply.event.reason)
    if word and reply.event.actor:
        extra.append(f"{word} by *{escape(reply.event.actor[:80])}*")
    if reply.coalesced:
        extra.append(
            f"Stands for {reply.coalesced + 1} updates that waited while Slack was unreachable."
        )
    if extra:
        context = {"type": "context", "elements": [{"type": "mrkdwn", "text": t} for t in extra]}
        blocks = fit_blocks([*blocks, context])
    return text, blocks


def register(app: faust.App, topics: Topics, tables: Tables, services: Services) -> None:
    """Declare the `notify` agent on `app`: console without a token, Slack with one."""
    if services.slack is None:
        _register_console(app, topics, services)
        return
    delivery = SlackDelivery(
        tables,
        services,
        services.slack,
        flush=_producer_flush(app),
        params=services.config.slack_outbox,
    )
    source = app.topic(
        *topics.alerts.topics,
        *topics.ticks.topics,
        partitions=services.config.pipeline.partitions,
        key_serializer="raw",
        value_serializer="json",
    )

    async def notify(stream: faust.StreamT[dict[str, Any]]) -> AsyncIterator[int]:
        async for event in stream.events():
            msg = event.message
            try:
                yield await delivery.on_record(event.value, msg.partition)
            except Exception:  # policy: log with its position, go on; the outbox keeps its own
                log.exception("notify failed on %s offset %s", msg.tp, msg.offset)
                yield -1

    # It yields the outbox's pending count per record: a test waits for that.
    app.agent(source, name="notify")(notify)


def _register_console(app: faust.App, topics: Topics, services: Services) -> None:
    catalog = services.config.catalog

    async def notify(stream: faust.StreamT[dict[str, Any]]) -> None:
        async for value in stream:
            event = alert_from_dict(value)
            found = catalog.get(event.brand)
            services.progress.alerts.append(value)
            services.console(console_line(event, found.name if found else event.brand))

    app.agent(topics.alerts, name="notify")(notify)


def _producer_flush(app: faust.App) -> Callable[[], Awaitable[None]]:
    async def flush() -> None:
        producer = app.producer
        if producer.started:  # not in Faust's test_context, where nothing is sent
            await producer.flush()

    return flush


class SlackDelivery:
    """The outbox's I/O: table reads and writes, Slack calls, logs and metrics.

    Call `on_record` from the agent's stream loop only (it writes tables).
    """

    def __init__(
        self,
        tables: Tables,
        services: Services,
        slack: SlackNotifier,
        *,
        flush: Callable[[], Awaitable[None]],
        params: OutboxParams = outbox.DEFAULT_PARAMS,
        max_calls: int = MAX_CALLS_PER_PASS,
    ) -> None:
        self.threads = tables.slack_threads
        self.entries = tables.outbox
        self.services = services
        self.slack = slack
        self.flush = flush
        self.params = params
        self.max_calls = max_calls
        self._broken: set[str] = set()
        self._passes = Passes(HOUSEKEEP_EVERY_MS)

    async def on_record(self, value: dict[str, Any], partition: int) -> int:
        """Record an alert event, send what is due on `partition`; events still pending."""
        if value.get("kind") != "tick":
            self.services.progress.alerts.append(value)
            if self.record(alert_from_dict(value), partition):
                await self.flush()  # recorded for good before Slack is called
        else:
            self.housekeep(partition)
        return await self.drain(partition)

    def load(self, incident_id: str) -> Delivery:
        """The incident's thread (or its tombstone) and pending entry, from the tables."""
        return outbox.delivery_from_values(
            self.threads.get(incident_id), self.entries.get(incident_id)
        )

    def store(self, incident_id: str, before: Delivery, after: Delivery) -> None:
        """Write back what changed (whole snapshots; a tombstone for an empty entry)."""
        if after.thread is not before.thread or after.tombstone is not before.tombstone:
            if after.thread is not None:
                self.threads[incident_id] = outbox.thread_to_dict(after.thread)
            elif after.tombstone is not None:
                self.threads[incident_id] = outbox.tombstone_to_dict(after.tombstone)
            else:
                self.threads.pop(incident_id, None)
        if after.pending is not before.pending:
            if after.pending is None:
                self.entries.pop(incident_id, None)
            else:
                self.entries[incident_id] = outbox.pending_to_dict(after.pending)

    def record(self, event: AlertEvent, partition: int) -> bool:
        """Put `event` in the outbox (before any Slack call); False if it is known."""
        config = self.services.config
        before = self.load(event.incident_id)
        after, changed = outbox.record(
            before,
            event,
            channel=config.channel_for(event.brand),
            partition=partition,
            snooze_ms=config.params_for(event.brand).policy.snooze_ms,
        )
        if before.tombstone is not None:
            log.warning(
                "slack: alert %s of incident %s dropped: the incident was resolved at %s and "
                "its thread entry pruned, so this is a re-delivery",
                event.alert_id,
                event.incident_id,
                iso_ms(before.tombstone.resolved_at_ms),
            )
            self.services.metrics.slack_outbox_event("late_event_dropped")
            return False
        if not changed:
            log.info("slack: alert %s already handled", event.alert_id)
            return False
        self.store(event.incident_id, before, after)
        return True

    def housekeep(self, partition: int) -> int:
        """Prune resolved threads of `partition` (see the module docstring); writes made."""
        now = self.services.clock()
        if not self._passes.due(partition, now):
            return 0
        writes = 0
        for incident_id, _ in owned(self.threads, partition):
            if writes >= MAX_HOUSEKEEP_WRITES:
                break
            try:
                before = self.load(incident_id)
            except (KeyError, TypeError, ValueError):
                continue  # said once by the drain when it matters; nothing to prune
            after = outbox.housekeep(before, now, self.params)
            if after is before:
                continue
            self.store(incident_id, before, after)
            writes += 1
            if after.tombstone is not None:
                log.info("slack: thread of resolved incident %s pruned", incident_id)
                self.services.metrics.slack_outbox_event("thread_pruned")
            elif after.thread is None:
                self.services.metrics.slack_outbox_event("tombstone_expired")
        return writes

    def _due(self, partition: int, now_ms: int) -> list[str]:
        return sorted(
            key
            for key, raw in owned(self.entries, partition)
            if int(raw.get("next_attempt_ms", 0)) <= now_ms and key not in self._broken
        )

    async def drain(self, partition: int) -> int:
        """Send what is due on `partition`, one call per incident per round; events pending."""
        budget = self.max_calls
        while budget > 0:
            progressed = False
            for incident_id in self._due(partition, self.services.clock()):
                if budget <= 0:
                    break
                try:
                    made = await self.step(incident_id)
                except Exception:  # a value we cannot read: say so once, keep the others going
                    self._broken.add(incident_id)
                    log.exception("slack: outbox entry of incident %s is unusable", incident_id)
                    continue
                budget -= made is not None
                progressed = progressed or isinstance(made, Sent | NotFound)
            if not progressed:
                break
        pending = self.pending_count()
        self.services.metrics.slack_pending(pending)
        return pending

    async def step(self, incident_id: str) -> Result | None:
        """Make the incident's next call, if one is due, and settle the answer."""
        before = self.load(incident_id)
        action = outbox.next_action(before, self.services.clock(), self.params)
        if action is None:
            return None
        marked = outbox.attempting(before, action, self.services.clock())
        if marked is not before:  # a post: on record as maybe posted before it is made
            self.store(incident_id, before, marked)
            await self.flush()
            before = marked
        result = await self.perform(before, action)
        after, notes = outbox.settle(before, action, result, self.services.clock(), self.params)
        self.store(incident_id, before, after)
        if isinstance(result, Sent):
            await self.flush()  # the thread record reaches Kafka before the next call
            log.info("slack: %s for incident %s delivered", type(action).__name__, incident_id)
        for note in notes:
            self._say(note)
        return result

    def _say(self, note: Note) -> None:
        incident_id = note.incident_id
        if note.kind == "parked":
            log.error(
                "slack: incident %s parked after a permanent error %r; fix the cause "
                "(token, channel, bot invitation); retried every %d min",
                incident_id,
                note.error,
                self.params.park_ms // 60_000,
            )
        elif note.kind == "root_edit_dropped":
            log.warning(
                "slack: the root of incident %s cannot be edited (%s); the thread goes on",
                incident_id,
                note.error,
            )
        elif note.kind == "root_adopted":
            log.info(
                "slack: the root of incident %s was posted although its answer was lost; "
                "found it (ts %s) and adopted it",
                incident_id,
                note.error,
            )
            self.services.metrics.slack_outbox_event("root_adopted")
        elif note.kind == "root_not_found":
            log.info("slack: no earlier root of incident %s in the channel; posting", incident_id)
            self.services.metrics.slack_outbox_event("root_not_found")
        elif note.kind == "reply_found":
            log.info(
                "slack: a reply of incident %s was posted although its answer was lost; "
                "found it (ts %s) and counted it as delivered",
                incident_id,
                note.error,
            )
            self.services.metrics.slack_outbox_event("reply_found")
        elif note.kind == "reply_not_found":
            log.info("slack: no earlier reply of incident %s in its thread; posting", incident_id)
            self.services.metrics.slack_outbox_event("reply_not_found")
        elif note.kind == "reply_lookup_failed":
            log.error(
                "slack: cannot look up a reply of incident %s (%s): posting it again, which "
                "may show it twice; grant channels:history/groups:history",
                incident_id,
                note.error,
            )
            self.services.metrics.slack_outbox_event("reply_lookup_failed")
        else:
            log.error(
                "slack: cannot look up the root of incident %s (%s): posting it again, which "
                "may show it twice; grant channels:history/groups:history (and channels:read/"
                "groups:read for channels given by name)",
                incident_id,
                note.error,
            )
            self.services.metrics.slack_outbox_event("lookup_failed")

    async def perform(self, delivery: Delivery, action: Action) -> Result:
        """One Slack call; its failure becomes a `Failed` value, never an exception."""
        pending = delivery.pending
        brand = pending.brand if pending is not None else ""
        incident = pending.incident_id if pending is not None else "?"
        found = self.services.config.catalog.get(brand)
        name = found.name if found else brand
        posted: SlackPosted | None
        try:
            if isinstance(action, FindRoot):
                posted = await self.slack.find_root(
                    action.channel, action.incident_id, oldest_ms=action.oldest_ms
                )
                if posted is None:
                    return NotFound()
            elif isinstance(action, PostRoot):
                text, blocks = root_message(action.view, name, self.services.env.review_url)
                posted = await self.slack.post_root(
                    action.channel, text, blocks, incident_id=incident, alert_id=action.alert_id
                )
            elif isinstance(action, FindReply):
                posted = await self.slack.find_reply(
                    action.channel,
                    action.thread_ts,
                    action.incident_id,
                    action.reply.key,
                    oldest_ms=action.oldest_ms,
                )
                if posted is None:
                    return NotFound()
            elif isinstance(action, PostReply):
                text, blocks = reply_message(action.reply, name)
                posted = await self.slack.post_reply(
                    action.channel,
                    action.thread_ts,
                    text,
                    blocks,
                    broadcast=action.reply.broadcast,
                    incident_id=incident,
                    alert_id=action.reply.key,
                )
            else:
                text, blocks = root_message(action.view, name, self.services.env.review_url)
                posted = await self.slack.update_root(action.channel, action.ts, text, blocks)
        except SlackDeliveryError as exc:
            wait = None if exc.retry_after is None else round(exc.retry_after * 1000)
            return Failed(
                error=exc.error,
                permanent=exc.permanent,
                retry_after_ms=wait,
                maybe_sent=exc.maybe_sent,
            )
        except Exception as exc:  # a bug of ours: back off and keep the event, never drop it
            log.exception("slack: %s for incident %s failed", type(action).__name__, incident)
            return Failed(error=type(exc).__name__, maybe_sent=True)
        return Sent(channel=posted.channel, ts=posted.ts)

    def pending_count(self) -> int:
        """Alert events waiting for Slack's ok in this worker's outbox."""
        total = 0
        for raw in list(self.entries.values()):
            try:
                total += outbox.pending_events(Delivery(pending=outbox.pending_from_dict(raw)))
            except (KeyError, TypeError, ValueError):
                continue
        return total
