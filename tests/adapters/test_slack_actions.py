"""Slack button clicks: signature checks, payload parsing, the action record."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.signature import SignatureVerifier

from agents.adapters.slack_actions import (
    SNOOZE_MS,
    IncidentAction,
    MalformedInteractionError,
    handle_interaction,
    parse_action,
    sign,
    verify_signature,
)
from agents.adapters.slack_render import render_root
from streamproc.model import AlertEvent, AlertStatus, Severity

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # noqa: S105 (Slack's documented example)
NOW = 1_700_000_000.0


def click(action_id: str = "ack", **over: Any) -> dict[str, Any]:
    action = {
        "type": "button",
        "action_id": action_id,
        "block_id": "incident-actions|acme",
        "value": "acme-1700000000000",
        "action_ts": "1700000000.123456",
        "text": {"type": "plain_text", "text": "Acknowledge"},
    }
    action.update(over.pop("action", {}))
    payload = {
        "type": "block_actions",
        "user": {"id": "U123", "username": "ann", "name": "ann", "team_id": "T1"},
        "container": {"type": "message", "message_ts": "1700000000.000100"},
        "channel": {"id": "C0ACME", "name": "acme-alerts"},
        "actions": [action],
        "response_url": "https://hooks.slack.example/actions/x",
    }
    payload.update(over)
    return payload


def form(payload: Any) -> bytes:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return urlencode({"payload": text}).encode()


def headers(body: bytes, ts: float = NOW, key: str = SECRET) -> dict[str, str]:
    """Signed as Slack does, by slack-sdk's own verifier (an independent oracle)
    where it can (it wants a non-empty key and a UTF-8 body), else by ours."""
    timestamp = str(int(ts))
    try:
        signature = SignatureVerifier(key).generate_signature(timestamp=timestamp, body=body)
    except (ValueError, UnicodeDecodeError):
        signature = sign(key, timestamp, body)
    assert signature is not None
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}


@pytest.mark.parametrize(
    ("action_id", "kind", "duration_ms"),
    [
        ("ack", "acknowledge", 0),
        ("snooze", "snooze", SNOOZE_MS),
        ("resolve", "resolve", 0),
        ("review", "review", 0),
    ],
)
def test_a_signed_click_becomes_an_action(action_id: str, kind: str, duration_ms: int) -> None:
    body = form(click(action_id))
    status, action, text = handle_interaction(headers(body), body, SECRET, NOW)
    assert (status, text) == (200, "")
    assert action == IncidentAction(
        incident_id="acme-1700000000000",
        brand="acme",
        action=kind,  # type: ignore[arg-type]
        actor="ann",
        at_ms=1_700_000_000_123,
        duration_ms=duration_ms,
    )


def test_the_rendered_buttons_round_trip() -> None:
    event = AlertEvent(
        alert_id="a",
        incident_id="globex-42",
        brand="globex",
        status=AlertStatus.FIRING,
        severity=Severity.WARNING,
        window_start_ms=0,
        window_end_ms=900_000,
        observed=40,
        expected=10,
        score=4,
        growth=0.5,
        share=0.2,
        onset_ms=0,
        detected_at_ms=900_000,
    )
    _, blocks = render_root(event, "Globex")
    actions = next(b for b in blocks if b["type"] == "actions")
    for element in actions["elements"]:
        sent = {**element, "block_id": actions["block_id"], "action_ts": "1.5"}
        body = form(click(action={**sent}))
        status, action, _ = handle_interaction(headers(body), body, SECRET, NOW)
        assert status == 200
        assert action is not None
        assert (action.incident_id, action.brand) == ("globex-42", "globex")


@pytest.mark.parametrize(
    ("user", "actor"),
    [
        ({"id": "U1", "username": "ann", "name": "Ann"}, "ann"),
        ({"id": "U1", "name": "Ann"}, "Ann"),
        ({"id": "U1"}, "U1"),
    ],
)
def test_actor_is_the_user_name_or_id(user: dict[str, str], actor: str) -> None:
    action = parse_action(form(click(user=user)))
    assert action is not None
    assert action.actor == actor


def test_click_time_falls_back_to_now_without_action_ts() -> None:
    action = parse_action(form(click(action={"action_ts": None})), now_ms=42)
    assert action is not None
    assert action.at_ms == 42


@pytest.mark.parametrize(
    "tamper",
    [
        lambda h, b: ({**h, "X-Slack-Signature": "v0=" + "0" * 64}, b),
        lambda h, b: (h, b + b"&x=1"),
        lambda h, b: ({**h, "X-Slack-Signature": h["X-Slack-Signature"].upper()}, b),
        lambda h, b: ({**h, "X-Slack-Signature": h["X-Slack-Signature"][3:]}, b),
        lambda h, b: ({**h, "X-Slack-Signature": "v0=é"}, b),
        lambda h, b: ({**h, "X-Slack-Request-Timestamp": "abc"}, b),
        lambda h, b: ({**h, "X-Slack-Request-Timestamp": str(int(NOW) + 1)}, b),
    ],
)
def test_bad_signatures_get_401(tamper: Any) -> None:
    body = form(click())
    bad_headers, bad_body = tamper(headers(body), body)
    assert handle_interaction(bad_headers, bad_body, SECRET, NOW)[:2] == (401, None)


def test_another_secret_gets_401() -> None:
    body = form(click())
    signed = headers(body, key="not-the-secret")
    assert handle_interaction(signed, body, SECRET, NOW)[:2] == (401, None)


@pytest.mark.parametrize(
    ("age_s", "status"),
    [(0, 200), (300, 200), (-300, 200), (301, 401), (-301, 401), (86_400, 401)],
)
def test_timestamps_more_than_five_minutes_off_get_401(age_s: int, status: int) -> None:
    body = form(click())
    assert handle_interaction(headers(body, ts=NOW - age_s), body, SECRET, NOW)[0] == status


@pytest.mark.parametrize("drop", ["X-Slack-Signature", "X-Slack-Request-Timestamp", "both"])
def test_missing_headers_get_401(drop: str) -> None:
    body = form(click())
    signed = headers(body)
    kept = {k: v for k, v in signed.items() if drop not in (k, "both")}
    assert handle_interaction(kept, body, SECRET, NOW) == (
        401,
        None,
        "missing Slack signature headers",
    )


def test_header_names_are_case_insensitive() -> None:
    body = form(click())
    lowered = {k.lower(): v for k, v in headers(body).items()}
    assert handle_interaction(lowered, body, SECRET, NOW)[0] == 200


def test_an_empty_secret_verifies_nothing() -> None:
    body = form(click())
    assert handle_interaction(headers(body, key=""), body, "", NOW)[0] == 401


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe",
        b"not a form",
        b"text=hello",
        form("{not json"),
        form("[1, 2]"),
        form(click(actions="nope")),
        form(click(action={"value": ""})),
        form(click(action={"block_id": "something-else"})),
        form(click(user=None)),
        form(click(action={"action_ts": "soon"})) + b"&payload=twice",
    ],
)
def test_malformed_signed_payloads_get_400(body: bytes) -> None:
    status, action, text = handle_interaction(headers(body), body, SECRET, NOW)
    assert (status, action) == (400, None)
    assert text.startswith("malformed payload: ")


@pytest.mark.parametrize(
    "payload",
    [
        click(type="view_submission"),
        click(type="message_action"),
        click("some_other_button"),
        click(actions=[]),
    ],
)
def test_other_interactions_are_acknowledged_and_ignored(payload: dict[str, Any]) -> None:
    body = form(payload)
    assert handle_interaction(headers(body), body, SECRET, NOW) == (200, None, "")


def test_parse_action_raises_on_malformed() -> None:
    with pytest.raises(MalformedInteractionError, match="no user"):
        parse_action(form(click(user={})))


@settings(deadline=None)  # a shared, loaded machine must not make it flaky
@given(text=st.text(max_size=2000), age=st.integers(min_value=-600, max_value=600))
def test_verify_signature_agrees_with_slack_sdk(text: str, age: int) -> None:
    body = text.encode()
    timestamp = str(int(NOW) - age)
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    assert verify_signature(SECRET, timestamp, body, signature, NOW) is (abs(age) <= 300)
    tampered = body + b" "
    assert not verify_signature(SECRET, timestamp, tampered, signature, NOW)


def test_action_record_round_trips() -> None:
    action = IncidentAction(
        incident_id="acme-1",
        brand="acme",
        action="snooze",
        actor="ann",
        at_ms=5,
        duration_ms=SNOOZE_MS,
    )
    wire = action.to_dict()
    assert wire == {
        "v": 1,
        "incident_id": "acme-1",
        "brand": "acme",
        "action": "snooze",
        "actor": "ann",
        "at_ms": 5,
        "duration_ms": SNOOZE_MS,
    }
    assert IncidentAction.from_dict(json.loads(json.dumps(wire))) == action


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"v": 2}, "schema version"),
        ({"action": "delete"}, "unknown action"),
        ({"brand": 3}, "brand must be a string"),
        ({"at_ms": "5"}, "at_ms must be an integer"),
        ({"at_ms": True}, "at_ms must be an integer"),
        ({"incident_id": ""}, "needs an incident_id"),
    ],
)
def test_action_record_rejects_bad_wire_data(change: dict[str, Any], message: str) -> None:
    wire = {
        "v": 1,
        "incident_id": "acme-1",
        "brand": "acme",
        "action": "resolve",
        "actor": "ann",
        "at_ms": 5,
        "duration_ms": 0,
    }
    with pytest.raises(ValueError, match=message):
        IncidentAction.from_dict({**wire, **change})
