"""Slack button clicks: signature check, parsing, and the `IncidentAction` record.

Pure functions, no I/O, so that the worker's HTTP view is three lines:

    status, action, text = handle_interaction(request.headers, body, secret, now_s)
    if action: await actions_topic.send(key=action.brand, value=action.to_dict())
    return web.Response(status=status, text=text)

Slack signs each request: ``X-Slack-Signature = "v0=" + hex(HMAC-SHA256(
signing_secret, "v0:" + X-Slack-Request-Timestamp + ":" + raw body))``; a
timestamp more than five minutes off is refused, against replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args
from urllib.parse import parse_qs

from agents.adapters.slack_render import ACTION_IDS, ACTIONS_BLOCK_PREFIX

ActionKind = Literal["acknowledge", "snooze", "resolve", "review"]
"""What a click asks the alert state machine to do."""

SNOOZE_MS = 3_600_000
"""The "Snooze 1 h" button's period."""
SCHEMA_VERSION = 1
TOLERANCE_S = 300
"""Slack's advice: refuse requests whose timestamp is over five minutes off."""

SIGNATURE_HEADER = "x-slack-signature"
TIMESTAMP_HEADER = "x-slack-request-timestamp"


class MalformedInteractionError(ValueError):
    """A signed request whose body is not a usable block_actions payload."""


