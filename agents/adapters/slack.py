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
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

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
    """``chat.postMessage`` or ``chat.update``."""
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
    without a change (see `PERMANENT_ERRORS`).
    """

    def __init__(
        self,
        message: str,
        *,
        error: str,
        permanent: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, retry_after=retry_after)
        self.error = error
        self.permanent = permanent


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


def retry_handlers(policy: RetryPolicy) -> list[AsyncRetryHandler]:
    """The three handlers, in the order slack-sdk tries them."""
    interval = BackoffRetryIntervalCalculator(
        backoff_factor=policy.backoff_factor_s, jitter=_Jitter(policy.jitter_s)
    )
    return [
        ConnectionRetry(max_retry_count=policy.connection_retries, interval_calculator=interval),
        RateLimitRetry(policy.rate_limit_retries, policy.max_retry_after_s),
        ServerErrorRetry(max_retry_count=policy.server_error_retries, interval_calculator=interval),
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

    async def post_root(self, channel: str, text: str, blocks: Blocks) -> SlackPosted:
        """Post an incident's root message (``chat.postMessage``)."""
        return await self._call(
            "chat.postMessage",
            channel,
            lambda: self.client.chat_postMessage(
                channel=channel,
                text=text,
                blocks=list(blocks) or None,
                unfurl_links=False,
                unfurl_media=False,
            ),
        )

    async def post_reply(
        self,
        channel: str,
        thread_ts: str,
        text: str,
        blocks: Blocks,
        *,
        broadcast: bool,
    ) -> SlackPosted:
        """Reply in the incident's thread; `broadcast` also shows it in the channel."""
        return await self._call(
            "chat.postMessage",
            channel,
            lambda: self.client.chat_postMessage(
                channel=channel,
                text=text,
                blocks=list(blocks) or None,
                thread_ts=thread_ts,
                reply_broadcast=True if broadcast else None,
                unfurl_links=False,
                unfurl_media=False,
            ),
        )

    async def update_root(self, channel: str, ts: str, text: str, blocks: Blocks) -> SlackPosted:
        """Edit the root to show the current state (``chat.update``; channel id)."""
        return await self._call(
            "chat.update",
            channel,
            lambda: self.client.chat_update(
                channel=channel, ts=ts, text=text, blocks=list(blocks) or None
            ),
        )

    async def _call(
        self,
        method: str,
        channel: str,
        send: Callable[[], Awaitable[AsyncSlackResponse]],
    ) -> SlackPosted:
        key = self._channel_ids.get(channel, channel)
        asked = self._clock()
        async with self._pacer.turn(key):
            started = self._clock()
            retries: list[str] = []
            reset = _retries.set(retries)
            try:
                result = _posted(method, channel, (await send()).data)
            except SlackApiError as exc:
                result = _api_failure(method, channel, exc)
            except TimeoutError:
                result = SlackDeliveryError(
                    f"{method} to {channel}: no answer in time", error="timeout"
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
        if result.channel != key:  # a #name answered with its id: one pace for both
            self._pacer.share(key, result.channel)
            self._channel_ids[channel] = result.channel
        return result

    def _report(self, call: SlackCall) -> None:
        if self._metrics is not None:
            try:
                self._metrics(call)
            except Exception:  # a broken metrics hook must not lose an alert
                log.exception("slack: metrics callback failed")


def _posted(method: str, channel: str, data: object) -> SlackPosted | SlackDeliveryError:
    got_channel = data.get("channel", channel) if isinstance(data, dict) else None
    ts = data.get("ts") if isinstance(data, dict) else None
    if not isinstance(got_channel, str) or not isinstance(ts, str) or not ts:
        msg = f"{method} to {channel}: answered ok without channel and ts"
        return SlackDeliveryError(msg, error="bad_response")
    return SlackPosted(channel=got_channel, ts=ts)


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
    )


def _transport_failure(method: str, channel: str, exc: Exception) -> SlackDeliveryError:
    kind = "connection" if isinstance(exc, aiohttp.ClientError | OSError) else "client"
    return SlackDeliveryError(
        f"{method} to {channel} failed: {type(exc).__name__}: {exc}",
        error=kind,
    )
