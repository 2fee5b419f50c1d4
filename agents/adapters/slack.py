"""SlackNotifier: an incident's root, thread replies and root edits via slack-sdk.

Retries are declared, not hand-written: the `AsyncWebClient` gets the three
built-in async retry handlers (connection errors, HTTP 429 honouring
``Retry-After``, HTTP 500/503), listed explicitly because slack-sdk's default
list holds the connection handler only, and every built-in handler retries
*once* unless told otherwise. What the handlers cannot overcome becomes a
`SlackDeliveryError` (an `AlertDeliveryError`), so the caller keeps the event
pending instead of losing it. Each channel gets about one message per second
(asyncio pacing, no blocking sleep). The token is never logged nor shown by
``repr``.

Two slack-sdk facts shape the retry settings (read in
``slack_sdk/web/async_internal_utils.py`` and ``http_retry/``):

- One `RetryState` is shared by all handlers of a call, and a handler retries
  only while the call's total retry count is below *its own*
  ``max_retry_count``: after two 429s, a server-error handler with a maximum
  of 2 no longer retries.
- The rate-limit handler sleeps ``Retry-After`` plus up to one second of
  jitter inside the call. A longer wait than `RetryPolicy.max_retry_after_s`
  is not slept: it is handed back as ``AlertDeliveryError.retry_after``.

An incident's root and its thread replies (`SlackNotifier.post_root` and
`SlackNotifier.post_reply` with an ``incident_id``) must never be doubled, and
Slack has no idempotency key. So each carries message metadata naming the
incident (and, for a reply, its alert id), goes through a second client whose
handlers retry only what surely did not reach Slack (a connection that was
never made, a 429, a 503), and a failure that may have reached Slack (no
answer, a reset or dropped connection, another 5xx) says so (``maybe_sent``):
the outbox then looks the message up before it posts again
(`SlackNotifier.find_root`: ``conversations.history``;
`SlackNotifier.find_reply`: ``conversations.replies`` of the thread; both
with ``include_all_metadata``). The lookups need the ``channels:history``
(public) or ``groups:history`` (private channel) scope, and, for a channel
configured by name, ``channels:read``/``groups:read`` to find its id
(``conversations.list``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import (
    BackoffRetryIntervalCalculator,
)
from slack_sdk.http_retry.jitter import Jitter
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from streamproc.errors import AlertDeliveryError, ConfigError
from streamproc.outbox import REPLY_EVENT_TYPE, ROOT_EVENT_TYPE
from streamproc.settings import read_secret

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = AsyncWebClient.BASE_URL
"""slack-sdk's own ``https://slack.com/api/``; `SLACK_API_URL` overrides it."""

PERMANENT_ERRORS = frozenset(
    {
        "account_inactive",
        "cant_update_message",
        "channel_not_found",
        "edit_window_closed",
        "invalid_arguments",
        "invalid_auth",
        "invalid_blocks",
        "invalid_blocks_format",
        "invalid_thread_ts",
        "is_archived",
        "message_not_found",
        "missing_scope",
        "not_allowed_token_type",
        "msg_blocks_too_long",
        "msg_too_long",
        "no_permission",
        "no_text",
        "not_authed",
        "not_in_channel",
        "restricted_action",
        "thread_not_found",
        "token_expired",
        "token_revoked",
    }
)
"""Slack errors that the same request will meet again: retrying needs a
change (token, channel, invitation, content). The outbox should park such an
event and say so, not spin on it."""

Blocks = Sequence[dict[str, Any]]

