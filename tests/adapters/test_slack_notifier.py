"""SlackNotifier against the Slack double: threads, edits, retries, failures, secrets."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)

from agents.adapters.slack import (
    DEFAULT_BASE_URL,
    RetryPolicy,
    SlackCall,
    SlackDeliveryError,
    SlackNotifier,
    read_secret,
)
from agents.adapters.slack_double import SlackDouble
from agents.adapters.slack_render import render_reply, render_root
from streamproc.errors import AlertDeliveryError, ConfigError
from streamproc.model import AlertEvent, AlertStatus, Severity

TOKEN = "xoxb-test-s3cr3tT0k3nValue"  # noqa: S105 (test placeholder)
WRONG = "xoxb-test-wrong-t0k3nValue"
CHANNELS = {"acme-alerts": "C0ACME", "globex-alerts": "C0GLOBEX"}
FAST = RetryPolicy(backoff_factor_s=0.01, jitter_s=0.0)
NONE = RetryPolicy(connection_retries=0, rate_limit_retries=0, server_error_retries=0)
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}]


@pytest.fixture
async def slack() -> AsyncIterator[SlackDouble]:
    async with SlackDouble(TOKEN, channels=CHANNELS) as double:
        yield double


@pytest.fixture
def calls() -> list[SlackCall]:
    return []


@pytest.fixture
def notifier(slack: SlackDouble, calls: list[SlackCall]) -> SlackNotifier:
    return SlackNotifier(
        TOKEN, base_url=slack.base_url, metrics=calls.append, retry=FAST, min_interval_s=0
    )


def alert(status: AlertStatus = AlertStatus.FIRING) -> AlertEvent:
    return AlertEvent(
        alert_id="a",
        incident_id="acme-1",
        brand="acme",
        status=status,
        severity=Severity.CRITICAL,
        window_start_ms=1_700_000_000_000,
        window_end_ms=1_700_000_900_000,
        observed=455,
        expected=88,
        score=7.0,
        growth=1.0,
        share=0.4,
        onset_ms=1_700_000_000_000,
        detected_at_ms=1_700_000_900_000,
    )


def test_client_declares_all_three_retry_handlers(notifier: SlackNotifier) -> None:
    handlers = notifier.client.retry_handlers
    kinds = (
        AsyncConnectionErrorRetryHandler,
        AsyncRateLimitErrorRetryHandler,
        AsyncServerErrorRetryHandler,
    )
    assert [type(h).__mro__[1] for h in handlers] == list(kinds)
    assert [h.max_retry_count for h in handlers] == [3, 3, 3]


def test_default_base_url_is_slack_sdk_s_own() -> None:
    assert SlackNotifier(TOKEN).base_url == DEFAULT_BASE_URL == "https://slack.com/api/"


async def test_root_reply_update_make_one_thread(
    slack: SlackDouble, notifier: SlackNotifier, calls: list[SlackCall]
) -> None:
    text, blocks = render_root(alert(), "Acme")
    root = await notifier.post_root("#acme-alerts", text, blocks)
    assert root.channel == "C0ACME"  # the id, even for a #name
    text2, blocks2 = render_reply(alert(AlertStatus.ESCALATED), "Acme")
    reply = await notifier.post_reply(root.channel, root.ts, text2, blocks2, broadcast=True)
    text3, blocks3 = render_root(alert(AlertStatus.ESCALATED), "Acme", acknowledged_by="ann")
    edited = await notifier.update_root(root.channel, root.ts, text3, blocks3)

    assert edited == root
    assert [m.ts for m in slack.roots("acme-alerts")] == [root.ts]
    (stored,) = slack.replies("C0ACME", root.ts)
    assert (stored.ts, stored.text, stored.reply_broadcast) == (reply.ts, text2, True)
    assert list(stored.blocks) == blocks2
    now = slack.current("C0ACME", root.ts)
    assert (now.text, list(now.blocks), now.edits) == (text3, blocks3, 1)
    assert [(c.method, c.ok, c.retries) for c in calls] == [
        ("chat.postMessage", True, ()),
        ("chat.postMessage", True, ()),
        ("chat.update", True, ()),
    ]


@pytest.mark.parametrize("broadcast", [True, False])
async def test_reply_broadcast_flag(
    slack: SlackDouble, notifier: SlackNotifier, broadcast: bool
) -> None:
    root = await notifier.post_root("C0ACME", "root", BLOCKS)
    await notifier.post_reply(root.channel, root.ts, "r", BLOCKS, broadcast=broadcast)
    (reply,) = slack.replies("C0ACME", root.ts)
    assert reply.thread_ts == root.ts
    assert reply.reply_broadcast is broadcast


async def test_ts_are_unique_and_increasing(notifier: SlackNotifier) -> None:
    posted = [await notifier.post_root("acme-alerts", f"m{i}", BLOCKS) for i in range(5)]
    stamps = [Decimal(p.ts) for p in posted]
    assert stamps == sorted(set(stamps))
    assert all(len(p.ts.split(".")[1]) == 6 for p in posted)


async def test_replies_of_one_thread_keep_their_order(
    slack: SlackDouble, notifier: SlackNotifier
) -> None:
    root = await notifier.post_root("C0ACME", "root", BLOCKS)
    await asyncio.gather(
        *(
            notifier.post_reply(root.channel, root.ts, f"r{i}", BLOCKS, broadcast=False)
            for i in range(8)
        )
    )
    assert [m.text for m in slack.replies("C0ACME", root.ts)] == [f"r{i}" for i in range(8)]


async def test_429_with_retry_after_is_retried(
    slack: SlackDouble, notifier: SlackNotifier, calls: list[SlackCall]
) -> None:
    slack.fail_next(1, kind="429", retry_after=1)
    posted = await notifier.post_root("C0ACME", "after a 429", BLOCKS)
    assert [m.ts for m in slack.posted] == [posted.ts]
    assert [r.status for r in slack.requests] == [429, 200]
    assert calls[-1].retries == ("rate_limit",)


async def test_long_retry_after_is_handed_back_not_slept(
    slack: SlackDouble, notifier: SlackNotifier
) -> None:
    slack.fail_next(1, kind="429", retry_after=120)
    with pytest.raises(AlertDeliveryError) as caught:
        await notifier.post_root("C0ACME", "x", BLOCKS)
    assert caught.value.retry_after == 120.0
    assert [r.status for r in slack.requests] == [429]
    assert slack.posted == []


@pytest.mark.parametrize(
    ("kind", "retry"), [("500", "server"), ("503", "server"), ("drop", "connection")]
)
async def test_server_errors_and_dropped_connections_are_retried(
    slack: SlackDouble, notifier: SlackNotifier, calls: list[SlackCall], kind: Any, retry: str
) -> None:
    slack.fail_next(2, kind=kind)
    await notifier.post_root("C0ACME", "after faults", BLOCKS)
    assert len(slack.posted) == 1
    assert calls[-1].retries == (retry, retry)


@pytest.mark.parametrize("kind", ["502", "504"])
async def test_502_and_504_are_not_retried_by_slack_sdk(
    slack: SlackDouble, notifier: SlackNotifier, kind: Any
) -> None:
    slack.fail_next(1, kind=kind)
    with pytest.raises(SlackDeliveryError) as caught:
        await notifier.post_root("C0ACME", "x", BLOCKS)
    assert (caught.value.error, caught.value.permanent) == (f"http_{kind}", False)
    assert slack.posted == []


async def test_mixed_faults_share_one_retry_budget(
    slack: SlackDouble, notifier: SlackNotifier, calls: list[SlackCall]
) -> None:
    slack.fail_next(1, kind="drop")
    slack.fail_next(1, kind="503")
    slack.fail_next(1, kind="drop")
    await notifier.post_root("C0ACME", "x", BLOCKS)
    assert calls[-1].retries == ("connection", "server", "connection")
    slack.fail_next(4, kind="503")
    with pytest.raises(SlackDeliveryError):
        await notifier.post_root("C0ACME", "y", BLOCKS)
    assert len(slack.posted) == 1


async def test_outage_longer_than_the_retries_raises_and_delivers_nothing(
    slack: SlackDouble, notifier: SlackNotifier, calls: list[SlackCall]
) -> None:
    slack.outage(True)
    for kind in ("503", "drop"):
        slack.outage(True, kind=kind)
        with pytest.raises(AlertDeliveryError) as caught:
            await notifier.post_root("C0ACME", "during the outage", BLOCKS)
        assert isinstance(caught.value, SlackDeliveryError)
        assert not caught.value.permanent
    assert slack.posted == []
    assert len(slack.requests) == 8  # two calls, each 1 try + 3 retries
    assert [c.ok for c in calls] == [False, False]
    slack.outage(False)
    await notifier.post_root("C0ACME", "after the outage", BLOCKS)  # the caller retries
    assert [m.text for m in slack.posted] == ["after the outage"]


@pytest.mark.parametrize(
    ("channel", "call", "error"),
    [
        ("#nowhere", "post", "channel_not_found"),
        ("#acme-alerts", "update", "channel_not_found"),  # chat.update wants an id
        ("C0ACME", "update", "message_not_found"),
        ("C0ACME", "reply", "thread_not_found"),
    ],
)
async def test_permanent_errors_are_typed(
    slack: SlackDouble, notifier: SlackNotifier, channel: str, call: str, error: str
) -> None:
    unknown_ts = "1700000000.999900"
    sends = {
        "post": lambda: notifier.post_root(channel, "x", BLOCKS),
        "update": lambda: notifier.update_root(channel, unknown_ts, "x", BLOCKS),
        "reply": lambda: notifier.post_reply(channel, unknown_ts, "x", BLOCKS, broadcast=False),
    }
    with pytest.raises(SlackDeliveryError) as caught:
        await sends[call]()
    assert (caught.value.error, caught.value.permanent) == (error, True)
    assert slack.posted == []


def plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def button(label: str, value: str = "v") -> dict[str, Any]:
    return {"type": "button", "text": plain(label), "action_id": "ack", "value": value}


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
@pytest.mark.parametrize(
    ("text", "blocks", "error"),
    [
        ("x" * 40_001, BLOCKS, "msg_too_long"),
        ("x", [{"type": "header", "text": plain("h" * 151)}], "invalid_blocks"),
        ("x", [{"type": "section", "text": mrkdwn("s" * 3001)}], "invalid_blocks"),
        ("x", [{"type": "section", "text": mrkdwn("")}], "invalid_blocks"),
        ("x", [{"type": "divider"}] * 51, "invalid_blocks"),
        ("x", [{"type": "section", "fields": [mrkdwn("f")] * 11}], "invalid_blocks"),
        ("x", [{"type": "actions", "elements": [button("b" * 76)]}], "invalid_blocks"),
        ("x", [{"type": "actions", "elements": [button("b", "v" * 2001)]}], "invalid_blocks"),
        ("x", [{"type": "section", "text": mrkdwn("s" * 2900)}] * 5, "msg_blocks_too_long"),
        ("", [], "no_text"),
    ],
)
async def test_block_kit_limits_are_enforced_by_the_double(
    slack: SlackDouble, notifier: SlackNotifier, text: str, blocks: Any, error: str
) -> None:
    with pytest.raises(SlackDeliveryError) as caught:
        await notifier.post_root("C0ACME", text, blocks)
    assert caught.value.error == error
    assert slack.posted == []


async def test_bad_token_is_a_delivery_error(slack: SlackDouble) -> None:
    wrong = SlackNotifier(WRONG, base_url=slack.base_url, retry=FAST, min_interval_s=0)
    with pytest.raises(AlertDeliveryError) as caught:
        await wrong.post_root("C0ACME", "x", BLOCKS)
    assert isinstance(caught.value, SlackDeliveryError)
    assert (caught.value.error, caught.value.permanent) == ("invalid_auth", True)
    assert slack.posted == []


async def test_double_answers_not_authed_without_a_token(slack: SlackDouble) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            slack.base_url + "chat.postMessage", json={"channel": "C0ACME", "text": "x"}
        ) as res,
    ):
        assert (res.status, await res.json()) == (200, {"ok": False, "error": "not_authed"})


async def test_double_takes_form_bodies_as_slack_sdk_sends_them(
    slack: SlackDouble, notifier: SlackNotifier
) -> None:
    answer = await notifier.client.api_call(
        "chat.postMessage",
        data={"channel": "acme-alerts", "text": "form", "blocks": json.dumps(BLOCKS)},
    )
    assert answer["ok"] is True
    assert answer["channel"] == "C0ACME"
    assert answer["message"]["text"] == "form"
    assert answer["message"]["blocks"] == BLOCKS
    (stored,) = slack.posted
    assert slack.requests[-1].content_type == "application/x-www-form-urlencoded"
    assert list(stored.blocks) == BLOCKS


def test_double_runs_in_a_thread_for_synchronous_code() -> None:
    with SlackDouble(TOKEN) as slack:
        client = WebClient(token=TOKEN, base_url=slack.base_url)
        answer = client.chat_postMessage(channel="#any", text="sync", blocks=BLOCKS)
        assert (answer["ok"], answer["channel"]) == (True, "#any")
        assert [m.text for m in slack.posted] == ["sync"]


async def test_pacing_spaces_messages_per_channel(slack: SlackDouble) -> None:
    now = [100.0]
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    paced = SlackNotifier(
        TOKEN, base_url=slack.base_url, retry=FAST, clock=lambda: now[0], sleep=fake_sleep
    )
    first = await paced.post_root("acme-alerts", "a1", BLOCKS)
    await paced.post_reply(first.channel, first.ts, "a2", BLOCKS, broadcast=False)
    await paced.post_root("globex-alerts", "g1", BLOCKS)
    await paced.update_root("C0ACME", first.ts, "a3", BLOCKS)
    assert sleeps == [1.0, 1.0]  # the #name and its id share one pace


async def test_a_failing_metrics_hook_does_not_lose_the_message(slack: SlackDouble) -> None:
    def broken(call: SlackCall) -> None:
        raise RuntimeError(call.method)

    notifier = SlackNotifier(TOKEN, base_url=slack.base_url, metrics=broken, min_interval_s=0)
    await notifier.post_root("C0ACME", "x", BLOCKS)
    assert len(slack.posted) == 1


async def test_the_token_never_reaches_logs_repr_or_errors(
    slack: SlackDouble, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    notifier = SlackNotifier(TOKEN, base_url=slack.base_url, retry=FAST, min_interval_s=0)
    wrong = SlackNotifier(WRONG, base_url=slack.base_url, retry=FAST, min_interval_s=0)
    slack.fail_next(1, kind="drop")
    slack.fail_next(1, kind="503")
    root = await notifier.post_root("C0ACME", "x", BLOCKS)
    await notifier.update_root(root.channel, root.ts, "y", BLOCKS)
    errors = []
    for client in (notifier, wrong):
        try:
            await client.post_root("#nowhere", "z", BLOCKS)
        except SlackDeliveryError as exc:
            errors.append(f"{exc!s} {exc!r}")
    assert len(errors) == 2
    assert "chat.postMessage" in caplog.text  # slack-sdk's DEBUG lines were captured
    for secret in (TOKEN, WRONG, "s3cr3t", "t0k3n"):
        assert secret not in caplog.text
        assert all(secret not in e for e in errors)
        assert secret not in repr(notifier) + repr(wrong) + repr(slack)


def test_an_empty_token_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        SlackNotifier("  ")


@pytest.mark.parametrize(
    ("env", "file_text", "expected"),
    [
        ({"SLACK_BOT_TOKEN": " xoxb-env \n"}, None, "xoxb-env"),
        ({"SLACK_BOT_TOKEN": "xoxb-env"}, "xoxb-file", "xoxb-env"),
        ({"SLACK_BOT_TOKEN": "  "}, "xoxb-file\n", "xoxb-file"),
        ({}, "xoxb-file\n", "xoxb-file"),
        ({}, "\n", None),
        ({}, None, None),
    ],
)
def test_read_secret(
    tmp_path: Path, env: dict[str, str], file_text: str | None, expected: str | None
) -> None:
    env = dict(env)
    if file_text is not None:
        secret_file = tmp_path / "token"
        secret_file.write_text(file_text, encoding="utf-8")
        env["SLACK_BOT_TOKEN_FILE"] = str(secret_file)
    assert read_secret(env, "SLACK_BOT_TOKEN") == expected


def test_read_secret_names_an_unreadable_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(ConfigError, match=r"SLACK_BOT_TOKEN_FILE=.*nope: cannot read"):
        read_secret({"SLACK_BOT_TOKEN_FILE": str(missing)}, "SLACK_BOT_TOKEN")


def test_from_env(tmp_path: Path) -> None:
    assert SlackNotifier.from_env({}) is None
    token_file = tmp_path / "t"
    token_file.write_text(TOKEN, encoding="utf-8")
    env = {"SLACK_BOT_TOKEN_FILE": str(token_file), "SLACK_API_URL": "http://127.0.0.1:9/api"}
    built = SlackNotifier.from_env(env)
    assert built is not None
    assert built.base_url == "http://127.0.0.1:9/api/"
    assert built.client.token == TOKEN


# --- an incident's root: metadata, no blind retry, lookup ----------------------------------


async def test_an_incident_root_carries_metadata_and_is_found_again(
    slack: SlackDouble, notifier: SlackNotifier, calls: list[SlackCall]
) -> None:
    other = await notifier.post_root("C0ACME", "other", BLOCKS, incident_id="i-0")
    root = await notifier.post_root("#acme-alerts", "root", BLOCKS, incident_id="i-1", alert_id="a")
    await notifier.post_reply(root.channel, root.ts, "r", BLOCKS, broadcast=True)
    stored = slack.current("C0ACME", root.ts)
    assert stored.metadata == {
        "event_type": "streamproc_incident",
        "event_payload": {"incident_id": "i-1", "alert_id": "a"},
    }
    found = await notifier.find_root("#acme-alerts", "i-1", oldest_ms=1_700_000_000_000)
    assert found == root
    assert await notifier.find_root("C0ACME", "i-0", oldest_ms=0) == other
    assert await notifier.find_root("C0ACME", "i-9", oldest_ms=0) is None
    later = int(float(root.ts) * 1000) + 1
    assert await notifier.find_root("C0ACME", "i-1", oldest_ms=later) is None
    assert {c.method for c in calls} >= {"conversations.history"}


async def test_finding_an_old_root_reads_page_after_page(
    slack: SlackDouble, notifier: SlackNotifier
) -> None:
    root = await notifier.post_root("C0ACME", "first", BLOCKS, incident_id="old")
    for i in range(40):
        await notifier.post_root("C0ACME", f"m{i}", BLOCKS)
    assert await notifier.find_root("C0ACME", "old", oldest_ms=0, limit=15) == root
    pages = [r for r in slack.requests if r.method == "conversations.history"]
    assert len(pages) == 3  # 15 + 15 + 11, newest first
    assert await notifier.find_root("C0ACME", "old", oldest_ms=0, limit=15, max_pages=2) is None


@pytest.mark.parametrize("kind", ["lost", "late", "drop", "500"])
async def test_an_incident_root_that_may_have_landed_is_not_retried_blindly(
    slack: SlackDouble, kind: Any
) -> None:
    notifier = SlackNotifier(TOKEN, base_url=slack.base_url, retry=FAST, timeout_s=1)
    slack.fail_next(1, kind=kind, delay_s=2.0, method="chat.postMessage")
    with pytest.raises(SlackDeliveryError) as caught:
        await notifier.post_root("C0ACME", "x", BLOCKS, incident_id="i-1")
    assert caught.value.maybe_sent
    assert [r.method for r in slack.requests] == ["chat.postMessage"]  # no retry in the call
    landed = kind in ("lost", "late")
    assert len(slack.posted) == (1 if landed else 0)
    found = await notifier.find_root("C0ACME", "i-1", oldest_ms=0)
    assert (found is not None) is landed


@pytest.mark.parametrize(("kind", "retry"), [("429", "rate_limit"), ("503", "server")])
async def test_an_incident_root_is_retried_when_slack_surely_did_not_take_it(
    slack: SlackDouble, notifier: SlackNotifier, calls: list[SlackCall], kind: Any, retry: str
) -> None:
    slack.fail_next(2, kind=kind, retry_after=1)
    await notifier.post_root("C0ACME", "x", BLOCKS, incident_id="i-1")
    assert len(slack.posted) == 1
    assert calls[-1].retries == (retry, retry)


@pytest.mark.parametrize(
    ("kind", "maybe_sent"), [("429", False), ("503", False), ("502", True), ("drop", True)]
)
async def test_failures_say_whether_slack_may_have_acted(
    slack: SlackDouble, kind: Any, maybe_sent: bool
) -> None:
    notifier = SlackNotifier(TOKEN, base_url=slack.base_url, retry=NONE, min_interval_s=0)
    slack.fail_next(1, kind=kind, retry_after=30)
    with pytest.raises(SlackDeliveryError) as caught:
        await notifier.post_reply("C0ACME", "1.000100", "x", BLOCKS, broadcast=False)
    assert caught.value.maybe_sent is maybe_sent


async def test_a_channel_name_is_resolved_for_the_lookup(slack: SlackDouble) -> None:
    fresh = SlackNotifier(TOKEN, base_url=slack.base_url, retry=FAST, min_interval_s=0)
    assert await fresh.channel_id("#globex-alerts") == "C0GLOBEX"
    assert await fresh.channel_id("C0ACME") == "C0ACME"
    assert await fresh.channel_id("#nowhere") == "#nowhere"
    lists = [r for r in slack.requests if r.method == "conversations.list"]
    assert len(lists) == 2  # the id is remembered; an id needs no lookup
    assert await fresh.channel_id("#globex-alerts") == "C0GLOBEX"
    with pytest.raises(SlackDeliveryError) as caught:  # history takes ids only
        await fresh.find_root("#nowhere", "i", oldest_ms=0)
    assert (caught.value.error, caught.value.permanent) == ("channel_not_found", True)


async def test_double_history_has_slack_s_shape(
    slack: SlackDouble, notifier: SlackNotifier
) -> None:
    roots = [
        await notifier.post_root("C0ACME", f"m{i}", BLOCKS, incident_id=f"i{i}") for i in range(3)
    ]
    await notifier.post_reply("C0ACME", roots[0].ts, "hidden", BLOCKS, broadcast=False)
    await notifier.post_root("C0GLOBEX", "elsewhere", BLOCKS)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    url = slack.base_url + "conversations.history"
    async with aiohttp.ClientSession() as session:
        query = {"channel": "C0ACME", "limit": "2"}
        async with session.get(url, params=query, headers=headers) as res:
            first = await res.json()
        query |= {"cursor": first["response_metadata"]["next_cursor"], "include_all_metadata": "1"}
        async with session.get(url, params=query, headers=headers) as res:
            second = await res.json()
        async with session.get(url, params={"channel": "C0ACME"}) as res:
            anonymous = await res.json()
        async with session.get(url, params={"channel": "acme-alerts"}, headers=headers) as res:
            by_name = await res.json()
    assert first["ok"] is True
    assert [m["ts"] for m in first["messages"]] == [roots[2].ts, roots[1].ts]  # newest first
    assert first["has_more"] is True
    assert all("metadata" not in m for m in first["messages"])
    assert [m["ts"] for m in second["messages"]] == [roots[0].ts]
    assert second["has_more"] is False
    assert "response_metadata" not in second
    assert second["messages"][0]["metadata"]["event_payload"] == {
        "incident_id": "i0",
        "alert_id": "",
    }
    assert anonymous == {"ok": False, "error": "not_authed"}
    assert by_name == {"ok": False, "error": "channel_not_found"}


# --- a thread reply: metadata, no blind retry, lookup in the thread ---------------------------


async def test_a_reply_carries_metadata_and_is_found_in_its_thread(
    slack: SlackDouble, notifier: SlackNotifier, calls: list[SlackCall]
) -> None:
    root = await notifier.post_root("#acme-alerts", "root", BLOCKS, incident_id="i-1")
    other = await notifier.post_root("C0ACME", "other", BLOCKS, incident_id="i-2")
    plain = await notifier.post_reply(root.channel, root.ts, "plain", BLOCKS, broadcast=False)
    reply = await notifier.post_reply(
        root.channel, root.ts, "r", BLOCKS, broadcast=True, incident_id="i-1", alert_id="a7"
    )
    await notifier.post_reply(
        other.channel, other.ts, "o", BLOCKS, broadcast=False, incident_id="i-2", alert_id="a7"
    )
    assert slack.current("C0ACME", reply.ts).metadata == {
        "event_type": "streamproc_incident_reply",
        "event_payload": {"incident_id": "i-1", "alert_id": "a7"},
    }
    assert slack.current("C0ACME", plain.ts).metadata is None

    assert await notifier.find_reply("#acme-alerts", root.ts, "i-1", "a7", oldest_ms=0) == reply
    assert await notifier.find_reply("C0ACME", root.ts, "i-1", "a8", oldest_ms=0) is None
    assert await notifier.find_reply("C0ACME", root.ts, "i-2", "a7", oldest_ms=0) is None
    later = int(float(reply.ts) * 1000) + 1
    assert await notifier.find_reply("C0ACME", root.ts, "i-1", "a7", oldest_ms=later) is None
    # A broadcast reply shows in the channel, but never passes for a root.
    assert await notifier.find_root("C0ACME", "i-1", oldest_ms=0) == root
    assert "conversations.replies" in {c.method for c in calls}


async def test_finding_a_reply_reads_the_thread_page_after_page(
    slack: SlackDouble, notifier: SlackNotifier
) -> None:
    root = await notifier.post_root("C0ACME", "root", BLOCKS, incident_id="i-1")
    first = await notifier.post_reply(
        root.channel, root.ts, "r", BLOCKS, broadcast=False, incident_id="i-1", alert_id="a1"
    )
    for i in range(2, 41):
        await notifier.post_reply(
            root.channel,
            root.ts,
            f"r{i}",
            BLOCKS,
            broadcast=False,
            incident_id="i-1",
            alert_id=f"a{i}",
        )
    found = await notifier.find_reply("C0ACME", root.ts, "i-1", "a40", oldest_ms=0, limit=15)
    assert found is not None
    assert found.ts == slack.replies("C0ACME", root.ts)[-1].ts
    pages = [r for r in slack.requests if r.method == "conversations.replies"]
    assert len(pages) == 3  # the parent and 14 replies, 15, then the last 11
    assert await notifier.find_reply("C0ACME", root.ts, "i-1", "a1", oldest_ms=0) == first
    missing = notifier.find_reply(
        "C0ACME", root.ts, "i-1", "a40", oldest_ms=0, limit=15, max_pages=2
    )
    assert await missing is None


async def test_a_rate_limited_reply_lookup_waits_for_retry_after(
    slack: SlackDouble, notifier: SlackNotifier, calls: list[SlackCall]
) -> None:
    root = await notifier.post_root("C0ACME", "root", BLOCKS, incident_id="i-1")
    reply = await notifier.post_reply(
        root.channel, root.ts, "r", BLOCKS, broadcast=False, incident_id="i-1", alert_id="a1"
    )
    slack.fail_next(1, kind="429", retry_after=1, method="conversations.replies")
    assert await notifier.find_reply("C0ACME", root.ts, "i-1", "a1", oldest_ms=0) == reply
    assert (calls[-1].method, calls[-1].retries) == ("conversations.replies", ("rate_limit",))
    slack.fail_next(1, kind="429", retry_after=60, method="conversations.replies")
    with pytest.raises(SlackDeliveryError) as caught:
        await notifier.find_reply("C0ACME", root.ts, "i-1", "a1", oldest_ms=0)
    assert (caught.value.error, caught.value.retry_after) == ("ratelimited", 60)


@pytest.mark.parametrize("kind", ["lost", "late", "drop", "500"])
async def test_a_reply_that_may_have_landed_is_not_retried_blindly(
    slack: SlackDouble, kind: Any
) -> None:
    notifier = SlackNotifier(TOKEN, base_url=slack.base_url, retry=FAST, timeout_s=1)
    root = await notifier.post_root("C0ACME", "root", BLOCKS, incident_id="i-1")
    slack.fail_next(1, kind=kind, delay_s=2.0, method="chat.postMessage")
    with pytest.raises(SlackDeliveryError) as caught:
        await notifier.post_reply(
            root.channel, root.ts, "r", BLOCKS, broadcast=False, incident_id="i-1", alert_id="a1"
        )
    assert caught.value.maybe_sent
    posts = [r for r in slack.requests if r.method == "chat.postMessage"]
    assert len(posts) == 2  # the root, and one reply attempt: no retry in the call
    landed = kind in ("lost", "late")
    assert len(slack.replies("C0ACME", root.ts)) == (1 if landed else 0)
    found = await notifier.find_reply("C0ACME", root.ts, "i-1", "a1", oldest_ms=0)
    assert (found is not None) is landed


@pytest.mark.parametrize(("kind", "retry"), [("429", "rate_limit"), ("503", "server")])
async def test_a_reply_is_retried_when_slack_surely_did_not_take_it(
    slack: SlackDouble, notifier: SlackNotifier, calls: list[SlackCall], kind: Any, retry: str
) -> None:
    root = await notifier.post_root("C0ACME", "root", BLOCKS, incident_id="i-1")
    slack.fail_next(2, kind=kind, retry_after=1)
    await notifier.post_reply(
        root.channel, root.ts, "r", BLOCKS, broadcast=False, incident_id="i-1", alert_id="a1"
    )
    assert len(slack.replies("C0ACME", root.ts)) == 1
    assert calls[-1].retries == (retry, retry)


async def test_double_replies_have_slack_s_shape(
    slack: SlackDouble, notifier: SlackNotifier
) -> None:
    root = await notifier.post_root("C0ACME", "root", BLOCKS, incident_id="i0")
    replies = [
        await notifier.post_reply(
            root.channel,
            root.ts,
            f"r{i}",
            BLOCKS,
            broadcast=i == 1,
            incident_id="i0",
            alert_id=f"a{i}",
        )
        for i in range(3)
    ]
    lone = await notifier.post_root("C0ACME", "lone", BLOCKS)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    url = slack.base_url + "conversations.replies"
    async with aiohttp.ClientSession() as session:

        async def get(params: dict[str, str], auth: bool = True) -> dict[str, Any]:
            async with session.get(url, params=params, headers=headers if auth else {}) as res:
                assert res.status == 200
                body: dict[str, Any] = await res.json()
                return body

        query = {"channel": "C0ACME", "ts": root.ts, "limit": "2"}
        first = await get(query)
        query |= {"cursor": first["response_metadata"]["next_cursor"], "include_all_metadata": "1"}
        second = await get(query)
        by_reply = await get({"channel": "C0ACME", "ts": replies[2].ts, "oldest": replies[0].ts})
        alone = await get({"channel": "C0ACME", "ts": lone.ts})
        unknown = await get({"channel": "C0ACME", "ts": "1.000001"})
        anonymous = await get({"channel": "C0ACME", "ts": root.ts}, auth=False)
        by_name = await get({"channel": "acme-alerts", "ts": root.ts})
    assert first["ok"] is True
    parent = first["messages"][0]
    assert [m["ts"] for m in first["messages"]] == [root.ts, replies[0].ts]  # parent first
    assert (parent["thread_ts"], parent["reply_count"], parent["latest_reply"]) == (
        root.ts,
        3,
        replies[2].ts,
    )
    assert first["messages"][1]["thread_ts"] == root.ts
    assert first["has_more"] is True
    assert all("metadata" not in m for m in first["messages"])
    assert [m["ts"] for m in second["messages"]] == [replies[1].ts, replies[2].ts]
    assert second["messages"][0]["subtype"] == "thread_broadcast"
    assert second["has_more"] is False
    assert "response_metadata" not in second
    assert second["messages"][1]["metadata"] == {
        "event_type": "streamproc_incident_reply",
        "event_payload": {"incident_id": "i0", "alert_id": "a2"},
    }
    # any ts of the thread names it; oldest bounds the replies, not the parent
    assert [m["ts"] for m in by_reply["messages"]] == [root.ts, replies[1].ts, replies[2].ts]
    assert [m["ts"] for m in alone["messages"]] == [lone.ts]
    assert "reply_count" not in alone["messages"][0]
    assert alone["has_more"] is False
    assert unknown == {"ok": False, "error": "thread_not_found"}
    assert anonymous == {"ok": False, "error": "not_authed"}
    assert by_name == {"ok": False, "error": "channel_not_found"}
