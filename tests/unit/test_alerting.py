"""The alert state machine: lifecycle, anti-fatigue rules, actions, ids."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamproc.alerting import (
    AlertPolicy,
    AlertState,
    alert_id_for,
    alert_state_from_dict,
    alert_state_to_dict,
    apply_action,
    incident_id_for,
    initial_alert_state,
    transition,
)
from streamproc.model import (
    AlertEvent,
    AlertStatus,
    Sample,
    Severity,
    Verdict,
    VerdictKind,
    WindowStats,
)

B = 900_000
POLICY = AlertPolicy()


def verdict(
    i: int,
    kind: VerdictKind = "normal",
    *,
    observed: float = 10.0,
    expected: float = 10.0,
    score: float = 0.0,
    severity: Severity | None = None,
    brand: str = "acme",
) -> Verdict:
    neg = int(observed)
    window = WindowStats(
        brand=brand,
        start_ms=i * B,
        end_ms=(i + 1) * B,
        total=neg * 2,
        negative=neg,
        by_lang={"es": neg},
        by_source={"twitter": neg},
        top_terms=(("refund", 3), ("broken", 2)),
        samples=(Sample(mention_id="m1", text="awful", created_at_ms=i * B, lang="es"),),
        authors=3,
        top_author_share=0.5,
    )
    if kind == "anomalous" and severity is None:
        severity = Severity.WARNING
    return Verdict(
        window=window,
        kind=kind,
        observed=float(observed),
        expected=expected,
        score=score,
        severity=severity if kind == "anomalous" else None,
    )


def hot(i: int, observed: float = 40.0, score: float = 8.0, **kw: object) -> Verdict:
    return verdict(i, "anomalous", observed=observed, score=score, **kw)  # type: ignore[arg-type]


def run(
    verdicts: list[Verdict],
    policy: AlertPolicy = POLICY,
    state: AlertState | None = None,
) -> tuple[AlertState, list[AlertEvent]]:
    s = state or initial_alert_state()
    out: list[AlertEvent] = []
    for v in verdicts:
        s, events = transition(s, v, policy)
        out.extend(events)
    return s, out


def statuses(events: list[AlertEvent]) -> list[tuple[str, str]]:
    return [(e.status.value, e.reason) for e in events]


@pytest.mark.parametrize(
    ("pattern", "fires_at"),
    [
        ("HH", 1),  # 2 of 3
        ("H.H", 2),
        ("H..H", None),  # the two hot buckets are 4 apart: never 2 in 3
        ("...", None),
        ("H", None),
        (".HH", 2),
    ],
)
def test_persistence_n_of_m(pattern: str, fires_at: int | None) -> None:
    vs = [hot(i) if c == "H" else verdict(i) for i, c in enumerate(pattern)]
    s = initial_alert_state()
    fired = None
    for i, v in enumerate(vs):
        s, events = transition(s, v, POLICY)
        if events:
            fired = i
            assert events[0].status is AlertStatus.FIRING
            assert events[0].onset_ms == pattern.index("H") * B
            break
    assert fired == fires_at


@pytest.mark.parametrize(
    ("v", "fires"),
    [
        (hot(0, severity=Severity.CRITICAL), True),
        (hot(0, score=20.0), True),
        (hot(0, score=8.0), False),
        (hot(0, observed=3.0, severity=Severity.CRITICAL), False),  # min_volume
    ],
)
def test_single_bucket_fires_only_when_critical_or_extreme(v: Verdict, fires: bool) -> None:
    _, events = run([v])
    assert bool(events) is fires


def wide(width_ms: int, score: float) -> Verdict:
    """A hot bucket `width_ms` wide (the first of the brand's)."""
    v = hot(0, score=score)
    return replace(v, window=replace(v.window, end_ms=width_ms))


@pytest.mark.parametrize(
    ("v", "policy", "fires"),
    [
        (wide(3_600_000, 5.0), POLICY, True),  # an hour holds the surge itself
        (wide(86_400_000, 6.0), POLICY, True),  # so does a day
        (wide(3_600_000, 4.5), POLICY, False),  # under the wide bar: persistence
        (wide(1_800_000, 8.0), POLICY, False),  # a half-hour is not wide
        (wide(B, 8.0), POLICY, False),
        (wide(3_600_000, 8.0), replace(POLICY, wide_bucket_ms=0), False),  # rule off
    ],
)
def test_a_wide_bucket_opens_an_incident_alone_at_the_wide_bar(
    v: Verdict, policy: AlertPolicy, fires: bool
) -> None:
    _, events = run([v], policy)
    assert statuses(events) == ([("firing", "anomaly")] if fires else [])


def record(days: int, score: float) -> Verdict:
    """A hot bucket, the brand's highest in `days` days (the first of the brand's)."""
    return replace(hot(0, score=score), record_days=days)


@pytest.mark.parametrize(
    ("v", "policy", "fires"),
    [
        (record(14, 8.0), POLICY, True),  # not reached in two weeks: no blip
        (record(21, 9.0), POLICY, True),
        (record(13, 12.0), POLICY, False),  # reached within two weeks: persistence
        (record(21, 7.9), POLICY, False),  # under the record bar: persistence
        (record(21, 9.0), replace(POLICY, record_days=0), False),  # rule off
        (replace(record(21, 9.0), observed=4.0), POLICY, False),  # min_volume still holds
    ],
)
def test_a_record_bucket_opens_an_incident_alone_at_the_record_bar(
    v: Verdict, policy: AlertPolicy, fires: bool
) -> None:
    _, events = run([v], policy)
    assert statuses(events) == ([("firing", "anomaly")] if fires else [])


def test_firing_event_carries_the_numbers_and_context() -> None:
    v = hot(5, observed=44.0, severity=Severity.CRITICAL)
    _, (event,) = run([v])
    assert event.status is AlertStatus.FIRING
    assert event.severity is Severity.CRITICAL
    assert (event.observed, event.expected, event.score) == (44.0, 10.0, 8.0)
    assert event.languages == {"es": 44}
    assert event.sources == {"twitter": 44}
    assert event.top_terms == ("refund", "broken")
    assert event.samples[0].mention_id == "m1"
    assert event.detected_at_ms == 6 * B
    assert event.incident_id == incident_id_for("acme", 5 * B)
    assert event.alert_id == alert_id_for(event.incident_id, AlertStatus.FIRING, 5 * B)
    assert (event.total, event.authors, event.top_author_share) == (88, 3, 0.5)


def test_resolves_only_after_k_quiet_buckets_and_hysteresis() -> None:
    # Scores between clear_score and the threshold are not quiet: no resolve.
    vs = [hot(0), hot(1)]
    vs += [verdict(i, score=4.0) for i in range(2, 12)]
    s, events = run(vs)
    assert s.phase == "active"
    assert AlertStatus.RESOLVED not in [e.status for e in events]
    quiet = [verdict(i, score=0.5) for i in range(12, 12 + POLICY.resolve_after)]
    s, more = run(quiet, state=s)
    assert s.phase == "idle"
    assert [e.status for e in more][-1] is AlertStatus.RESOLVED
    assert more[-1].reason == "recovered"


def test_flapping_level_is_one_incident() -> None:
    pattern = "HH.H.H..H.HH" + "." * 6
    vs = [hot(i) if c == "H" else verdict(i) for i, c in enumerate(pattern)]
    _, events = run(vs)
    firing = [e for e in events if e.status is AlertStatus.FIRING]
    resolved = [e for e in events if e.status is AlertStatus.RESOLVED]
    assert len(firing) == 1
    assert len(resolved) == 1
    assert {e.incident_id for e in events} == {firing[0].incident_id}


def test_escalation_and_acknowledged_escalation() -> None:
    vs = [hot(0), hot(1), hot(2, observed=45.0, severity=Severity.CRITICAL)]
    _, events = run(vs)
    assert statuses(events) == [("firing", "anomaly"), ("escalated", "escalated")]

    s, _ = run(vs[:2])
    s, ack = apply_action(s, "acknowledge", 2 * B, POLICY, actor="ana")
    assert statuses(list(ack)) == [("updated", "acknowledged")]
    assert s.acknowledged_by == "ana"
    _, later = run(vs[2:], state=s)
    assert statuses(later) == [("updated", "escalated")]
    assert later[0].severity is Severity.CRITICAL


def test_escalates_on_growth_factor() -> None:
    vs = [hot(0, observed=20.0), hot(1, observed=20.0), hot(2, observed=65.0)]
    _, events = run(vs)
    assert events[-1].status is AlertStatus.ESCALATED


def test_updates_on_change_and_reminders_stop_when_acknowledged() -> None:
    vs = [hot(0), hot(1)] + [hot(i, observed=40.0) for i in range(2, 9)]
    _, events = run(vs)
    # No material change: only a reminder after reminder_ms (4 buckets).
    assert statuses(events) == [("firing", "anomaly"), ("updated", "reminder")]

    vs2 = [hot(0), hot(1)] + [hot(i, observed=90.0) for i in range(2, 7)]
    _, events2 = run(vs2, policy=replace(POLICY, reminder_ms=0, escalate_factor=99.0))
    assert statuses(events2) == [("firing", "anomaly"), ("updated", "rising")]
    # The same move down says the surge is easing: the header stays "critical"
    # (the severity never goes down), so the reason carries the direction.
    vs3 = [hot(0), hot(1)] + [hot(i, observed=15.0) for i in range(2, 7)]
    _, events3 = run(vs3, policy=replace(POLICY, reminder_ms=0))
    assert statuses(events3) == [("firing", "anomaly"), ("updated", "easing")]

    s, _ = run(vs[:2])
    s, _ = apply_action(s, "acknowledge", 2 * B, POLICY)
    _, after_ack = run(vs[2:], state=s)
    assert after_ack == []


def test_snooze_mutes_then_announces_if_still_active() -> None:
    s, _ = apply_action(initial_alert_state(), "snooze", 0, POLICY)
    assert s.snoozed_until_ms == POLICY.snooze_ms
    s, events = run([hot(0), hot(1), hot(2)], state=s)
    assert events == []
    assert s.phase == "active"
    assert not s.announced
    s, events = run([hot(i) for i in range(3, 6)], state=s)
    assert statuses(events) == [("firing", "snooze_ended")]
    assert events[0].onset_ms == 0


def test_incident_that_ends_within_a_snooze_is_never_announced() -> None:
    s, _ = apply_action(initial_alert_state(), "snooze", 0, replace(POLICY, snooze_ms=20 * B))
    vs = [hot(0), hot(1)] + [verdict(i) for i in range(2, 10)]
    s, events = run(vs, state=s)
    assert events == []
    assert s.phase == "idle"


def test_snooze_of_an_announced_incident_holds_updates_but_not_resolve() -> None:
    s, _ = run([hot(0), hot(1)])
    s, ev = apply_action(s, "snooze", 2 * B, POLICY)
    assert statuses(list(ev)) == [("updated", "snoozed")]
    s, events = run(
        [hot(2, severity=Severity.CRITICAL)] + [verdict(i) for i in range(3, 7)],
        state=s,
    )
    assert statuses(events) == [("resolved", "recovered")]


def test_manual_resolve_closes_and_waits_for_quiet_before_rearming() -> None:
    s, _ = run([hot(0), hot(1)])
    s, events = apply_action(s, "resolve", 2 * B, POLICY, actor="ana")
    assert statuses(list(events)) == [("resolved", "manual")]
    assert s.phase == "idle"
    # Still hot (critical): no new incident until it has been quiet a while.
    s, again = run([hot(i, severity=Severity.CRITICAL) for i in range(2, 8)], state=s)
    assert again == []
    s, _ = run([verdict(i) for i in range(8, 8 + POLICY.resolve_after)], state=s)
    # Re-armed, but in the cooldown: a critical bucket above the last peak (40).
    _, same = run([hot(20, severity=Severity.CRITICAL)], state=s)
    assert same == []
    s, new = run([hot(20, observed=60.0, severity=Severity.CRITICAL)], state=s)
    assert statuses(new) == [("firing", "anomaly")]


def test_cooldown_blocks_warning_but_not_critical() -> None:
    s, _ = run([hot(0), hot(1)] + [verdict(i) for i in range(2, 6)])
    assert s.phase == "idle"
    _, ev_warn = run([hot(6), hot(7)], state=s)
    assert ev_warn == []
    _, ev_crit = run([hot(6, observed=60.0, severity=Severity.CRITICAL)], state=s)
    assert statuses(ev_crit) == [("firing", "anomaly")]


@pytest.mark.parametrize(
    ("factor", "observed", "fires"),
    [
        (1.0, 30.0, False),  # an aftershock below the last incident's peak (60): held
        (1.0, 60.0, False),  # only as big as the last one: not a bigger wave
        (1.0, 61.0, True),
        (1.0, 90.0, True),
        (0.0, 30.0, True),  # factor 0: any critical bucket opens in the cooldown
        (1.25, 61.0, False),  # the shipped factor: a wave a quarter bigger (75) or more
        (1.25, 75.0, False),
        (1.25, 76.0, True),
    ],
)
def test_in_the_cooldown_a_critical_bucket_must_top_the_last_peak(
    factor: float, observed: float, fires: bool
) -> None:
    policy = replace(POLICY, cooldown_critical_factor=factor)
    first = [hot(0, observed=40.0), hot(1, observed=60.0)] + [verdict(i) for i in range(2, 6)]
    s, _ = run(first, policy)
    assert (s.phase, s.prev_peak_observed) == ("idle", 60.0)
    back = alert_state_from_dict(json.loads(json.dumps(alert_state_to_dict(s))))
    assert back.prev_peak_observed == 60.0
    _, events = run([hot(8, observed=observed, severity=Severity.CRITICAL)], policy, back)
    assert (("firing", "anomaly") in statuses(events)) is fires


def test_an_event_says_how_many_days_its_bucket_is_the_highest_in() -> None:
    v = replace(hot(1), record_days=12)
    _, events = run([hot(0), v])
    assert [e.record_days for e in events] == [12]


NOVEL = AlertPolicy(cooldown_ms=0, novelty_halflife_ms=10 * B, novelty_factor=1.0)


@pytest.mark.parametrize(
    ("gap", "score", "fires"),
    [
        (2, 20.0, False),  # an aftershock, less surprising than the peak: no page
        (2, 45.0, True),  # more surprising than the last incident: page
        (12, 20.0, True),  # ten buckets later the bar has halved (40 -> about 18)
    ],
)
def test_novelty_rule_pages_again_only_for_a_comparable_surprise(
    gap: int, score: float, fires: bool
) -> None:
    s, first = run(
        [hot(0, score=40.0), hot(1, score=40.0)] + [verdict(i) for i in range(2, 6)], NOVEL
    )
    assert statuses(first)[0] == ("firing", "anomaly")
    assert s.phase == "idle"
    assert s.prev_peak_score == 40.0
    start = 5 + gap
    _, events = run([hot(start, score=score), hot(start + 1, score=score)], NOVEL, s)
    assert (("firing", "anomaly") in statuses(events)) is fires


def test_novelty_rule_off_by_default_and_survives_the_codec() -> None:
    no_cooldown = replace(POLICY, cooldown_ms=0)
    quiet = [verdict(i) for i in range(2, 6)]
    s, _ = run([hot(0, score=40.0), hot(1, score=40.0), *quiet], no_cooldown)
    _, events = run([hot(8, score=5.0), hot(9, score=5.0)], no_cooldown, s)
    assert statuses(events) == [("firing", "anomaly")]
    back = alert_state_from_dict(json.loads(json.dumps(alert_state_to_dict(s))))
    assert (back.prev_peak_score, back.prev_peak_ms) == (s.prev_peak_score, s.prev_peak_ms)


@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
def test_actions_on_idle_do_nothing(action: str) -> None:
    s0 = initial_alert_state()
    s, events = apply_action(s0, action, 0, POLICY)
    assert (s, events) == (s0, ())


def test_unknown_action_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown alert action 'archive'"):
        apply_action(initial_alert_state(), "archive", 0, POLICY)


def test_redelivered_bucket_changes_nothing() -> None:
    s, _ = run([hot(0), hot(1)])
    again, events = transition(s, hot(1), POLICY)
    assert (again, events) == (s, ())


def test_ids_are_deterministic_and_distinct() -> None:
    a = incident_id_for("acme", 1000)
    assert a == incident_id_for("acme", 1000)
    assert len(a) == 16
    assert int(a, 16) >= 0
    assert a != incident_id_for("acme", 1001)
    assert a != incident_id_for("acmf", 1000)
    ids = {alert_id_for(a, status, 0) for status in AlertStatus}
    assert len(ids) == len(AlertStatus)


def test_state_dict_round_trip_through_json() -> None:
    s, _ = run([hot(0), hot(1), hot(2, severity=Severity.CRITICAL)])
    s, _ = apply_action(s, "acknowledge", 3 * B, POLICY, actor="ana")
    d = json.loads(json.dumps(alert_state_to_dict(s)))
    assert d["v"] == 1
    assert alert_state_from_dict(d) == s


@pytest.mark.parametrize(
    "bad",
    [{"v": 99}, {"v": 1, "phase": "sleeping"}, {"v": 1, "quiet_run": "x"}],
)
def test_bad_state_dict_is_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="alert state"):
        alert_state_from_dict(bad)