_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
"""What a Slack conversation id looks like (names are lower case)."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SlackPosted:
    """Where a message now lives: Slack's channel *id* and the message ts.

    Keep the returned `channel` (an id even when a ``#name`` was posted to):
    ``chat.update`` accepts channel ids only.
    """

    channel: str
    ts: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SlackCall:
    """One Web API call as the metrics callback sees it."""

    method: str
    """``chat.postMessage``, ``chat.update``, ``conversations.history``, ``.replies``, ``.list``."""
    channel: str
    ok: bool
    error: str | None
    """Slack's error name, ``http_<status>``, or the exception class name."""
    retries: tuple[str, ...]
    """One entry per retry the handlers made: connection, rate_limit, server."""
    duration_s: float
    """From the pacing turn to the answer, retries included (monotonic clock)."""
    paced_s: float
    """Time spent waiting for the channel's pacing turn."""


class SlackDeliveryError(AlertDeliveryError):
    """A Slack call failed after the retry handlers gave up.

    `error` is Slack's error name (or ``http_<status>``, ``connection``,
    ``timeout``); `permanent` is True when the same request cannot succeed
    without a change (see `PERMANENT_ERRORS`); `maybe_sent` is True when the
    request may have reached Slack and been carried out (no answer, a reset
    connection, a 5xx): a post may then exist although the call failed.
    """

    def __init__(
        self,
        message: str,
        *,
        error: str,
        permanent: bool = False,
        retry_after: float | None = None,
        maybe_sent: bool = False,
    ) -> None:
        super().__init__(message, retry_after=retry_after)
        self.error = error
        self.permanent = permanent
        self.maybe_sent = maybe_sent


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """How hard the retry handlers try inside one call.

    Counts are totals per call (slack-sdk shares one retry counter between
    handlers), so equal counts read simply: "up to 3 retries of any mix".
    The built-in defaults are 1 each; ours give a 429 storm and a flapping
    connection a few chances (worst case about 40 s in one call) before the
    outbox takes over.
    """

    connection_retries: int = 3
    rate_limit_retries: int = 3
    server_error_retries: int = 3
    max_retry_after_s: float = 10.0
    """A longer ``Retry-After`` is not slept in the call but handed back."""
    backoff_factor_s: float = 0.5
    """Back-off of connection and server-error retries: factor * 2**attempt."""
    jitter_s: float = 1.0
    """Up to this much random time added to each back-off (slack-sdk: 1 s)."""


_retries: ContextVar[list[str] | None] = ContextVar("slack_retries", default=None)
"""The retries of the call running in this task (read by the metrics)."""


def _note_retry(kind: str) -> None:
    found = _retries.get()
    if found is not None:
        found.append(kind)
    log.info("slack: retrying after %s", kind)


class _Jitter(Jitter):
    """slack-sdk's RandomJitter with a bound (0 in tests)."""

    def __init__(self, max_s: float) -> None:
        self.max_s = max_s

    def recalculate(self, duration: float) -> float:
        return duration + random.random() * self.max_s


def _retry_after_s(headers: Mapping[str, Any]) -> float | None:
    for key, value in headers.items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) and value else value
            try:
                return max(float(str(raw)), 0.0)
            except ValueError:
                return None
    return None


class ConnectionRetry(AsyncConnectionErrorRetryHandler):
    """The built-in connection-error handler, counting its retries."""

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        _note_retry("connection")
        await super().prepare_for_next_attempt_async(
            state=state, request=request, response=response, error=error
        )


class RateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """The built-in 429 handler (sleeps ``Retry-After``), bounded and counting.

    It declines when ``Retry-After`` is longer than `max_wait_s` or not an
    integer (the built-in handler would crash on ``int()``): the call then
    fails with that ``retry_after`` and the outbox waits instead.
    """

    def __init__(self, max_retry_count: int, max_wait_s: float) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait_s = max_wait_s

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = _retry_after_s(response.headers)
        if wait is None:
            return not any(k.lower() == "retry-after" for k in response.headers)
        return wait.is_integer() and wait <= self.max_wait_s

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        _note_retry("rate_limit")
        await super().prepare_for_next_attempt_async(
            state=state, request=request, response=response, error=error
        )


class ServerErrorRetry(AsyncServerErrorRetryHandler):
    """The built-in HTTP 500/503 handler, counting its retries."""

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        _note_retry("server")
        await super().prepare_for_next_attempt_async(
            state=state, request=request, response=response, error=error
        )


