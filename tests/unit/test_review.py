"""Post-incident reviews: the fold of alert events, the report and `streamproc incident`."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamproc import alerting, codec, report, review
from streamproc.alerting import AlertPolicy
from streamproc.cli import main
from streamproc.errors import InputFileError
from streamproc.model import (
    AlertEvent,
    AlertStatus,
    Sample,
    Severity,
    Verdict,
    WindowStats,
)

BUCKET = 900_000
T0 = 1_772_600_400_000  # 2026-03-04 05:00 UTC


def _verdict(i: int, observed: float, expected: float = 10.0, *, hot: bool) -> Verdict:
    window = WindowStats(
        brand="verdalia",
        start_ms=T0 + i * BUCKET,
        end_ms=T0 + (i + 1) * BUCKET,
        total=int(observed) * 2,
        negative=int(observed),
        by_lang={"es": int(observed) - 1, "ca": 1},
        by_source={"twitter": int(observed)},
        top_terms=(("lote", 5), ("retirada", 3)) if hot else (),
        samples=tuple(
            Sample(
                mention_id=f"m{i}{k}",
                text=f"yogur caducado {i} <script>alert(1)</script>",
                created_at_ms=T0 + i * BUCKET + 1,
                lang="es",
                author="<b>ana</b>",
                url=url,
                followers=100 + i,
                score=-0.5 - i / 100,
            )
            for k, url in enumerate((f"https://example.test/{i}", "javascript:alert(1)"))
        )
        if hot
        else (),
    )
    return Verdict(
        window=window,
        kind="anomalous" if hot else "normal",
        observed=observed,
        expected=expected,
        score=12.0 if hot else 0.5,
        severity=Severity.WARNING if hot else None,
    )


# (bucket, observed, hot); a surge that peaks at bucket 7 between two updates
SURGE = (
    [(i, 10.0, False) for i in range(4)]
    + [
        (4, 40.0, True),
        (5, 45.0, True),
        (6, 48.0, True),
        (7, 140.0, True),
        (8, 60.0, True),
        (9, 50.0, True),
        (10, 30.0, True),
    ]
    + [(i, 10.0, False) for i in range(11, 20)]
)


def run_incident(*, ack_after: int | None = None, actor: str = "U42") -> list[AlertEvent]:
    """The events the alert state machine makes of `SURGE`, optionally acknowledged."""
    policy = AlertPolicy(update_every=4, reminder_ms=0, escalate_factor=100.0)
    state = alerting.initial_alert_state()
    events: list[AlertEvent] = []
    for i, observed, hot in SURGE:
        state, new = alerting.transition(state, _verdict(i, observed, hot=hot), policy)
        events.extend(new)
        if ack_after is not None and i == ack_after:
            at = T0 + (i + 1) * BUCKET + 60_000
            state, new = alerting.apply_action(state, "acknowledge", at, policy, actor)
            events.extend(new)
    return events


def test_the_surge_makes_one_incident_with_a_peak_no_event_judged() -> None:
    events = run_incident()
    statuses = [e.status for e in events]
    assert statuses[0] is AlertStatus.FIRING
    assert statuses[-1] is AlertStatus.RESOLVED
    assert 140.0 not in {e.observed for e in events}, "the case needs a peak between events"
    incidents = review.fold(events)
    assert len(incidents) == 1
    (incident,) = incidents.values()
    t = review.timeline(incident)
    assert t.peak_observed == 140.0
    assert t.peak_ms == T0 + 7 * BUCKET
    assert t.onset_ms == T0 + 4 * BUCKET
    assert t.detected_ms == events[0].detected_at_ms
    assert t.acknowledged_ms is None
    assert t.resolution == "recovered"
    assert t.resolved_ms == events[-1].detected_at_ms


def test_acknowledgement_is_on_the_timeline_with_who() -> None:
    events = run_incident(ack_after=6, actor="U42")
    t = review.timeline(review.incident_of(events))
    assert t.acknowledged_ms == T0 + 7 * BUCKET + 60_000
    assert t.acknowledged_by == "U42"
    rows = {m: n for m, _, n in report.timeline_rows(t)}
    assert rows["acknowledgement"] == "by U42"


def test_a_manual_resolution_names_who_closed_it() -> None:
    policy = AlertPolicy(reminder_ms=0)
    state = alerting.initial_alert_state()
    events: list[AlertEvent] = []
    for i, observed, hot in SURGE[:8]:
        state, new = alerting.transition(state, _verdict(i, observed, hot=hot), policy)
        events.extend(new)
    state, new = alerting.apply_action(state, "resolve", T0 + 9 * BUCKET, policy, "U7")
    events.extend(new)
    t = review.timeline(review.incident_of(events))
    assert (t.resolution, t.resolved_by, t.resolved_ms) == ("manual", "U7", T0 + 9 * BUCKET)


@settings(max_examples=60, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(min_value=0, max_value=3))
def test_redelivered_and_shuffled_events_give_the_same_review(rnd: object, extra: int) -> None:
    import random

    assert isinstance(rnd, random.Random)
    events = run_incident(ack_after=5)
    delivered = events + [rnd.choice(events) for _ in range(extra)]
    rnd.shuffle(delivered)
    assert review.fold(delivered) == review.fold(events)
    assert report.as_dict(review.review(review.fold(delivered)[events[0].incident_id])) == (
        report.as_dict(review.review(review.incident_of(events)))
    )


def test_incidents_are_listed_in_onset_order_and_kept_apart() -> None:
    first = run_incident()
    later = [
        replace(
            e,
            incident_id="later",
            alert_id=e.alert_id + "x",
            onset_ms=e.onset_ms + 86_400_000,
            detected_at_ms=e.detected_at_ms + 86_400_000,
        )
        for e in first
    ]
    incidents = review.fold(later + first)
    assert list(incidents) == [first[0].incident_id, "later"]
    with pytest.raises(ValueError, match="2 incidents"):
        review.incident_of(first + later)
    with pytest.raises(ValueError, match="at least one"):
        review.incident_of([])


@pytest.mark.parametrize(
    ("wanted", "found"),
    [("abc123", "abc123"), ("abd", "abd999"), ("abc1", "abc123")],
)
def test_an_incident_is_found_by_id_or_unique_prefix(wanted: str, found: str) -> None:
    base = run_incident()[0]
    incidents = {
        k: review.incident_of([replace(base, incident_id=k)]) for k in ("abc123", "abd999")
    }
    assert review.find(incidents, wanted).incident_id == found


@pytest.mark.parametrize(
    ("wanted", "message"), [("ab", "matches 2"), ("zz", "no incident"), ("", "no")]
)
def test_an_unknown_or_ambiguous_id_says_so(wanted: str, message: str) -> None:
    base = run_incident()[0]
    incidents = {
        k: review.incident_of([replace(base, incident_id=k)]) for k in ("abc123", "abd999")
    }
    with pytest.raises(KeyError, match=message):
        review.find(incidents, wanted)


def test_the_review_merges_terms_samples_languages_and_the_curve() -> None:
    r = review.review(review.incident_of(run_incident()))
    assert r.top_terms[:2] == ("lote", "retirada")
    ids = [s.mention_id for s in r.samples]
    assert len(ids) == len(set(ids)) > 0
    assert [s.score for s in r.samples] == sorted(s.score for s in r.samples)
    assert dict(r.languages)["es"] > dict(r.languages)["ca"] > 0
    starts = [p.start_ms for p in r.curve]
    assert starts == sorted(set(starts))


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "0 min"),
        (59 * 60_000, "59 min"),
        (60 * 60_000, "1 h"),
        (135 * 60_000, "2 h 15 min"),
        (3 * 86_400_000 + 4 * 3_600_000, "3 d 4 h"),
        (-5, "0 min"),
    ],
)
def test_durations_read_as_people_say_them(ms: int, text: str) -> None:
    assert report.duration(ms) == text


def test_the_html_report_escapes_mentions_and_drops_unsafe_links() -> None:
    page = report.html_page(review.review(review.incident_of(run_incident())))
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "<b>ana</b>" not in page
    assert "&lt;b&gt;ana&lt;/b&gt;" in page
    assert "javascript:" not in page
    assert 'href="https://example.test/' in page
    assert page.count("<svg") == 1
    assert "<polyline" in page
    assert "onset" in page
    assert "resolved" in page


def test_the_markdown_and_json_reports_carry_the_timeline() -> None:
    r = review.review(review.incident_of(run_incident(ack_after=5)))
    md = report.markdown(r)
    for moment in ("onset", "detection", "acknowledgement", "peak", "resolution"):
        assert re.search(rf"^\| {moment} \| 2026-03-04 ", md, re.MULTILINE), moment
    assert "140 negative mentions, 14.0x normal" in md
    data = json.loads(report.render(r, "json"))
    assert data["timeline"]["peak_observed"] == 140.0
    assert data["timeline"]["acknowledged_by"] == "U42"
    assert len(data["events"]) == len(r.incident.events)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("r.md", "md"),
        ("r.MARKDOWN", "md"),
        ("r.html", "html"),
        ("r.htm", "html"),
        ("r.json", "json"),
    ],
)
def test_the_report_format_follows_the_file_name(name: str, fmt: str) -> None:
    assert report.format_for(Path(name)) == fmt


@pytest.mark.parametrize("name", ["r.pdf", "r", "r.txt"])
def test_an_unknown_report_format_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="unknown report format"):
        report.format_for(Path(name))


def test_peak_fields_survive_the_wire() -> None:
    events = run_incident()
    for e in events:
        assert codec.alert_from_dict(json.loads(codec.dumps(codec.alert_to_dict(e)))) == e
    old = codec.alert_to_dict(events[0])
    del old["peak_observed"], old["peak_at"]  # events written before these fields
    assert codec.alert_from_dict(old).peak_observed == 0.0


@pytest.mark.parametrize(
    ("lines", "where"),
    [
        ([b"{}"], ":1: not an alert event: missing field 'alert_id'"),
        ([b"", b"[1]"], ":2: not an alert event: not a JSON object"),
        ([b"{not json"], ":1: not an alert event"),
    ],
)
def test_a_bad_alerts_line_is_named(lines: list[bytes], where: str) -> None:
    with pytest.raises(InputFileError, match=re.escape(f"f.jsonl{where}")):
        codec.alerts_from_lines(lines, "f.jsonl")


# -- the command line -----------------------------------------------------------


@pytest.fixture
def alerts_file(tmp_path: Path) -> Path:
    path = tmp_path / "alerts.jsonl"
    events = run_incident(ack_after=5)
    path.write_bytes(b"".join(codec.dumps(codec.alert_to_dict(e)) + b"\n" for e in events))
    return path


def test_cli_lists_shows_and_writes_reports(
    alerts_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["incident", "list", "--alerts", str(alerts_file)]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 1
    assert "verdalia" in listed[0]
    assert "resolved" in listed[0]
    incident_id = listed[0].split()[0]
    assert main(["incident", "show", incident_id[:6], "--alerts", str(alerts_file)]) == 0
    assert "| acknowledgement |" in capsys.readouterr().out
    for suffix in ("md", "html", "json"):
        out = tmp_path / f"review.{suffix}"
        args = ["incident", "report", incident_id, "--out", str(out), "--alerts", str(alerts_file)]
        assert main(args) == 0
        assert out.stat().st_size > 500
    assert json.loads((tmp_path / "review.json").read_text())["incident_id"] == incident_id


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["incident", "show", "nope"], "no incident 'nope'"),
        (["incident", "report", "", "--out", "x.pdf"], "unknown report format"),
    ],
)
def test_cli_errors_are_one_line(
    alerts_file: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*args, "--alerts", str(alerts_file)]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_cli_without_alerts_or_broker_says_where_to_look(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("KAFKA_BROKER", raising=False)
    assert main(["incident", "list"]) == 1
    assert "give --alerts FILE, or set KAFKA_BROKER" in capsys.readouterr().err


def test_the_curve_has_every_bucket_from_before_the_onset_to_the_resolution() -> None:
    events = run_incident()
    r = review.review(review.incident_of(events))
    starts = [p.start_ms for p in r.curve]
    last = events[-1].window_start_ms
    first = T0 + max(0, 5 - alerting.CONTEXT_BUCKETS + 1) * BUCKET
    assert starts == list(range(first, last + BUCKET, BUCKET))
    assert {p.start_ms: p.observed for p in r.curve}[T0 + 7 * BUCKET] == 140.0


def test_a_long_incident_keeps_its_head_and_latest_buckets_only() -> None:
    policy = AlertPolicy(reminder_ms=0, update_every=1, update_change=0.01)
    state = alerting.initial_alert_state()
    events: list[AlertEvent] = []
    n = alerting.CURVE_MAX + 100
    for i in range(n):
        hot = i >= 2
        state, new = alerting.transition(state, _verdict(i, 40.0 + i % 7, hot=hot), policy)
        events.extend(new)
    curve = events[-1].curve
    assert len(curve) == alerting.CURVE_MAX
    assert curve[0][0] == T0
    assert curve[-1][0] == T0 + (n - 1) * BUCKET
    restored = alerting.alert_state_from_dict(alerting.alert_state_to_dict(state))
    assert restored == state


@pytest.mark.parametrize("bad", [{"curve": "x"}, {"curve": [[1, 2]]}, {"context": [["a", 1, 2]]}])
def test_a_bad_curve_in_a_stored_state_is_refused(bad: dict[str, object]) -> None:
    d = alerting.alert_state_to_dict(alerting.initial_alert_state())
    with pytest.raises(ValueError, match="alert state"):
        alerting.alert_state_from_dict({**d, **bad})
