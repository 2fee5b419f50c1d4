"""Block Kit messages for an incident's Slack thread: pure, no I/O.

`render_root` draws the incident's root message (always the current state:
firing, escalated, resolved, who acknowledged) and `render_reply` the thread
replies. Both return ``(text, blocks)``: a short top-level ``text`` that
Slack uses for notifications, and the Block Kit blocks. Slack's Block Kit
limits are enforced here by trimming (`fit_blocks`), so that a huge mention
or a long brand name never turns into a failed post. User content (samples,
authors, terms) is escaped, so a mention that contains ``<!channel>`` cannot
ping anyone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from streamproc.model import AlertEvent, AlertStatus, Sample, Severity

Block = dict[str, Any]
"""One Block Kit block, as JSON-ready dicts."""

HEADER_MAX = 150
"""Characters of a header block's plain_text."""
SECTION_TEXT_MAX = 3000
"""Characters of a section's text."""
FIELD_TEXT_MAX = 2000
"""Characters of one section field."""
FIELDS_MAX = 10
"""Fields in one section."""
CONTEXT_ELEMENTS_MAX = 10
"""Elements in one context block."""
BLOCKS_MAX = 50
"""Blocks in one message."""
BUTTON_TEXT_MAX = 75
"""Characters of a button's label."""
ACTION_VALUE_MAX = 2000
"""Characters of a button's value."""
BUTTON_URL_MAX = 3000
"""Characters of a button's url."""
ACTIONS_ELEMENTS_MAX = 25
"""Elements in one actions block."""
BLOCK_ID_MAX = 255
"""Characters of a block_id."""
TEXT_MAX = 3000
"""Our cap on the top-level notification text (Slack refuses over 40,000)."""
BLOCKS_CHARS_BUDGET = 10_000
"""Our cap on all block text together: Slack answers ``msg_blocks_too_long``
somewhere above 12,000 characters (undocumented), so we stay well below."""

SAMPLE_TEXT_MAX = 280
"""Characters of a sample mention's text shown in the root."""
SAMPLES_MAX = 5
"""Samples shown in the root (3-5 when the alert carries that many)."""
REPLY_SAMPLES_MAX = 2
"""Samples shown in an escalation or update reply."""
TERMS_MAX = 10
TERM_MAX = 40
SPLIT_MAX = 6
"""Languages or sources named in a split; the rest are summed up."""
NAME_MAX = 80
"""Characters of a brand or author name."""
URL_MAX = 600
"""Longer links (once escaped) are left out, not cut: a cut URL is a wrong URL."""

ACTION_IDS: Mapping[str, str] = {
    "ack": "acknowledge",
    "snooze": "snooze",
    "resolve": "resolve",
    "review": "review",
}
"""Button action_id -> the action it asks for (see `slack_actions`)."""
ACTIONS_BLOCK_PREFIX = "incident-actions|"
"""The actions block's block_id is this prefix plus the brand slug, so that a
click names its brand (the `incident-actions` topic is keyed by brand)."""
SAMPLE_BLOCK_PREFIX = "sample-"
"""block_id prefix of sample sections: the first blocks dropped when over budget."""

_ELLIPSIS = "…"