# -- properties ---------------------------------------------------------------

STEP = st.one_of(
    st.tuples(
        st.just("verdict"),
        st.sampled_from(["warming_up", "normal", "anomalous"]),
        st.sampled_from([None, Severity.WARNING, Severity.CRITICAL]),
        st.floats(min_value=0, max_value=40),
        st.integers(min_value=0, max_value=200),
    ),
    st.tuples(
        st.just("action"),
        st.sampled_from(["acknowledge", "snooze", "resolve"]),
        st.none(),
        st.just(0.0),
        st.just(0),
    ),
)


def replay(
    steps: list[tuple[str, str, Severity | None, float, int]],
) -> list[AlertEvent]:
    s = initial_alert_state()
    out: list[AlertEvent] = []
    for i, (what, kind, sev, score, obs) in enumerate(steps):
        if what == "action":
            s, events = apply_action(s, kind, i * B + 1, POLICY, actor="x")
        else:
            v = verdict(i, kind, observed=obs, score=score, severity=sev)  # type: ignore[arg-type]
            s, events = transition(s, v, POLICY)
        # The state always survives its own codec.
        assert alert_state_from_dict(json.loads(json.dumps(alert_state_to_dict(s)))) == s
        out.extend(events)
    return out


@settings(max_examples=150, deadline=None)
@given(st.lists(STEP, max_size=60))
def test_every_state_and_input_has_a_transition_and_lifecycles_are_well_formed(
    steps: list[tuple[str, str, Severity | None, float, int]],
) -> None:
    events = replay(steps)
    open_incident: str | None = None
    seen: set[str] = set()
    for e in events:
        assert e.alert_id not in seen
        seen.add(e.alert_id)
        if e.status is AlertStatus.FIRING:
            assert open_incident is None
            open_incident = e.incident_id
        else:
            assert e.incident_id == open_incident
            if e.status is AlertStatus.RESOLVED:
                open_incident = None
    # Replaying the same input gives the same events.
    assert replay(steps) == events