class UnavailableRetry(ServerErrorRetry):
    """The built-in server-error handler for HTTP 503 only (the request was not taken)."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code == 503


def _interval(policy: RetryPolicy) -> BackoffRetryIntervalCalculator:
    return BackoffRetryIntervalCalculator(
        backoff_factor=policy.backoff_factor_s, jitter=_Jitter(policy.jitter_s)
    )


def retry_handlers(policy: RetryPolicy) -> list[AsyncRetryHandler]:
    """The three handlers, in the order slack-sdk tries them."""
    interval = _interval(policy)
    return [
        ConnectionRetry(max_retry_count=policy.connection_retries, interval_calculator=interval),
        RateLimitRetry(policy.rate_limit_retries, policy.max_retry_after_s),
        ServerErrorRetry(max_retry_count=policy.server_error_retries, interval_calculator=interval),
    ]


def root_retry_handlers(policy: RetryPolicy) -> list[AsyncRetryHandler]:
    """Handlers for a non-idempotent post (root or reply): only what surely did not reach Slack.

    A connection that could not be made (``ClientConnectorError``: refused,
    DNS), a 429 and a 503 (Slack did not take the call) are retried as usual.
    A dropped or reset connection, a timeout and other 5xx are *not*: Slack
    may have posted, so the outbox looks the message up instead of posting twice.
    """
    interval = _interval(policy)
    never_sent: list[type[Exception]] = [aiohttp.ClientConnectorError]
    return [
        ConnectionRetry(
            max_retry_count=policy.connection_retries,
            interval_calculator=interval,
            error_types=never_sent,
        ),
        RateLimitRetry(policy.rate_limit_retries, policy.max_retry_after_s),
        UnavailableRetry(max_retry_count=policy.server_error_retries, interval_calculator=interval),
    ]


class _Pacer:
    """At most one call per `min_interval_s` per channel, in arrival order.

    `asyncio.Lock` wakes its waiters first come, first served, so replies of
    one thread leave in the order they were asked for.
    """

    def __init__(
        self,
        min_interval_s: float,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self.min_interval_s = min_interval_s
        self.clock = clock
        self.sleep = sleep
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}

    def share(self, name: str, channel_id: str) -> None:
        """Carry a channel name's last send time over to its id."""
        if name in self._last:
            self._last[channel_id] = max(
                self._last.get(channel_id, self._last[name]), self._last[name]
            )

    @asynccontextmanager
    async def turn(self, channel: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(channel, asyncio.Lock())
        async with lock:
            last = self._last.get(channel)
            if last is not None:
                wait = last + self.min_interval_s - self.clock()
                if wait > 0:
                    await self.sleep(wait)
            try:
                yield
            finally:
                self._last[channel] = self.clock()


class SlackNotifier:
    """Posts and edits an incident's Slack messages; raises on failure.

    Build one per worker. ``base_url`` points at Slack or at a Slack-
    compatible server (the test double); ``metrics`` receives a `SlackCall`
    per call. ``clock`` and ``sleep`` drive the pacing (monotonic seconds).
    """

    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        metrics: Callable[[SlackCall], None] | None = None,
        retry: RetryPolicy | None = None,
        min_interval_s: float = 1.0,
        timeout_s: int = 10,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not token.strip():
            msg = "SlackNotifier needs a non-empty token"
            raise ConfigError(msg)
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.retry = retry or RetryPolicy()
        self._metrics = metrics
        self._clock = clock
        self._pacer = _Pacer(min_interval_s, clock, sleep)
        self._channel_ids: dict[str, str] = {}
        self.client = AsyncWebClient(
            token=token,
            base_url=self.base_url,
            timeout=timeout_s,
            retry_handlers=retry_handlers(self.retry),
        )
        self.guarded_client = AsyncWebClient(
            token=token,
            base_url=self.base_url,
            timeout=timeout_s,
            retry_handlers=root_retry_handlers(self.retry),
        )
        """Posts incidents' roots and replies: retries only what cannot have reached Slack."""

    def __repr__(self) -> str:
        return f"SlackNotifier(base_url={self.base_url!r}, token=<hidden>)"

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str],
        *,
        metrics: Callable[[SlackCall], None] | None = None,
    ) -> SlackNotifier | None:
        """A notifier from ``SLACK_BOT_TOKEN[_FILE]`` and ``SLACK_API_URL``.

        None when no token is set: alerts then go to the console only.
        """
        token = read_secret(env, "SLACK_BOT_TOKEN")
        if token is None:
            return None
        base_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_BASE_URL
        return cls(token, base_url=base_url, metrics=metrics)

    async def post_root(
        self,
        channel: str,
        text: str,
        blocks: Blocks,
        *,
        incident_id: str | None = None,
        alert_id: str = "",
    ) -> SlackPosted:
        """Post an incident's root message (``chat.postMessage``).

        With `incident_id`, the message carries metadata (event type
        `ROOT_EVENT_TYPE`, payload ``{"incident_id", "alert_id"}``) that
        `find_root` looks for, and only failures that cannot have reached
        Slack are retried inside the call (see `root_retry_handlers`).
        """
        client = self.client if incident_id is None else self.guarded_client
        metadata = None
        if incident_id is not None:
            payload = {"incident_id": incident_id, "alert_id": alert_id}
            metadata = {"event_type": ROOT_EVENT_TYPE, "event_payload": payload}
        return await self._call(
            "chat.postMessage",
            channel,
            lambda: client.chat_postMessage(
                channel=channel,
                text=text,
                blocks=list(blocks) or None,
                unfurl_links=False,
                unfurl_media=False,
                metadata=metadata,
            ),
            _posted,
        )

    async def channel_id(self, channel: str) -> str:
        """The id of `channel` (an id, ``#name`` or name), as Slack's read methods want.

        Ids pass as they are; a name is taken from an earlier answer or looked
        up with ``conversations.list`` (public and private channels the bot
        sees). A name that cannot be found comes back as given (the caller's
        next call then fails with Slack's own error).
        """
        known = self._channel_ids.get(channel)
        if known is not None:
            return known
        if _CHANNEL_ID.match(channel):
            return channel
        name = channel.lstrip("#")
        cursor: str | None = None
        for _ in range(_MAX_PAGES):
            send = partial(
                self.client.conversations_list,
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=200,
                cursor=cursor,
            )
            data = await self._call("conversations.list", channel, send, _data, paced=False)
            for found in data.get("channels") or ():
                if isinstance(found, dict) and found.get("name") == name:
                    channel_id = str(found["id"])
                    self._channel_ids[channel] = channel_id
                    return channel_id
            cursor = _next_cursor(data)
            if cursor is None:
                break
        log.warning("slack: no channel named %r among those the bot sees", name)
        return channel

    async def find_root(
        self,
        channel: str,
        incident_id: str,
        *,
        oldest_ms: int,
        limit: int = 15,
        max_pages: int = 20,
    ) -> SlackPosted | None:
        """The root `post_root` made for `incident_id` since `oldest_ms`, or None.

        Reads ``conversations.history`` (newest first, `limit` per page, at
        most `max_pages` pages) with ``include_all_metadata``. 15 per page is
        the most Slack allows apps distributed outside the Marketplace; the
        retry handlers deal with its rate limits. Raises `SlackDeliveryError`.
        """
        channel_id = await self.channel_id(channel)
        read = partial(
            self.client.conversations_history,
            channel=channel_id,
            oldest=_slack_ts(oldest_ms),
            limit=limit,
            include_all_metadata=True,
        )
        return await self._find(
            "conversations.history",
            channel_id,
            read,
            lambda message: _is_root_of(message, incident_id),
            max_pages=max_pages,
            what=f"the root of incident {incident_id}",
        )

    async def post_reply(
        self,
        channel: str,
        thread_ts: str,
        text: str,
        blocks: Blocks,
        *,
        broadcast: bool,
        incident_id: str | None = None,
        alert_id: str = "",
    ) -> SlackPosted:
        """Reply in the incident's thread; `broadcast` also shows it in the channel.

        With `incident_id`, the reply carries metadata (event type
        `REPLY_EVENT_TYPE`, payload ``{"incident_id", "alert_id"}``) that
        `find_reply` looks for, and only failures that cannot have reached
        Slack are retried inside the call, as for a root.
        """
        client = self.client if incident_id is None else self.guarded_client
        metadata = None
        if incident_id is not None:
            payload = {"incident_id": incident_id, "alert_id": alert_id}
            metadata = {"event_type": REPLY_EVENT_TYPE, "event_payload": payload}
        return await self._call(
            "chat.postMessage",
            channel,
            lambda: client.chat_postMessage(
                channel=channel,
                text=text,
                blocks=list(blocks) or None,
                thread_ts=thread_ts,
                reply_broadcast=True if broadcast else None,
                unfurl_links=False,
                unfurl_media=False,
                metadata=metadata,
            ),
            _posted,
        )

    async def find_reply(
        self,
        channel: str,
        thread_ts: str,
        incident_id: str,
        alert_id: str,
        *,
        oldest_ms: int,
        limit: int = 15,
        max_pages: int = 20,
    ) -> SlackPosted | None:
        """The reply `post_reply` made for (`incident_id`, `alert_id`) in the thread, or None.

        Reads ``conversations.replies`` of `thread_ts` (oldest first, from
        `oldest_ms`, `limit` per page, at most `max_pages` pages) with
        ``include_all_metadata``. Starting near the first attempt keeps a long
        thread to a page or two, which matters where Slack allows one call a
        minute (apps outside the Marketplace, at most 15 per page); the retry
        handlers deal with its rate limits. Raises `SlackDeliveryError`.
        """
        channel_id = await self.channel_id(channel)
        read = partial(
            self.client.conversations_replies,
            channel=channel_id,
            ts=thread_ts,
            oldest=_slack_ts(oldest_ms),
            limit=limit,
            include_all_metadata=True,
        )
        return await self._find(
            "conversations.replies",
            channel_id,
            read,
            lambda message: _is_reply_of(message, thread_ts, incident_id, alert_id),
            max_pages=max_pages,
            what=f"the reply {alert_id} of incident {incident_id} in thread {thread_ts}",
        )

    async def _find(
        self,
        method: str,
        channel_id: str,
        read: Callable[..., Awaitable[AsyncSlackResponse]],
        match: Callable[[object], bool],
        *,
        max_pages: int,
        what: str,
    ) -> SlackPosted | None:
        """The first message `match` accepts over `read`'s pages (by cursor), or None.

        A lookup that runs out of pages takes the message as not posted: a
        second message is better than a lost alert.
        """
        cursor: str | None = None
        for _ in range(max_pages):
            send = partial(read, cursor=cursor)
            data = await self._call(method, channel_id, send, _data, paced=False)
            for message in data.get("messages") or ():
                if match(message):
                    return SlackPosted(channel=channel_id, ts=str(message["ts"]))
            cursor = _next_cursor(data)
            if cursor is None or not data.get("has_more"):
                return None
        log.warning(
            "slack: read %d pages of %s without %s; taken as not posted",
            max_pages,
            channel_id,
            what,
        )
        return None

    async def update_root(self, channel: str, ts: str, text: str, blocks: Blocks) -> SlackPosted:
        """Edit the root to show the current state (``chat.update``; channel id)."""
        return await self._call(
            "chat.update",
            channel,
            lambda: self.client.chat_update(
                channel=channel, ts=ts, text=text, blocks=list(blocks) or None
            ),
            _posted,
        )

    async def _call(
        self,
        method: str,
        channel: str,
        send: Callable[[], Awaitable[AsyncSlackResponse]],
        parse: Callable[[str, str, object], T | SlackDeliveryError],
        *,
        paced: bool = True,
    ) -> T:
        key = self._channel_ids.get(channel, channel)
        asked = self._clock()
        turn = self._pacer.turn(key) if paced else contextlib.nullcontext()
        async with turn:
            started = self._clock()
            retries: list[str] = []
            reset = _retries.set(retries)
            try:
                result = parse(method, channel, (await send()).data)
            except SlackApiError as exc:
                result = _api_failure(method, channel, exc)
            except TimeoutError:
                result = SlackDeliveryError(
                    f"{method} to {channel}: no answer in time", error="timeout", maybe_sent=True
                )
            except (SlackClientError, aiohttp.ClientError, OSError, ValueError) as exc:
                result = _transport_failure(method, channel, exc)
            finally:
                _retries.reset(reset)
            error = result.error if isinstance(result, SlackDeliveryError) else None
            self._report(
                SlackCall(
                    method=method,
                    channel=channel,
                    ok=error is None,
                    error=error,
                    retries=tuple(retries),
                    duration_s=self._clock() - started,
                    paced_s=started - asked,
                )
            )
        if isinstance(result, SlackDeliveryError):
            log.warning("slack: %s", result)
            raise result
        if isinstance(result, SlackPosted) and result.channel != key:
            # a #name answered with its id: one pace for both
            self._pacer.share(key, result.channel)
            self._channel_ids[channel] = result.channel
        return result

    def _report(self, call: SlackCall) -> None:
        if self._metrics is not None:
            try:
                self._metrics(call)
            except Exception:  # a broken metrics hook must not lose an alert
                log.exception("slack: metrics callback failed")