def trim(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` characters, marking the cut.

    >>> trim("abcdef", 4)
    'abc…'
    """
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + _ELLIPSIS if limit > 0 else ""


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn reserves.

    >>> escape("<!channel> & co")
    '&lt;!channel&gt; &amp; co'
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _one_line(text: str) -> str:
    return " ".join(text.split())


_BROADCASTS = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)


def _user(text: str, limit: int) -> str:
    """User content, made safe for mrkdwn.

    One line, trimmed *before* escaping (escaping only grows), and a plain
    ``@channel``/``@here``/``@everyone`` broken by a zero-width space, in
    case a client ever turns on ``link_names``.
    """
    return _BROADCASTS.sub("@\u200b\\1", escape(trim(_one_line(text), limit)))


def _link(url: str | None, label: str) -> str:
    if not url or not url.startswith(("https://", "http://")):
        return ""
    safe = escape(url).replace("|", "%7C").replace(" ", "%20")
    return f"<{safe}|{label}>" if len(safe) <= URL_MAX else ""


def fmt_ratio(ratio: float) -> str:
    """``5.2x`` under ten, ``12x`` above.

    >>> fmt_ratio(5.21), fmt_ratio(12.4)
    ('5.2x', '12x')
    """
    return f"{ratio:.1f}x" if ratio < 10 else f"{ratio:.0f}x"


def fmt_duration(ms: int) -> str:
    """A bucket width in words.

    >>> fmt_duration(900_000), fmt_duration(3_600_000), fmt_duration(90_000)
    ('15 min', '1 h', '90 s')
    """
    if ms > 0 and ms % 3_600_000 == 0:
        return f"{ms // 3_600_000} h"
    if ms > 0 and ms % 60_000 == 0:
        return f"{ms // 60_000} min"
    return f"{ms / 1000:g} s"


def fmt_reach(followers: int) -> str:
    """Followers in short form.

    >>> fmt_reach(950), fmt_reach(12_345), fmt_reach(2_500_000)
    ('950', '12.3k', '2.5M')
    """
    if followers < 1000:
        return str(followers)
    if followers < 1_000_000:
        return f"{followers / 1000:.1f}k"
    return f"{followers / 1_000_000:.1f}M"


def fmt_time(ms: int) -> str:
    """UTC wall time of an epoch-ms instant.

    >>> fmt_time(1_700_000_000_000)
    '2023-11-14 22:13 UTC'
    """
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def ratio_sentence(event: AlertEvent) -> str:
    """The plain ratio first: how many times normal, observed and expected.

    Escaped text, safe for mrkdwn.
    """
    minutes = fmt_duration(event.window_end_ms - event.window_start_ms)
    observed = f"{round(event.observed):,}"
    if event.expected >= 1:
        expected = f"about {round(event.expected):,} expected"
    else:
        expected = "fewer than 1 expected"
    noun = "mention" if observed == "1" else "mentions"
    return f"{fmt_ratio(event.ratio)} normal: {observed} negative {noun} in {minutes}, {expected}"


def record_phrase(event: AlertEvent) -> str:
    """ "highest in N days" for a bucket above every day of the last N (or "")."""
    days = event.record_days
    return f"highest in {days} days" if days >= 2 else ""


def _split(counts: Mapping[str, int]) -> str:
    total = sum(v for v in counts.values() if v > 0)
    if total <= 0:
        return "n/a"
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = [f"{_user(k, 20)} {v / total:.0%}" for k, v in ranked[:SPLIT_MAX] if v > 0]
    rest = len([1 for _, v in ranked[SPLIT_MAX:] if v > 0])
    if rest:
        shown.append(f"+{rest} more")
    return " · ".join(shown)


def _status_word(event: AlertEvent) -> str:
    return {
        AlertStatus.FIRING: "Firing",
        AlertStatus.UPDATED: "Firing (updated)",
        AlertStatus.ESCALATED: "Escalated",
        AlertStatus.RESOLVED: "Resolved",
    }[event.status]


def _icon(event: AlertEvent) -> str:
    if event.status is AlertStatus.RESOLVED:
        return ":white_check_mark:"
    if event.severity is Severity.CRITICAL:
        return ":rotating_light:"
    return ":warning:"


def _next_steps(event: AlertEvent, acknowledged_by: str | None) -> list[str]:
    if event.status is AlertStatus.RESOLVED:
        return [
            "Open the review and write down cause, response and what to change.",
            "Keep an eye on the channel: a relapse opens a new incident.",
        ]
    steps = []
    if acknowledged_by is None:
        steps.append("*Acknowledge* if you own this, so the reminders stop.")
    if event.severity is Severity.CRITICAL:
        steps.append(
            "Read the samples for a common cause and tell the comms lead; "
            "prepare a holding statement."
        )
    else:
        steps.append("Read the samples and top terms for a common cause.")
    if event.top_author_share >= 0.5:
        steps.append(
            "A few authors write most of it: check for a coordinated campaign "
            "or bots before answering publicly."
        )
    steps.append("*Snooze 1 h* if this is expected (campaign, known outage).")
    return steps


def _sample_block(sample: Sample, index: int) -> Block:
    meta = []
    if sample.author:
        meta.append(f"*{_user(sample.author, NAME_MAX)}*")
    if sample.followers is not None:
        meta.append(f"{fmt_reach(sample.followers)} followers")
    if sample.source:
        meta.append(_user(sample.source, 30))
    meta.append(_user(sample.lang, 10))
    link = _link(sample.url, "open")
    if link:
        meta.append(link)
    text = f"> {_user(sample.text, SAMPLE_TEXT_MAX)}\n— " + " · ".join(meta)
    return {**_section(text), "block_id": f"{SAMPLE_BLOCK_PREFIX}{index}"}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(*texts: str) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": t} for t in texts],
    }


def _button(label: str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def _fields(event: AlertEvent, brand: str) -> list[str]:
    share = f"{event.share:.0%}"
    if event.total:
        share += f" of {event.total:,} mentions"
    authors = f"{event.authors:,} unique" if event.authors else "n/a"
    return [
        f"*Brand*\n{brand}",
        f"*Severity*\n{event.severity.value.capitalize()}",
        f"*Growth*\n{event.growth:+.0%} vs recent buckets",
        f"*Negative share*\n{share}",
        f"*Languages*\n{_split(event.languages)}",
        f"*Sources*\n{_split(event.sources)}",
        f"*Authors*\n{authors}",
        f"*Top 5 authors' share*\n{event.top_author_share:.0%}",
        f"*Window*\n{fmt_time(event.window_start_ms)} – {fmt_time(event.window_end_ms)[11:]}",
        f"*Score*\n{event.score:.1f}",
    ]


def _terms(event: AlertEvent) -> str:
    terms = [_user(t, TERM_MAX).replace("`", "'") for t in event.top_terms]
    terms = [f"`{t}`" for t in terms if t]
    return " · ".join(terms[:TERMS_MAX])


def render_root(
    event: AlertEvent,
    brand_name: str,
    *,
    acknowledged_by: str | None = None,
    state_note: str = "",
    review_url: str | None = None,
) -> tuple[str, list[Block]]:
    """The incident's root message as it should look now.

    `acknowledged_by` names who acknowledged, `state_note` adds one line of
    state (e.g. "Snoozed until 14:00 UTC"), `review_url` turns "Open review"
    into a link button (it still sends its click). The buttons' value is the
    incident id; the actions block's block_id carries the brand slug.
    """
    brand = _user(brand_name or event.brand, NAME_MAX)
    sentence = ratio_sentence(event)
    resolved = event.status is AlertStatus.RESOLVED
    plain_brand = trim(_one_line(brand_name or event.brand), NAME_MAX)
    if resolved:
        header = f"{_icon(event)} Resolved: {plain_brand} negative mentions"
        text = f"Resolved: {brand}: {sentence}"
    else:
        header = f"{_icon(event)} {plain_brand}: {fmt_ratio(event.ratio)} normal negative mentions"
        text = f"{event.severity.value.upper()}: {brand}: {sentence}"

    state = [f"*{_status_word(event)}*", f"since {fmt_time(event.onset_ms)}"]
    if not resolved and (record := record_phrase(event)):
        state.append(record)
    if acknowledged_by:
        state.append(f"acknowledged by *{_user(acknowledged_by, NAME_MAX)}*")
    elif not resolved:
        state.append("not acknowledged")
    summary = f"*{sentence}.*\n" + " · ".join(state)
    if state_note:
        summary += f"\n{_user(state_note, 300)}"

    blocks: list[Block] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": header, "emoji": True},
        },
        _section(summary),
    ]
    if event.baseline_young:
        blocks.append(
            _context(
                ":seedling: Young baseline: this brand has little history yet, "
                'so "normal" is still being learned. Treat the ratio with care.'
            )
        )
    blocks.append(
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": f} for f in _fields(event, brand)],
        }
    )
    terms = _terms(event)
    if terms:
        blocks.append(_section(f"*Top terms:* {terms}"))
    samples = event.samples[:SAMPLES_MAX]
    if samples:
        blocks.append({"type": "divider"})
        blocks.append(_section("*Sample mentions* (widest reach first)"))
        blocks.extend(_sample_block(s, i) for i, s in enumerate(samples))
    blocks.append({"type": "divider"})
    steps = "\n".join(f"• {s}" for s in _next_steps(event, acknowledged_by))
    blocks.append(_section(f"*What to do next*\n{steps}"))
    blocks.append(_actions(event, resolved=resolved, review_url=review_url))
    blocks.append(
        _context(
            f"Incident `{_user(event.incident_id, 120)}` · "
            f"detected {fmt_time(event.detected_at_ms)}"
        )
    )
    return trim(text, TEXT_MAX), fit_blocks(blocks)