@dataclass(frozen=True, slots=True, kw_only=True)
class IncidentAction:
    """One click on an incident's button, as sent to `incident-actions` (by brand)."""

    incident_id: str
    brand: str
    action: ActionKind
    actor: str
    """Who clicked: Slack user name, or user id when Slack gave no name."""
    at_ms: int
    """When Slack says the click happened (``action_ts``), epoch ms."""
    duration_ms: int = 0
    """For ``snooze``: how long the brand's notifications are muted."""

    def __post_init__(self) -> None:
        if self.action not in get_args(ActionKind):
            msg = f"unknown incident action {self.action!r}"
            raise ValueError(msg)
        if not self.incident_id or not self.brand:
            msg = "an incident action needs an incident_id and a brand"
            raise ValueError(msg)

    def to_dict(self) -> dict[str, object]:
        """The wire form (JSON-safe, with a schema version ``v``)."""
        return {
            "v": SCHEMA_VERSION,
            "incident_id": self.incident_id,
            "brand": self.brand,
            "action": self.action,
            "actor": self.actor,
            "at_ms": self.at_ms,
            "duration_ms": self.duration_ms,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> IncidentAction:
        """Read the wire form back; ValueError with the field at fault."""
        if data.get("v") != SCHEMA_VERSION:
            msg = f"incident action: unsupported schema version {data.get('v')!r}"
            raise ValueError(msg)
        strings = {}
        for name in ("incident_id", "brand", "action", "actor"):
            value = data.get(name)
            if not isinstance(value, str):
                msg = f"incident action: {name} must be a string, got {value!r}"
                raise ValueError(msg)
            strings[name] = value
        ints = {}
        for name in ("at_ms", "duration_ms"):
            value = data.get(name, 0)
            if not isinstance(value, int) or isinstance(value, bool):
                msg = f"incident action: {name} must be an integer, got {value!r}"
                raise ValueError(msg)
            ints[name] = value
        action = strings["action"]
        if action not in get_args(ActionKind):
            msg = f"incident action: unknown action {action!r}"
            raise ValueError(msg)
        return cls(
            incident_id=strings["incident_id"],
            brand=strings["brand"],
            action=action,  # type: ignore[arg-type]  # checked against ActionKind above
            actor=strings["actor"],
            at_ms=ints["at_ms"],
            duration_ms=ints["duration_ms"],
        )


def sign(signing_secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 signature of a request (what ``X-Slack-Signature`` holds)."""
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    digest = hmac.new(signing_secret.encode("utf-8"), base, hashlib.sha256)
    return "v0=" + digest.hexdigest()


def verify_signature(
    signing_secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    now_s: float,
    tolerance_s: int = TOLERANCE_S,
) -> bool:
    """True when `signature` is Slack's v0 signature of `body` at a fresh `timestamp`.

    The raw body must be the bytes as received (before any form parsing).
    An empty secret verifies nothing.
    """
    if not signing_secret or not timestamp.isascii() or not timestamp.isdigit():
        return False
    if not math.isfinite(now_s) or abs(now_s - int(timestamp)) > tolerance_s:
        return False
    expected = sign(signing_secret, timestamp, body).encode("ascii")
    return hmac.compare_digest(expected, signature.encode("utf-8", "replace"))


def _payload(body: bytes) -> dict[str, Any]:
    try:
        form = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError) as exc:
        msg = f"body is not a form: {exc}"
        raise MalformedInteractionError(msg) from None
    values = form.get("payload")
    if not values or len(values) != 1:
        msg = "body has no single payload= field"
        raise MalformedInteractionError(msg)
    try:
        payload = json.loads(values[0])
    except json.JSONDecodeError as exc:
        msg = f"payload is not JSON: {exc.msg} at {exc.pos}"
        raise MalformedInteractionError(msg) from None
    if not isinstance(payload, dict):
        msg = "payload is not a JSON object"
        raise MalformedInteractionError(msg)
    return payload


def _actor(payload: Mapping[str, Any]) -> str:
    user = payload.get("user")
    if isinstance(user, dict):
        for key in ("username", "name", "id"):
            value = user.get(key)
            if isinstance(value, str) and value:
                return value
    msg = "payload has no user"
    raise MalformedInteractionError(msg)


def _at_ms(action: Mapping[str, Any], now_ms: int | None) -> int:
    raw = action.get("action_ts")
    if isinstance(raw, str):
        try:
            seconds = float(raw)
        except ValueError:
            seconds = math.nan
        if math.isfinite(seconds) and seconds >= 0:
            return round(seconds * 1000)
    if now_ms is not None:
        return now_ms
    msg = "action has no usable action_ts"
    raise MalformedInteractionError(msg)


def parse_action(body: bytes, *, now_ms: int | None = None) -> IncidentAction | None:
    """The incident action a ``block_actions`` request asks for.

    None for a well-formed payload that is not one of our buttons (another
    payload type or action_id). `MalformedInteractionError` when the body
    is not a form with a JSON ``payload``, or one of our buttons lacks its
    incident, brand or user. `now_ms` stands in when Slack sent no
    ``action_ts``.
    """
    payload = _payload(body)
    if payload.get("type") != "block_actions":
        return None
    actions = payload.get("actions")
    if not isinstance(actions, list):
        msg = "block_actions payload has no actions list"
        raise MalformedInteractionError(msg)
    ours = [a for a in actions if isinstance(a, dict) and a.get("action_id") in ACTION_IDS]
    if not ours:
        return None
    clicked = ours[0]
    incident_id = clicked.get("value")
    if not isinstance(incident_id, str) or not incident_id:
        msg = "button has no incident id in its value"
        raise MalformedInteractionError(msg)
    block_id = clicked.get("block_id")
    brand = ""
    if isinstance(block_id, str) and block_id.startswith(ACTIONS_BLOCK_PREFIX):
        brand = block_id[len(ACTIONS_BLOCK_PREFIX) :]
    if not brand:
        msg = f"button's block_id {block_id!r} names no brand"
        raise MalformedInteractionError(msg)
    kind = ACTION_IDS[clicked["action_id"]]
    return IncidentAction(
        incident_id=incident_id,
        brand=brand,
        action=kind,  # type: ignore[arg-type]  # ACTION_IDS values are ActionKinds
        actor=_actor(payload),
        at_ms=_at_ms(clicked, now_ms),
        duration_ms=SNOOZE_MS if kind == "snooze" else 0,
    )


def handle_interaction(
    headers: Mapping[str, str],
    body: bytes,
    signing_secret: str,
    now_s: float,
) -> tuple[int, IncidentAction | None, str]:
    """HTTP status, action and response text for one interactivity request.

    401 when the signature headers are missing, the timestamp is stale or the
    signature is wrong (nothing is parsed then); 400 when a signed body is
    malformed; 200 otherwise, with the action or None (not our button).
    Slack wants the 200 within three seconds: send the action, answer, and
    do the rest (the root's ``chat.update``) later.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    timestamp = lowered.get(TIMESTAMP_HEADER)
    signature = lowered.get(SIGNATURE_HEADER)
    if not timestamp or not signature:
        return 401, None, "missing Slack signature headers"
    if not verify_signature(signing_secret, timestamp, body, signature, now_s):
        return 401, None, "invalid or stale Slack signature"
    try:
        action = parse_action(body, now_ms=round(now_s * 1000))
    except ValueError as exc:  # MalformedInteractionError or IncidentAction's checks
        return 400, None, f"malformed payload: {exc}"
    return 200, action, ""