_MAX_PAGES = 50
"""Pages of ``conversations.list`` read to find a channel's id."""


def _posted(method: str, channel: str, data: object) -> SlackPosted | SlackDeliveryError:
    got_channel = data.get("channel", channel) if isinstance(data, dict) else None
    ts = data.get("ts") if isinstance(data, dict) else None
    if not isinstance(got_channel, str) or not isinstance(ts, str) or not ts:
        msg = f"{method} to {channel}: answered ok without channel and ts"
        return SlackDeliveryError(msg, error="bad_response", maybe_sent=True)
    return SlackPosted(channel=got_channel, ts=ts)


def _data(method: str, channel: str, data: object) -> dict[str, Any] | SlackDeliveryError:
    if not isinstance(data, dict):
        msg = f"{method} of {channel}: answered ok without a JSON object"
        return SlackDeliveryError(msg, error="bad_response")
    return data


def _next_cursor(data: Mapping[str, Any]) -> str | None:
    meta = data.get("response_metadata")
    cursor = meta.get("next_cursor") if isinstance(meta, dict) else None
    return cursor if isinstance(cursor, str) and cursor else None


def _slack_ts(ms: int) -> str:
    """Epoch ms as Slack writes a ts (seconds, six decimals)."""
    return f"{ms // 1000}.{ms % 1000:03d}000"