def _actions(event: AlertEvent, *, resolved: bool, review_url: str | None) -> Block:
    value = event.incident_id
    review = _button("Open review", "review", value)
    if review_url and len(review_url) <= BUTTON_URL_MAX:
        review["url"] = review_url
    elements = [review]
    if not resolved:
        elements = [
            _button("Acknowledge", "ack", value, "primary"),
            _button("Snooze 1 h", "snooze", value),
            _button("Resolve", "resolve", value, "danger"),
            review,
        ]
    return {
        "type": "actions",
        "block_id": ACTIONS_BLOCK_PREFIX + event.brand,
        "elements": elements,
    }


_REASONS: Mapping[str, str] = {
    "anomaly": "still anomalous",
    "growth": "still growing",
    "rising": "rising",
    "easing": "easing",
    "recovered": "back to normal",
    "acknowledged": "acknowledged",
    "snoozed": "snoozed",
    "reminder": "still not acknowledged",
}


def render_reply(event: AlertEvent, brand_name: str) -> tuple[str, list[Block]]:
    """A thread reply for an `updated`, `escalated` or `resolved` event.

    Never mentions @channel or @here: escalations and resolutions are
    broadcast to the channel by the notifier, which is loud enough.
    """
    brand = _user(brand_name or event.brand, NAME_MAX)
    sentence = ratio_sentence(event)
    reason = _REASONS.get(event.reason, _user(event.reason, 60))
    if event.status is AlertStatus.RESOLVED:
        lead = f":white_check_mark: *Resolved*: {brand} is back to normal"
        detail = f"Last bucket: {sentence}."
        tail = "Open the review from the root message to write it up."
    elif event.status is AlertStatus.ESCALATED:
        lead = f":arrow_double_up: *Escalated to {event.severity.value}*: {brand}"
        detail = f"*{sentence}.* Growth {event.growth:+.0%} vs recent buckets."
        tail = ""
    else:
        word = "Update" if event.status is AlertStatus.UPDATED else "Firing"
        lead = f":information_source: *{word}*: {brand}"
        detail = f"*{sentence}.* Growth {event.growth:+.0%} vs recent buckets."
        tail = ""
    if event.status is not AlertStatus.RESOLVED and (record := record_phrase(event)):
        detail += f" {record.capitalize()}."
    if reason and event.status is not AlertStatus.RESOLVED:
        lead += f" ({reason})"
    text = f"{lead}\n{detail}"
    blocks: list[Block] = [_section(text)]
    context = []
    terms = _terms(event)
    if terms and event.status is not AlertStatus.RESOLVED:
        context.append(f"Top terms: {terms}")
    context.append(
        f"{fmt_time(event.window_start_ms)} – {fmt_time(event.window_end_ms)[11:]}"
        f" · languages {_split(event.languages)}"
    )
    if event.baseline_young:
        context.append(":seedling: young baseline: treat the ratio with care")
    blocks.append(_context(*context))
    if event.status is not AlertStatus.RESOLVED:
        samples = event.samples[:REPLY_SAMPLES_MAX]
        blocks.extend(_sample_block(s, i) for i, s in enumerate(samples))
    if tail:
        blocks.append(_context(tail))
    return trim(text, TEXT_MAX), fit_blocks(blocks)


