"""SlackDouble: a local stand-in for Slack's Web API, for tests, the bench and scripts.

It serves ``chat.postMessage``, ``chat.update``, ``conversations.history``,
``conversations.replies`` and ``conversations.list`` the way Slack does for
what streamproc uses: bearer-token check (``not_authed``, ``invalid_auth``),
JSON and form bodies and query strings (as slack-sdk sends them), Slack's
answer shapes (``ok``, ``channel``, ``ts``, ``message``; history's
``messages`` newest first, a thread's oldest first with its parent leading
the first page, both with ``has_more`` and ``response_metadata.next_cursor``;
a thread parent's ``reply_count``, ``reply_users``, ``latest_reply``),
message ``metadata`` (kept with the message, shown by the read methods only
with ``include_all_metadata``), unique increasing ``ts`` values, the Block
Kit limits with Slack's error names, channel ids (``chat.update`` and the
``conversations.*`` reads take ids only), and, on demand, HTTP 429 with
``Retry-After``, 5xx answers, dropped connections, or a post that is
accepted but whose answer is lost (``"lost"``: stored, then the connection is
dropped; ``"late"``: stored, then answered after ``delay_s``). It keeps
every request and every accepted message for assertions.

    async with SlackDouble(token="xoxb-test") as slack:
        notifier = SlackNotifier("xoxb-test", base_url=slack.base_url)
        slack.fail_next(1, kind="429", retry_after=1)
        ...
        assert [m.text for m in slack.posted] == [...]

Synchronous code runs it in a background thread: ``with SlackDouble() as
slack: ...``. ``python -m agents.adapters.slack_double --port 8765`` serves it
until interrupted.

Where the real Slack is not documented, the double is stricter, on purpose:
a reply to an unknown ``thread_ts`` is refused (``thread_not_found``), and
all block text together is capped (``msg_blocks_too_long``, observed around
13,000 characters).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import math
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from types import TracebackType
from typing import Any, Literal, get_args

from aiohttp import web

FaultKind = Literal["429", "500", "502", "503", "504", "drop", "lost", "late"]
"""A planned failure: an HTTP status, a connection closed without answer
(``drop``: nothing done), or a request carried out whose answer is lost
(``lost``: connection closed after it; ``late``: answered after a delay)."""

DEFAULT_TOKEN = "xoxb-double-token"  # noqa: S105 (a test double's placeholder)
TEXT_MAX = 40_000
BLOCKS_MAX = 50
BLOCKS_CHARS_MAX = 13_000
_TS_RE = re.compile(r"^\d{10}\.\d{6}$")
_BLOCK_TYPES = {"header", "section", "context", "divider", "actions", "image"}


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiRequest:
    """One request as the double saw it (the token itself is not kept)."""

    method: str
    status: int
    """HTTP status answered (0: connection dropped)."""
    error: str | None
    """Slack's error name, or the fault kind; None when ok."""
    channel: str | None = None
    content_type: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredMessage:
    """A message the double accepted (a snapshot; see `SlackDouble.current`)."""

    channel: str
    """The channel id."""
    ts: str
    text: str
    blocks: tuple[dict[str, Any], ...] = ()
    thread_ts: str | None = None
    """The root's ts for a thread reply, None for a top-level message."""
    reply_broadcast: bool = False
    edits: int = 0
    """How many ``chat.update`` calls changed it."""
    metadata: dict[str, Any] | None = None
    """The message metadata it was posted with (``event_type``, ``event_payload``)."""


@dataclass(frozen=True, slots=True)
class _Fault:
    kind: FaultKind
    retry_after: int
    method: str | None
    delay_s: float = 0.0


class _Reject(Exception):
    """Slack's ``ok: false`` answer (HTTP 200, or 429 for ``ratelimited``)."""

    def __init__(
        self, error: str, messages: Sequence[str] = (), retry_after: int | None = None
    ) -> None:
        super().__init__(error)
        self.error = error
        self.messages = list(messages)
        self.retry_after = retry_after

    def response(self) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error": self.error}
        if self.messages:
            body["errors"] = self.messages
            body["response_metadata"] = {"messages": [f"[ERROR] {m}" for m in self.messages]}
        if self.retry_after is None:
            return web.json_response(body)
        headers = {"Retry-After": str(self.retry_after)}
        return web.json_response(body, status=429, headers=headers)