def _is_reply_of(message: object, thread_ts: str, incident_id: str, alert_id: str) -> bool:
    if not isinstance(message, dict) or not isinstance(message.get("ts"), str):
        return False
    if message["ts"] == thread_ts or message.get("thread_ts") != thread_ts:
        return False  # the parent (Slack lists it first), or not of this thread
    payload = _payload(message, REPLY_EVENT_TYPE)
    return (
        payload is not None
        and payload.get("incident_id") == incident_id
        and payload.get("alert_id") == alert_id
    )


def _is_root_of(message: object, incident_id: str) -> bool:
    if not isinstance(message, dict) or not isinstance(message.get("ts"), str):
        return False
    if message.get("thread_ts") not in (None, message["ts"]):
        return False  # a broadcast reply, not a root
    payload = _payload(message, ROOT_EVENT_TYPE)
    return payload is not None and payload.get("incident_id") == incident_id


def _payload(message: dict[str, Any], event_type: str) -> dict[str, Any] | None:
    """The message's metadata payload when its event type is `event_type`."""
    meta = message.get("metadata")
    if not isinstance(meta, dict) or meta.get("event_type") != event_type:
        return None
    payload = meta.get("event_payload")
    return payload if isinstance(payload, dict) else None


def _api_failure(method: str, channel: str, exc: SlackApiError) -> SlackDeliveryError:
    response = exc.response
    status = int(getattr(response, "status_code", 0) or 0)
    data = getattr(response, "data", None)
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, str) or not error:
        error = f"http_{status}"
    headers = getattr(response, "headers", None) or {}
    retry_after = _retry_after_s(headers) if status == 429 else None
    return SlackDeliveryError(
        f"{method} to {channel} failed: {error} (HTTP {status})",
        error=error,
        permanent=error in PERMANENT_ERRORS,
        retry_after=retry_after,
        # 503: Slack (or its load balancer) did not take the request; other 5xx may have run
        maybe_sent=status >= 500 and status != 503,
    )


def _transport_failure(method: str, channel: str, exc: Exception) -> SlackDeliveryError:
    kind = "connection" if isinstance(exc, aiohttp.ClientError | OSError) else "client"
    return SlackDeliveryError(
        f"{method} to {channel} failed: {type(exc).__name__}: {exc}",
        error=kind,
        # a connection never made sent nothing; anything else may have been carried out
        maybe_sent=not isinstance(exc, aiohttp.ClientConnectorError),
    )