# --- limits ---------------------------------------------------------------------


def _fit_text_object(obj: Any, limit: int) -> Any:
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        return {**obj, "text": trim(obj["text"], limit) or " "}
    return obj


def _fit_block(block: Block) -> Block:
    kind = block.get("type")
    out = dict(block)
    if isinstance(out.get("block_id"), str) and len(out["block_id"]) > BLOCK_ID_MAX:
        out["block_id"] = out["block_id"][:BLOCK_ID_MAX]
    if kind == "header":
        out["text"] = _fit_text_object(out.get("text"), HEADER_MAX)
    elif kind == "section":
        if "text" in out:
            out["text"] = _fit_text_object(out["text"], SECTION_TEXT_MAX)
        if isinstance(out.get("fields"), list):
            out["fields"] = [
                _fit_text_object(f, FIELD_TEXT_MAX) for f in out["fields"][:FIELDS_MAX]
            ]
    elif kind == "context" and isinstance(out.get("elements"), list):
        out["elements"] = [
            _fit_text_object(e, SECTION_TEXT_MAX) for e in out["elements"][:CONTEXT_ELEMENTS_MAX]
        ]
    elif kind == "actions" and isinstance(out.get("elements"), list):
        out["elements"] = [_fit_button(e) for e in out["elements"][:ACTIONS_ELEMENTS_MAX]]
    return out