class SlackDouble:
    """A fake Slack Web API on 127.0.0.1 and a free port.

    `channels` maps channel names to ids (a plain list of names gets ids
    made up); when given, other channels are ``channel_not_found``. Without
    it every channel is accepted and echoed back as its own id. Message
    ``ts`` follow the wall clock, as Slack's do, unless `ts_start_us` pins
    the first one (for tests on a fake clock).
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        channels: Mapping[str, str] | Iterable[str] | None = None,
        blocks_chars_max: int = BLOCKS_CHARS_MAX,
        rate_limit_interval_s: float | None = None,
        ts_start_us: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._token = token
        self._channels: dict[str, str] | None = None
        if isinstance(channels, Mapping):
            self._channels = {k.lstrip("#"): v for k, v in channels.items()}
        elif channels is not None:
            names = [c.lstrip("#") for c in channels]
            self._channels = {n: f"C{i:08d}" for i, n in enumerate(names, start=1)}
        self.blocks_chars_max = blocks_chars_max
        self.rate_limit_interval_s = rate_limit_interval_s
        self._next_ts_us = ts_start_us or 0
        self._ts_follow_clock = ts_start_us is None
        self._host = host
        self._port = port
        self._lock = threading.Lock()
        self._faults: deque[_Fault] = deque()
        self._outage: FaultKind | None = None
        self._requests: list[ApiRequest] = []
        self._posted: list[StoredMessage] = []
        self._updates: list[StoredMessage] = []
        self._current: dict[tuple[str, str], StoredMessage] = {}
        self._last_post_s: dict[str, float] = {}
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return f"SlackDouble(base_url={self.base_url!r}, token=<hidden>)"

    # --- lifecycle ------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What to give slack-sdk / `SLACK_API_URL` (ends with ``/``)."""
        return f"http://{self._host}:{self._port}/api/"

    async def start(self) -> None:
        """Listen (on a free port unless one was given)."""
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((self._host, self._port))
            site = web.SockSite(runner, sock)
            await site.start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self._port = int(sock.getsockname()[1])
        self._runner = runner

    async def stop(self) -> None:
        """Close the server (idempotent)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> SlackDouble:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def start_in_thread(self, timeout_s: float = 10.0) -> None:
        """Serve from a background thread with its own event loop."""
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # handed to the starting thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        thread = threading.Thread(target=run, name="slack-double", daemon=True)
        thread.start()
        if not ready.wait(timeout_s) or failure:
            msg = "the Slack double did not start"
            raise RuntimeError(msg) from (failure[0] if failure else None)
        self._thread, self._loop = thread, loop

    def stop_thread(self, timeout_s: float = 10.0) -> None:
        """Stop the background thread started by `start_in_thread`."""
        thread, loop = self._thread, self._loop
        self._thread = self._loop = None
        if thread is not None and loop is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout_s)

    def __enter__(self) -> SlackDouble:
        self.start_in_thread()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop_thread()

    # --- faults ---------------------------------------------------------------

    def fail_next(
        self,
        n: int = 1,
        *,
        kind: FaultKind = "503",
        retry_after: int = 1,
        method: str | None = None,
        delay_s: float = 0.0,
    ) -> None:
        """Answer the next `n` requests (of `method`, if given) with a fault.

        ``"429"`` carries ``Retry-After: retry_after`` (whole seconds, as
        Slack sends); ``"500"`` answers Slack's JSON ``internal_error``;
        ``"502"``/``"503"``/``"504"`` an HTML page, as a load balancer does;
        ``"drop"`` closes the connection without an answer. ``"lost"`` and
        ``"late"`` carry the request out (a post is stored) and then lose the
        answer: ``lost`` closes the connection, ``late`` answers only after
        `delay_s` seconds (make it longer than the client's timeout).
        """
        if kind not in get_args(FaultKind):
            msg = f"unknown fault kind {kind!r}"
            raise ValueError(msg)
        with self._lock:
            self._faults.extend(_Fault(kind, retry_after, method, delay_s) for _ in range(n))

    def outage(self, on: bool, *, kind: FaultKind = "503") -> None:
        """While on, every request fails with `kind` (planned faults wait)."""
        with self._lock:
            self._outage = kind if on else None

    # --- what was received ----------------------------------------------------

    @property
    def requests(self) -> list[ApiRequest]:
        """Every request, in arrival order, faults included."""
        with self._lock:
            return list(self._requests)

    @property
    def posted(self) -> list[StoredMessage]:
        """Accepted ``chat.postMessage`` calls, in order, as posted."""
        with self._lock:
            return list(self._posted)

    @property
    def updates(self) -> list[StoredMessage]:
        """Accepted ``chat.update`` calls, in order (the message after each)."""
        with self._lock:
            return list(self._updates)

    def roots(self, channel: str | None = None) -> list[StoredMessage]:
        """Top-level messages (current content), in order; by channel name or id."""
        wanted = None if channel is None else self.channel_id(channel)
        with self._lock:
            return [
                self._current[(m.channel, m.ts)]
                for m in self._posted
                if m.thread_ts is None and wanted in (None, m.channel)
            ]

    def replies(self, channel: str, thread_ts: str) -> list[StoredMessage]:
        """The replies of one thread (current content), in order."""
        wanted = self.channel_id(channel)
        with self._lock:
            return [
                self._current[(m.channel, m.ts)]
                for m in self._posted
                if m.channel == wanted and m.thread_ts == thread_ts
            ]

    def current(self, channel: str, ts: str) -> StoredMessage:
        """A message as it is now (after any ``chat.update``); KeyError if none."""
        with self._lock:
            return self._current[(self.channel_id(channel), ts)]

    def channel_id(self, channel: str) -> str:
        """The id the double gives `channel` (a name, ``#name`` or id)."""
        if self._channels is None:
            return channel
        name = channel.lstrip("#")
        return self._channels.get(name, channel)

    # --- the API --------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        with self._lock:
            fault = self._take_fault(method)
        if fault is not None and fault.kind not in ("lost", "late"):
            return self._fault_response(request, method, fault)
        args: dict[str, Any] = {}
        try:
            args, form_token = await _read_args(request)
            self._check_auth(request, form_token)
            with self._lock:
                body = self._dispatch(method, args)
        except _Reject as rej:
            answer = rej.response()
            error: str | None = rej.error
        else:
            answer, error = web.json_response(body), None
        lost = fault is not None and fault.kind == "lost"
        self._record(
            ApiRequest(
                method=method,
                status=0 if lost else answer.status,
                error="lost" if lost else error,
                channel=_str(args.get("channel")),
                content_type=request.content_type,
            )
        )
        if fault is not None and fault.kind == "lost":
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        if fault is not None and fault.kind == "late":
            await asyncio.sleep(fault.delay_s)
        return answer

    def _take_fault(self, method: str) -> _Fault | None:
        if self._outage is not None:
            return _Fault(self._outage, 1, None)
        for fault in self._faults:
            if fault.method in (None, method):
                self._faults.remove(fault)
                return fault
        return None

    def _fault_response(
        self, request: web.Request, method: str, fault: _Fault
    ) -> web.StreamResponse:
        if fault.kind == "drop":
            self._record(ApiRequest(method=method, status=0, error="drop"))
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        status = int(fault.kind)
        self._record(ApiRequest(method=method, status=status, error=f"http_{status}"))
        if status == 429:
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(fault.retry_after)},
            )
        if status == 500:
            return web.json_response({"ok": False, "error": "internal_error"}, status=500)
        return web.Response(
            status=status,
            text=f"<html><body><h1>{status}</h1></body></html>",
            content_type="text/html",
        )

    def _record(self, entry: ApiRequest) -> None:
        with self._lock:
            self._requests.append(entry)

    def _check_auth(self, request: web.Request, form_token: str | None) -> None:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else None
        token = token or form_token
        if not token:
            msg = "not_authed"
            raise _Reject(msg)
        if token != self._token:
            msg = "invalid_auth"
            raise _Reject(msg)

    def _dispatch(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "chat.postMessage":
            return self._post_message(args)
        if method == "chat.update":
            return self._update(args)
        if method == "conversations.history":
            return self._history(args)
        if method == "conversations.replies":
            return self._replies(args)
        if method == "conversations.list":
            return self._list(args)
        if method == "auth.test":
            return {"ok": True, "url": "https://double.slack.test/", "user_id": "UBOT"}
        msg = "unknown_method"
        raise _Reject(msg)

    def _resolve_channel(self, raw: object, *, ids_only: bool) -> str:
        channel = _str(raw)
        if not channel:
            msg = "channel_not_found"
            raise _Reject(msg)
        if self._channels is None:
            return channel
        if channel in self._channels.values():
            return channel
        if not ids_only and channel.lstrip("#") in self._channels:
            return self._channels[channel.lstrip("#")]
        msg = "channel_not_found"
        raise _Reject(msg)

    def _content(self, args: Mapping[str, Any]) -> tuple[str, tuple[dict[str, Any], ...]]:
        text = _str(args.get("text")) or ""
        blocks_raw = _json_arg(args.get("blocks"), "invalid_blocks_format")
        blocks: list[Any] = []
        if blocks_raw is not None:
            if not isinstance(blocks_raw, list):
                msg = "invalid_blocks_format"
                raise _Reject(msg)
            blocks = blocks_raw
        if not text.strip() and not blocks:
            msg = "no_text"
            raise _Reject(msg)
        if len(text) > TEXT_MAX:
            msg = "msg_too_long"
            raise _Reject(msg)
        problems = validate_blocks(blocks)
        if problems:
            msg = "invalid_blocks"
            raise _Reject(msg, problems)
        if _blocks_chars(blocks) > self.blocks_chars_max:
            msg = "msg_blocks_too_long"
            raise _Reject(msg)
        return text, tuple(blocks)

    def _post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(args.get("channel"), ids_only=False)
        text, blocks = self._content(args)
        thread_ts = _str(args.get("thread_ts"))
        if thread_ts is not None:
            if not _TS_RE.match(thread_ts):
                msg = "invalid_thread_ts"
                raise _Reject(msg)
            thread_ts = self._thread_root(channel, thread_ts).ts
        if self.rate_limit_interval_s is not None:
            self._rate_limit(channel)
        metadata = _metadata(args.get("metadata"))
        message = StoredMessage(
            channel=channel,
            ts=self._new_ts(),
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            reply_broadcast=thread_ts is not None and _truthy(args.get("reply_broadcast")),
            metadata=metadata,
        )
        self._posted.append(message)
        self._current[(channel, message.ts)] = message
        return {
            "ok": True,
            "channel": channel,
            "ts": message.ts,
            "message": _message_json(message),
        }

    def _rate_limit(self, channel: str) -> None:
        interval = self.rate_limit_interval_s or 0.0
        now = asyncio.get_running_loop().time()
        last = self._last_post_s.get(channel)
        if last is not None and now - last < interval:
            wait = max(1, math.ceil(interval - (now - last)))
            msg = "ratelimited"
            raise _Reject(msg, retry_after=wait)
        self._last_post_s[channel] = now

    def _update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(args.get("channel"), ids_only=True)
        ts = _str(args.get("ts")) or ""
        old = self._current.get((channel, ts))
        if old is None:
            msg = "message_not_found"
            raise _Reject(msg)
        text, blocks = self._content(args)
        new = replace(old, text=text, blocks=blocks, edits=old.edits + 1)
        self._current[(channel, ts)] = new
        self._updates.append(new)
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": text,
            "message": _message_json(new),
        }

    def _history(self, args: dict[str, Any]) -> dict[str, Any]:
        """``conversations.history``: the channel's messages, newest first, paged."""
        channel = self._resolve_channel(args.get("channel"), ids_only=True)
        inside = _ts_window(args)
        limit = _limit(args.get("limit"), default=100, most=999)
        with_metadata = _truthy(args.get("include_all_metadata"))
        found = sorted(
            (
                m
                for m in (self._current[(p.channel, p.ts)] for p in self._posted)
                if m.channel == channel
                and (m.thread_ts is None or m.reply_broadcast)
                and inside(Decimal(m.ts))
            ),
            key=lambda m: Decimal(m.ts),
            reverse=True,
        )
        start = _cursor_ts(args.get("cursor"))
        if start is not None:
            found = [m for m in found if Decimal(m.ts) <= start]
        page, rest = found[:limit], found[limit:]
        body: dict[str, Any] = {
            "ok": True,
            "messages": [self._message_out(m, with_metadata=with_metadata) for m in page],
            "has_more": bool(rest),
            "pin_count": 0,
            "channel_actions_ts": None,
            "channel_actions_count": 0,
        }
        if rest:
            body["response_metadata"] = {"next_cursor": _cursor_of(rest[0].ts)}
        return body

    def _replies(self, args: dict[str, Any]) -> dict[str, Any]:
        """``conversations.replies``: a thread, parent first, then its replies oldest first.

        As Slack documents it: `ts` may name the parent or any reply of the
        thread (an unknown one is ``thread_not_found``), and a message without
        replies comes back alone. Slack's reference does not say how the parent
        meets `limit` and `oldest`: here it leads the first page whatever
        `oldest`/`latest` say (they bound the replies), counts towards that
        page's `limit`, and the pages after it carry replies only, so a client
        must not rely on finding the parent anywhere but first on page one.
        """
        channel = self._resolve_channel(args.get("channel"), ids_only=True)
        ts = _str(args.get("ts"))
        if not ts:
            msg = "invalid_arguments"
            raise _Reject(msg)
        parent = self._thread_root(channel, ts)
        inside = _ts_window(args)
        limit = _limit(args.get("limit"), default=1000, most=1000)
        with_metadata = _truthy(args.get("include_all_metadata"))
        replies = [m for m in self._thread_of(parent) if inside(Decimal(m.ts))]
        start = _cursor_ts(args.get("cursor"))
        page: list[StoredMessage] = []
        if start is None:
            page.append(parent)
        else:
            replies = [m for m in replies if Decimal(m.ts) >= start]
        room = max(limit - len(page), 0)
        page += replies[:room]
        rest = replies[room:]
        body: dict[str, Any] = {
            "ok": True,
            "messages": [self._message_out(m, with_metadata=with_metadata) for m in page],
            "has_more": bool(rest),
        }
        if rest:
            body["response_metadata"] = {"next_cursor": _cursor_of(rest[0].ts)}
        return body

    def _thread_root(self, channel: str, ts: str) -> StoredMessage:
        """The parent of the thread `ts` belongs to (`ts` may name the parent or a reply)."""
        found = self._current.get((channel, ts))
        if found is None:
            msg = "thread_not_found"
            raise _Reject(msg)
        return self._current.get((channel, found.thread_ts or found.ts), found)

    def _thread_of(self, parent: StoredMessage) -> list[StoredMessage]:
        """The replies under `parent` (current content), oldest first."""
        return [
            self._current[(p.channel, p.ts)]
            for p in self._posted
            if p.channel == parent.channel and p.thread_ts == parent.ts
        ]

    def _message_out(self, message: StoredMessage, *, with_metadata: bool) -> dict[str, Any]:
        """A message as Slack's read methods show it (a parent with its thread summary)."""
        body = _message_json(message, with_metadata=with_metadata)
        if message.thread_ts is None:
            replies = self._thread_of(message)
            if replies:
                body |= {
                    "thread_ts": message.ts,
                    "reply_count": len(replies),
                    "reply_users_count": 1,
                    "latest_reply": replies[-1].ts,
                    "reply_users": ["UBOT"],
                    "is_locked": False,
                    "subscribed": False,
                }
        return body

    def _list(self, args: dict[str, Any]) -> dict[str, Any]:
        """``conversations.list``: the known channels (all public, the bot a member)."""
        names = sorted((self._channels or {}).items())
        limit = _limit(args.get("limit"), default=100, most=1000)
        offset = 0
        raw = _str(args.get("cursor"))
        if raw:
            try:
                offset = int(base64.b64decode(raw).decode().removeprefix("team:"))
            except ValueError:
                msg = "invalid_cursor"
                raise _Reject(msg) from None
        page = names[offset : offset + limit]
        channels = [
            {
                "id": cid,
                "name": name,
                "name_normalized": name,
                "is_channel": True,
                "is_group": False,
                "is_im": False,
                "is_private": False,
                "is_archived": False,
                "is_member": True,
                "created": 1_700_000_000,
            }
            for name, cid in page
        ]
        more = offset + limit < len(names)
        cursor = base64.b64encode(f"team:{offset + limit}".encode()).decode() if more else ""
        return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": cursor}}

    def _new_ts(self) -> str:
        # Slack's ts is its wall clock in µs (unique per channel); `ts_start_us` pins it.
        value = self._next_ts_us
        if self._ts_follow_clock:
            value = max(value, time.time_ns() // 1000)
        self._next_ts_us = value + 100
        return f"{value // 1_000_000}.{value % 1_000_000:06d}"


# --- request parsing and Slack's shapes -----------------------------------------


async def _read_args(request: web.Request) -> tuple[dict[str, Any], str | None]:
    args: dict[str, Any] = dict(request.query)
    if request.method == "POST":
        if request.content_type == "application/json":
            try:
                data = await request.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                msg = "invalid_json"
                raise _Reject(msg) from None
            if not isinstance(data, dict):
                msg = "invalid_json"
                raise _Reject(msg)
            args.update(data)
        else:
            form = await request.post()
            args.update({k: v for k, v in form.items() if isinstance(v, str)})
    token = args.pop("token", None)
    return args, token if isinstance(token, str) else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _truthy(value: object) -> bool:
    return value in (True, 1, "1", "true", "True")


def _json_arg(raw: object, error: str) -> object:
    """An argument Slack takes as JSON text or as the value itself (form vs JSON body)."""
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        raise _Reject(error) from None


def _metadata(raw: object) -> dict[str, Any] | None:
    """Message metadata as Slack takes it: an object (or its JSON) with a type and payload."""
    if raw is None:
        return None
    raw = _json_arg(raw, "invalid_metadata_format")
    if not isinstance(raw, dict):
        msg = "invalid_metadata_format"
        raise _Reject(msg)
    if not isinstance(raw.get("event_type"), str) or not isinstance(raw.get("event_payload"), dict):
        msg = "invalid_metadata_schema"
        raise _Reject(msg)
    return {"event_type": raw["event_type"], "event_payload": dict(raw["event_payload"])}


def _ts_arg(raw: object, default: Decimal) -> Decimal:
    if raw is None or raw == "":
        return default
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        msg = "invalid_ts_oldest"
        raise _Reject(msg) from None


def _limit(raw: object, *, default: int, most: int) -> int:
    try:
        value = int(str(raw)) if raw is not None else default
    except ValueError:
        msg = "invalid_limit"
        raise _Reject(msg) from None
    return min(max(value, 1), most)


def _ts_window(args: dict[str, Any]) -> Callable[[Decimal], bool]:
    """Whether a ts lies between a read's ``oldest`` and ``latest`` (ends only if ``inclusive``)."""
    oldest = _ts_arg(args.get("oldest"), Decimal(0))
    latest = _ts_arg(args.get("latest"), Decimal("Infinity"))
    if _truthy(args.get("inclusive")):
        return lambda ts: oldest <= ts <= latest
    return lambda ts: oldest < ts < latest


def _cursor_of(ts: str) -> str:
    """The ``next_ts:<digits>`` cursor (base64, as Slack's) that `_cursor_ts` reads back."""
    return base64.b64encode(f"next_ts:{ts.replace('.', '')}".encode()).decode()


def _cursor_ts(raw: object) -> Decimal | None:
    """The ts a ``next_ts:<digits>`` cursor (base64, as Slack's) starts from."""
    if not isinstance(raw, str) or not raw:
        return None
    try:
        digits = base64.b64decode(raw).decode().removeprefix("next_ts:")
        return Decimal(f"{digits[:-6]}.{digits[-6:]}")
    except (ValueError, InvalidOperation):
        msg = "invalid_cursor"
        raise _Reject(msg) from None


def _message_json(message: StoredMessage, *, with_metadata: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "message",
        "subtype": "thread_broadcast" if message.reply_broadcast else "bot_message",
        "text": message.text,
        "ts": message.ts,
        "user": "UBOT",
        "bot_id": "BDOUBLE",
        "app_id": "ADOUBLE",
        "team": "TDOUBLE",
        "blocks": list(message.blocks),
    }
    if message.thread_ts is not None:
        body["thread_ts"] = message.thread_ts
        body["parent_user_id"] = "UBOT"
    if message.edits:
        body["edited"] = {"user": "UBOT", "ts": message.ts}
    if with_metadata and message.metadata is not None:
        body["metadata"] = message.metadata
    return body


def _text_obj_problem(obj: object, where: str, limit: int, *, plain: bool) -> str | None:
    if not isinstance(obj, dict):
        return f"must be a text object [json-pointer:{where}]"
    kinds = ("plain_text",) if plain else ("plain_text", "mrkdwn")
    if obj.get("type") not in kinds:
        return f"must be one of {', '.join(kinds)} [json-pointer:{where}/type]"
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return f"must be more than 0 characters [json-pointer:{where}/text]"
    if len(text) > limit:
        return f"must be less than {limit + 1} characters [json-pointer:{where}/text]"
    return None


def _button_problems(el: dict[str, Any], where: str) -> list[str]:
    found = [_text_obj_problem(el.get("text"), f"{where}/text", 75, plain=True)]
    action_id = el.get("action_id")
    if action_id is not None and (not isinstance(action_id, str) or len(action_id) > 255):
        found.append(f"must be less than 256 characters [json-pointer:{where}/action_id]")
    value = el.get("value")
    if value is not None and (not isinstance(value, str) or len(value) > 2000):
        found.append(f"must be less than 2001 characters [json-pointer:{where}/value]")
    url = el.get("url")
    if url is not None and (not isinstance(url, str) or len(url) > 3000):
        found.append(f"must be less than 3001 characters [json-pointer:{where}/url]")
    if el.get("style") not in (None, "primary", "danger"):
        found.append(f"must be primary or danger [json-pointer:{where}/style]")
    return [p for p in found if p]


def _block_problems(block: object, where: str) -> list[str]:
    if not isinstance(block, dict):
        return [f"must be an object [json-pointer:{where}]"]
    kind = block.get("type")
    if kind not in _BLOCK_TYPES:
        return [f"unsupported type {kind!r} [json-pointer:{where}/type]"]
    found: list[str | None] = []
    block_id = block.get("block_id")
    if block_id is not None and (not isinstance(block_id, str) or len(block_id) > 255):
        found.append(f"must be less than 256 characters [json-pointer:{where}/block_id]")
    if kind == "header":
        found.append(_text_obj_problem(block.get("text"), f"{where}/text", 150, plain=True))
    elif kind == "section":
        text, fields = block.get("text"), block.get("fields")
        if text is None and fields is None:
            found.append(f"must provide text or fields [json-pointer:{where}]")
        if text is not None:
            found.append(_text_obj_problem(text, f"{where}/text", 3000, plain=False))
        if fields is not None:
            if not isinstance(fields, list) or not 1 <= len(fields) <= 10:
                found.append(f"must have 1 to 10 items [json-pointer:{where}/fields]")
            else:
                found.extend(
                    _text_obj_problem(f, f"{where}/fields/{i}", 2000, plain=False)
                    for i, f in enumerate(fields)
                )
    elif kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
            found.append(f"must have 1 to 10 items [json-pointer:{where}/elements]")
        else:
            found.extend(
                _text_obj_problem(e, f"{where}/elements/{i}", 3000, plain=False)
                for i, e in enumerate(elements)
                if not (isinstance(e, dict) and e.get("type") == "image")
            )
    elif kind == "actions":
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= 25:
            found.append(f"must have 1 to 25 items [json-pointer:{where}/elements]")
        else:
            for i, el in enumerate(elements):
                if isinstance(el, dict) and el.get("type") == "button":
                    found.extend(_button_problems(el, f"{where}/elements/{i}"))
                else:
                    found.append(f"unsupported element [json-pointer:{where}/elements/{i}]")
    return [p for p in found if p]


def validate_blocks(blocks: Sequence[Any]) -> list[str]:
    """Slack-style problems of a blocks array (empty: valid).

    Covers the limits streamproc relies on: at most 50 blocks; header
    plain_text 1-150; section text 1-3000, 1-10 fields of 1-2000; context
    1-10 elements; actions 1-25 buttons (label 1-75, value <= 2000, url <=
    3000, action_id <= 255); block_id <= 255 and unique.
    """
    if len(blocks) > BLOCKS_MAX:
        return [f"must have no more than {BLOCKS_MAX} items [json-pointer:/blocks]"]
    problems: list[str] = []
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        problems.extend(_block_problems(block, f"/blocks/{i}"))
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if isinstance(block_id, str):
            if block_id in seen:
                problems.append(f"duplicate block_id [json-pointer:/blocks/{i}/block_id]")
            seen.add(block_id)
    return problems


def _blocks_chars(value: object) -> int:
    """All characters of ``text`` strings, at any depth (what Slack caps)."""
    if isinstance(value, list):
        return sum(_blocks_chars(v) for v in value)
    if isinstance(value, dict):
        return sum(
            len(v) if k == "text" and isinstance(v, str) else _blocks_chars(v)
            for k, v in value.items()
        )
    return 0


def main(argv: Sequence[str] | None = None) -> None:
    """Serve a Slack double until interrupted (for scripts and manual runs)."""
    parser = argparse.ArgumentParser(prog="python -m agents.adapters.slack_double")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args(argv)

    async def serve() -> None:
        async with SlackDouble(args.token, port=args.port) as slack:
            print(f"SLACK_API_URL={slack.base_url}", flush=True)
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


if __name__ == "__main__":
    main()
