"""Block Kit rendering of an incident's root and thread replies (pure)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.adapters.slack_double import validate_blocks
from agents.adapters.slack_render import (
    ACTIONS_BLOCK_PREFIX,
    BLOCKS_CHARS_BUDGET,
    BLOCKS_MAX,
    HEADER_MAX,
    SECTION_TEXT_MAX,
    TEXT_MAX,
    blocks_chars,
    fit_blocks,
    ratio_sentence,
    render_reply,
    render_root,
)
from streamproc.model import AlertEvent, AlertStatus, Sample, Severity

END_MS = 1_700_000_100_000
MIN_MS = 60_000


def sample(i: int = 0, **kw: Any) -> Sample:
    base: dict[str, Any] = {
        "mention_id": f"m{i}",
        "text": f"the app lost my order again #{i}",
        "created_at_ms": END_MS - 1000,
        "lang": "en",
        "source": "twitter",
        "author": f"user{i}",
        "url": f"https://x.example/status/{i}",
        "followers": 12_345,
        "score": -0.8,
    }
    base.update(kw)
    return Sample(**base)


def event(**kw: Any) -> AlertEvent:
    base: dict[str, Any] = {
        "alert_id": "al-1",
        "incident_id": "acme-1700000000000",
        "brand": "acme",
        "status": AlertStatus.FIRING,
        "severity": Severity.CRITICAL,
        "window_start_ms": END_MS - 15 * MIN_MS,
        "window_end_ms": END_MS,
        "observed": 455.0,
        "expected": 87.6,
        "score": 7.3,
        "growth": 1.2,
        "share": 0.38,
        "onset_ms": END_MS - 15 * MIN_MS,
        "detected_at_ms": END_MS,
        "languages": {"en": 300, "fr": 155},
        "sources": {"twitter": 400, "news": 55},
        "top_terms": ("refund", "outage", "app"),
        "samples": tuple(sample(i) for i in range(4)),
        "authors": 310,
        "top_author_share": 0.12,
        "total": 1200,
        "reason": "anomaly",
    }
    base.update(kw)
    return AlertEvent(**base)


def all_text(text: str, blocks: list[dict[str, Any]]) -> str:
    return text + "\n" + json.dumps(blocks, ensure_ascii=False)


def assert_within_limits(text: str, blocks: list[dict[str, Any]]) -> None:
    assert validate_blocks(blocks) == []
    assert len(blocks) <= BLOCKS_MAX
    assert blocks_chars(blocks) <= BLOCKS_CHARS_BUDGET
    assert 0 < len(text) <= TEXT_MAX
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= HEADER_MAX
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= SECTION_TEXT_MAX


@pytest.mark.parametrize(
    ("observed", "expected", "width_ms", "sentence"),
    [
        (455, 87.6, 15 * MIN_MS, "5.2x normal: 455 negative mentions in 15 min, about 88 expected"),
        (1500, 100, 60 * MIN_MS, "15x normal: 1,500 negative mentions in 1 h, about 100 expected"),
        (12, 0.4, 5 * MIN_MS, "12x normal: 12 negative mentions in 5 min, fewer than 1 expected"),
        (30, 20, 90_000, "1.5x normal: 30 negative mentions in 90 s, about 20 expected"),
        (1, 2, 15 * MIN_MS, "0.5x normal: 1 negative mention in 15 min, about 2 expected"),
    ],
)
def test_ratio_sentence(observed: float, expected: float, width_ms: int, sentence: str) -> None:
    ev = event(observed=observed, expected=expected, window_start_ms=END_MS - width_ms)
    assert ratio_sentence(ev) == sentence


def test_root_puts_the_plain_ratio_first() -> None:
    text, blocks = render_root(event(), "Acme Corp")
    sentence = "5.2x normal: 455 negative mentions in 15 min, about 88 expected"
    assert text == f"CRITICAL: Acme Corp: {sentence}"
    assert blocks[0]["type"] == "header"
    assert "5.2x normal" in blocks[0]["text"]["text"]
    assert blocks[1]["text"]["text"].startswith(f"*{sentence}.*")


def test_root_carries_the_facts_a_pr_person_needs() -> None:
    _, blocks = render_root(event(), "Acme Corp")
    fields = next(b["fields"] for b in blocks if "fields" in b)
    shown = "\n".join(f["text"] for f in fields)
    for fact in (
        "*Brand*\nAcme Corp",
        "*Severity*\nCritical",
        "*Growth*\n+120%",
        "en 66% · fr 34%",
        "twitter 88% · news 12%",
        "310 unique",
        "*Top 5 authors' share*\n12%",
        "38% of 1,200 mentions",
    ):
        assert fact in shown
    body = json.dumps(blocks, ensure_ascii=False)
    assert "`refund` · `outage` · `app`" in body
    assert "*What to do next*" in body
    assert "*user0* · 12.3k followers · twitter · en · <https://x.example/status/0|open>" in body


@pytest.mark.parametrize(("available", "shown"), [(0, 0), (2, 2), (3, 3), (5, 5), (9, 5)])
def test_root_shows_up_to_five_samples(available: int, shown: int) -> None:
    ev = event(samples=tuple(sample(i) for i in range(available)))
    _, blocks = render_root(ev, "Acme")
    samples = [b for b in blocks if str(b.get("block_id", "")).startswith("sample-")]
    assert len(samples) == shown


@pytest.mark.parametrize("young", [True, False])
def test_young_baseline_note(young: bool) -> None:
    for text, blocks in (
        render_root(event(baseline_young=young), "Acme"),
        render_reply(event(baseline_young=young, status=AlertStatus.UPDATED), "Acme"),
    ):
        assert ("oung baseline" in all_text(text, blocks)) is young


@pytest.mark.parametrize(("days", "said"), [(0, False), (1, False), (2, True), (21, True)])
def test_the_highest_in_n_days_is_said_from_two_days_on(days: int, said: bool) -> None:
    for text, blocks in (
        render_root(event(record_days=days), "Acme"),
        render_reply(event(record_days=days, status=AlertStatus.ESCALATED), "Acme"),
    ):
        assert (f"ighest in {days} days" in all_text(text, blocks)) is said
    _, resolved = render_root(event(record_days=days, status=AlertStatus.RESOLVED), "Acme")
    assert "ighest in" not in all_text("", resolved)


def test_root_buttons_carry_incident_and_brand() -> None:
    _, blocks = render_root(event(), "Acme")
    actions = next(b for b in blocks if b["type"] == "actions")
    assert actions["block_id"] == ACTIONS_BLOCK_PREFIX + "acme"
    assert [e["action_id"] for e in actions["elements"]] == ["ack", "snooze", "resolve", "review"]
    assert [e["text"]["text"] for e in actions["elements"]] == [
        "Acknowledge",
        "Snooze 1 h",
        "Resolve",
        "Open review",
    ]
    assert {e["value"] for e in actions["elements"]} == {"acme-1700000000000"}


def test_review_button_links_when_given_a_url() -> None:
    _, blocks = render_root(event(), "Acme", review_url="https://sp.example/incidents/x")
    review = next(b for b in blocks if b["type"] == "actions")["elements"][-1]
    assert review["url"] == "https://sp.example/incidents/x"


ALL_BUTTONS = {"ack", "snooze", "resolve", "review"}


@pytest.mark.parametrize(
    ("status", "ack", "note", "expect", "buttons"),
    [
        (AlertStatus.FIRING, None, "", "*Firing* · since", {"ack", "snooze", "resolve", "review"}),
        (AlertStatus.FIRING, None, "", "not acknowledged", {"ack", "snooze", "resolve", "review"}),
        (
            AlertStatus.ESCALATED,
            "alice",
            "",
            "acknowledged by *alice*",
            {"ack", "snooze", "resolve", "review"},
        ),
        (
            AlertStatus.UPDATED,
            None,
            "Snoozed until 14:00 UTC",
            "Snoozed until 14:00 UTC",
            {"ack", "snooze", "resolve", "review"},
        ),
        (AlertStatus.RESOLVED, "bob", "", "*Resolved*", {"review"}),
    ],
)
def test_root_shows_the_current_state(
    status: AlertStatus, ack: str | None, note: str, expect: str, buttons: set[str]
) -> None:
    text, blocks = render_root(event(status=status), "Acme", acknowledged_by=ack, state_note=note)
    assert expect in blocks[1]["text"]["text"]
    actions = next(b for b in blocks if b["type"] == "actions")
    assert {e["action_id"] for e in actions["elements"]} == buttons
    if status is AlertStatus.RESOLVED:
        assert text.startswith("Resolved: Acme")
        assert ":white_check_mark:" in blocks[0]["text"]["text"]


MENTIONS = ("<!channel>", "<!here>", "<!everyone>", "@channel", "@here")


@pytest.mark.parametrize(
    "status", [AlertStatus.RESOLVED, AlertStatus.ESCALATED, AlertStatus.UPDATED]
)
def test_replies_never_mention_the_channel(status: AlertStatus) -> None:
    hostile = sample(0, text="<!channel> @channel wake up <!here>", author="<!everyone>")
    text, blocks = render_reply(event(status=status, samples=(hostile,)), "Acme")
    rendered = all_text(text, blocks)
    for mention in MENTIONS:
        assert mention not in rendered
    assert "&lt;!channel&gt;" in rendered or status is AlertStatus.RESOLVED


def test_root_escapes_user_content() -> None:
    hostile = sample(0, text="<!channel> <https://evil.example|click> & more", author="<!here>")
    text, blocks = render_root(event(samples=(hostile,), top_terms=("<!everyone>",)), "A<B>")
    rendered = all_text(text, blocks)
    assert "<!channel>" not in rendered
    assert "<!here>" not in rendered
    assert "<!everyone>" not in rendered
    assert "&lt;https://evil.example|click&gt; &amp; more" in rendered


@pytest.mark.parametrize(
    ("status", "severity", "lead"),
    [
        (
            AlertStatus.ESCALATED,
            Severity.CRITICAL,
            ":arrow_double_up: *Escalated to critical*: Acme",
        ),
        (AlertStatus.UPDATED, Severity.WARNING, ":information_source: *Update*: Acme"),
        (
            AlertStatus.RESOLVED,
            Severity.WARNING,
            ":white_check_mark: *Resolved*: Acme is back to normal",
        ),
    ],
)
def test_reply_leads_with_the_change(status: AlertStatus, severity: Severity, lead: str) -> None:
    text, blocks = render_reply(event(status=status, severity=severity), "Acme")
    assert text.startswith(lead)
    assert "5.2x normal: 455 negative mentions in 15 min, about 88 expected" in text
    assert blocks[0]["text"]["text"] == text
    assert_within_limits(text, blocks)


@pytest.mark.parametrize("way", ["rising", "easing"])
def test_an_update_says_which_way_the_count_moved(way: str) -> None:
    ev = event(status=AlertStatus.UPDATED, reason=way, observed=30.0, expected=40.0)
    text, _ = render_reply(ev, "Acme")
    assert text.startswith(f":information_source: *Update*: Acme ({way})")
    assert "0.8x normal: 30 negative mentions" in text


def test_fit_blocks_drops_from_the_middle_and_keeps_head_and_actions() -> None:
    head = [
        {"type": "header", "text": {"type": "plain_text", "text": "H" * 400}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "summary"}},
    ]
    middle = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"row {i}"}} for i in range(80)
    ]
    tail = [
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "B" * 100},
                    "action_id": "ack",
                    "value": "v" * 5000,
                }
            ],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "footer"}] * 14},
    ]
    fitted = fit_blocks(head + middle + tail)
    assert len(fitted) == BLOCKS_MAX
    assert fitted[0]["type"] == "header"
    assert len(fitted[0]["text"]["text"]) == HEADER_MAX
    assert fitted[1]["text"]["text"] == "summary"
    assert [b["type"] for b in fitted[-2:]] == ["actions", "context"]
    button = fitted[-2]["elements"][0]
    assert len(button["text"]["text"]) == 75
    assert len(button["value"]) == 2000
    assert len(fitted[-1]["elements"]) == 10
    assert validate_blocks(fitted) == []


def test_fit_blocks_caps_fields() -> None:
    block = {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": "x" * 2500} for _ in range(14)],
    }
    (fitted,) = fit_blocks([block])
    assert len(fitted["fields"]) == 10
    assert all(len(f["text"]) == 2000 for f in fitted["fields"])


def test_huge_event_is_trimmed_not_refused() -> None:
    long = "&<>é😀 " * 5000
    ev = event(
        samples=tuple(
            sample(i, text=long, author=long, url="https://x.example/" + "a" * 4000)
            for i in range(40)
        ),
        top_terms=tuple(long for _ in range(60)),
        languages={f"l{i}{long[:50]}": i + 1 for i in range(40)},
        sources={f"s{i}{long[:50]}": i + 1 for i in range(40)},
        incident_id="i" * 3000,
        brand="b" * 300,
    )
    for text, blocks in (
        render_root(
            ev, long, acknowledged_by=long, state_note=long, review_url="https://r." + "x" * 4000
        ),
        render_reply(replace(ev, status=AlertStatus.ESCALATED), long),
        render_reply(replace(ev, status=AlertStatus.RESOLVED), long),
    ):
        assert_within_limits(text, blocks)


_chunks = st.sampled_from(["a", "&", "<", ">", "é", "😀", " ", "\n", "*", "`", "|", "x" * 50])
_texts = st.lists(_chunks, max_size=400).map("".join)


@settings(max_examples=60, deadline=None)
@given(
    brand_name=_texts,
    texts=st.lists(_texts, max_size=12),
    terms=st.lists(_texts, max_size=30),
    note=_texts,
    status=st.sampled_from(list(AlertStatus)),
    observed=st.floats(min_value=0, max_value=1e9),
    expected=st.floats(min_value=0, max_value=1e9),
    young=st.booleans(),
)
def test_any_event_renders_within_block_kit_limits(
    brand_name: str,
    texts: list[str],
    terms: list[str],
    note: str,
    status: AlertStatus,
    observed: float,
    expected: float,
    young: bool,
) -> None:
    ev = event(
        status=status,
        observed=observed,
        expected=expected,
        baseline_young=young,
        top_terms=tuple(terms),
        samples=tuple(sample(i, text=t * 20, author=t) for i, t in enumerate(texts)),
    )
    assert_within_limits(
        *render_root(ev, brand_name, acknowledged_by=note or None, state_note=note)
    )
    assert_within_limits(*render_reply(ev, brand_name))