def _fit_button(element: Any) -> Any:
    if not isinstance(element, dict) or element.get("type") != "button":
        return element
    out = dict(element)
    out["text"] = _fit_text_object(out.get("text"), BUTTON_TEXT_MAX)
    if isinstance(out.get("value"), str):
        out["value"] = out["value"][:ACTION_VALUE_MAX]
    if isinstance(out.get("url"), str) and len(out["url"]) > BUTTON_URL_MAX:
        del out["url"]
    return out


def blocks_chars(blocks: list[Block]) -> int:
    """All text characters of `blocks` (what ``msg_blocks_too_long`` counts)."""
    total = 0
    for block in blocks:
        for key in ("text",):
            obj = block.get(key)
            if isinstance(obj, dict) and isinstance(obj.get("text"), str):
                total += len(obj["text"])
        for key in ("fields", "elements"):
            for item in block.get(key) or ():
                if isinstance(item, dict):
                    inner = item.get("text")
                    if isinstance(inner, str):
                        total += len(inner)
                    elif isinstance(inner, dict) and isinstance(inner.get("text"), str):
                        total += len(inner["text"])
    return total


def fit_blocks(blocks: list[Block]) -> list[Block]:
    """Trim `blocks` into Slack's Block Kit limits and our total budget.

    Texts are cut (marked with an ellipsis) and lists shortened. When there
    are too many blocks or too much text, sample sections are dropped first
    (last one first), then blocks from the middle, always keeping the first
    two blocks (header, summary) and the trailing actions/context blocks.
    """
    fitted = [_fit_block(b) for b in blocks]

    def over() -> bool:
        return len(fitted) > BLOCKS_MAX or blocks_chars(fitted) > BLOCKS_CHARS_BUDGET

    while over():
        samples = [
            i
            for i, b in enumerate(fitted)
            if str(b.get("block_id", "")).startswith(SAMPLE_BLOCK_PREFIX)
        ]
        if not samples:
            break
        del fitted[samples[-1]]
    tail = 0
    while tail < min(len(fitted), 3) and fitted[-1 - tail].get("type") in {
        "actions",
        "context",
    }:
        tail += 1
    head = min(2, len(fitted) - tail)
    while len(fitted) > head + tail and over():
        del fitted[len(fitted) - tail - 1]
    return fitted
