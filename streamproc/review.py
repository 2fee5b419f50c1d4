"""Post-incident reviews: incidents folded from their alert events.

The `alerts` topic already records everything a review needs (onset,
detection, each escalation, who acknowledged, the peak, the resolution), so a
review is a pure fold of those events. The CLI builds it from the topic or
from a backtest's output, and both give the same timeline for the same
events. Delivery is at least once, so events are deduplicated by `alert_id`,
and their order comes from event time, not from arrival.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from streamproc.model import AlertEvent, AlertStatus, Incident, Sample

_STATUS_ORDER = {
    AlertStatus.FIRING: 0,
    AlertStatus.ESCALATED: 1,
    AlertStatus.UPDATED: 2,
    AlertStatus.RESOLVED: 3,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeline:
    """The moments a review asks about, in event time (ms)."""

    onset_ms: int
    """Start of the first hot bucket."""
    detected_ms: int
    """When the incident was announced (its first event)."""
    acknowledged_ms: int | None
    acknowledged_by: str
    peak_ms: int
    peak_observed: float
    peak_expected: float
    """The baseline of the peak bucket, when an event saw that bucket (else the
    closest event's baseline)."""
    escalated_ms: int | None
    resolved_ms: int | None
    resolution: str
    """"recovered" (back to normal for a while), "manual" (a person), or "" (open)."""
    resolved_by: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CurvePoint:
    """One bucket seen by an event: the volume curve of the report."""

    start_ms: int
    observed: float
    expected: float

    @property
    def ratio(self) -> float:
        """Observed over expected ("N x normal"); expected floored at 1, as alerts show it."""
        return self.observed / max(self.expected, 1.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Review:
    """Everything the report shows, computed once from the incident."""

    incident: Incident
    timeline: Timeline
    curve: tuple[CurvePoint, ...]
    languages: tuple[tuple[str, int], ...]
    sources: tuple[tuple[str, int], ...]
    top_terms: tuple[str, ...]
    samples: tuple[Sample, ...]


def event_order(event: AlertEvent) -> tuple[int, int, int, str]:
    """Sort key of an incident's events: event time, then lifecycle, then id (a total order)."""
    return (
        event.detected_at_ms,
        _STATUS_ORDER[event.status],
        event.window_start_ms,
        event.alert_id,
    )


def incident_of(events: Iterable[AlertEvent]) -> Incident:
    """The incident of events that all share one `incident_id`.

    Raises ValueError on no events or on events of several incidents: mixing
    them would be a bug in the caller, not bad input.
    """
    unique: dict[str, AlertEvent] = {}
    for event in events:
        unique.setdefault(event.alert_id, event)
    ordered = tuple(sorted(unique.values(), key=event_order))
    if not ordered:
        msg = "an incident needs at least one event"
        raise ValueError(msg)
    ids = {e.incident_id for e in ordered}
    if len(ids) > 1:
        msg = f"events of {len(ids)} incidents given as one: {sorted(ids)}"
        raise ValueError(msg)
    peak_observed, peak_at = _peak(ordered)
    severity = max((e.severity for e in ordered), key=lambda s: s.rank)
    resolved = next((e for e in ordered if e.status is AlertStatus.RESOLVED), None)
    return Incident(
        incident_id=ordered[0].incident_id,
        brand=ordered[0].brand,
        events=ordered,
        opened_at_ms=ordered[0].detected_at_ms,
        peak_observed=peak_observed,
        peak_at_ms=peak_at,
        severity=severity,
        resolved_at_ms=None if resolved is None else resolved.detected_at_ms,
    )


def _peak(events: Sequence[AlertEvent]) -> tuple[float, int]:
    """The largest bucket: from the events' own peak and their curve, first one on ties."""
    candidates = [(e.peak_observed, e.peak_at_ms) for e in events if e.peak_at_ms]
    candidates += [(p.observed, p.start_ms) for p in _curve(events)]
    if not candidates:
        return events[0].observed, events[0].window_start_ms
    return max(candidates, key=lambda c: (c[0], -c[1]))


def fold(events: Iterable[AlertEvent]) -> dict[str, Incident]:
    """All incidents of an event stream, by id, in the order they opened."""
    by_id: dict[str, list[AlertEvent]] = {}
    for event in events:
        by_id.setdefault(event.incident_id, []).append(event)
    incidents = [incident_of(evs) for evs in by_id.values()]
    incidents.sort(key=lambda i: (i.events[0].onset_ms, i.opened_at_ms, i.incident_id))
    return {i.incident_id: i for i in incidents}


def find(incidents: Mapping[str, Incident], wanted: str) -> Incident:
    """The incident whose id is `wanted` or starts with it (as git finds commits).

    Raises KeyError with a message a person can act on.
    """
    if wanted in incidents:
        return incidents[wanted]
    matches = [i for key, i in incidents.items() if wanted and key.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        msg = f"no incident {wanted!r} among {len(incidents)}"
        raise KeyError(msg)
    msg = f"{wanted!r} matches {len(matches)} incidents; give more of the id"
    raise KeyError(msg)


def timeline(incident: Incident) -> Timeline:
    """Onset, detection, acknowledgement, peak and resolution of an incident."""
    return _timeline(incident, _curve(incident.events))


def _timeline(incident: Incident, curve: Sequence[CurvePoint]) -> Timeline:
    events = incident.events
    ack = next((e for e in events if e.reason == "acknowledged"), None)
    escalated = next(
        (e for e in events if e.status is AlertStatus.ESCALATED or e.reason == "escalated"),
        None,
    )
    resolved = next((e for e in events if e.status is AlertStatus.RESOLVED), None)
    at_peak = next((p for p in curve if p.start_ms == incident.peak_at_ms), None)
    if at_peak is not None:
        peak_expected = at_peak.expected
    else:
        peak_expected = min(
            events, key=lambda e: abs(e.window_start_ms - incident.peak_at_ms)
        ).expected
    return Timeline(
        onset_ms=events[0].onset_ms,
        detected_ms=incident.opened_at_ms,
        acknowledged_ms=None if ack is None else ack.detected_at_ms,
        acknowledged_by="" if ack is None else ack.actor,
        peak_ms=incident.peak_at_ms,
        peak_observed=incident.peak_observed,
        peak_expected=peak_expected,
        escalated_ms=None if escalated is None else escalated.detected_at_ms,
        resolved_ms=incident.resolved_at_ms,
        resolution="" if resolved is None else resolved.reason,
        resolved_by="" if resolved is None else resolved.actor,
    )


def _curve(events: Sequence[AlertEvent]) -> tuple[CurvePoint, ...]:
    """Every bucket the events carry in their curves, plus the buckets they judged.

    Events from before curves were recorded only give their own bucket;
    action events repeat the last judged one, so each bucket is kept once.
    """
    points: dict[int, CurvePoint] = {}
    for e in events:
        for start, observed, expected in e.curve:
            points.setdefault(
                start, CurvePoint(start_ms=start, observed=observed, expected=expected)
            )
        if e.window_end_ms > e.window_start_ms:
            points.setdefault(
                e.window_start_ms,
                CurvePoint(start_ms=e.window_start_ms, observed=e.observed, expected=e.expected),
            )
    return tuple(points[k] for k in sorted(points))


def _summed(maps: Iterable[Mapping[str, int]]) -> tuple[tuple[str, int], ...]:
    totals: dict[str, int] = {}
    for m in maps:
        for k, v in m.items():
            totals[k] = totals.get(k, 0) + int(v)
    return tuple(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])))


def _terms(events: Sequence[AlertEvent], limit: int) -> tuple[str, ...]:
    """Terms ranked by how many events listed them, then by their best rank there."""
    seen: dict[str, tuple[int, int]] = {}
    for e in events:
        for rank, term in enumerate(e.top_terms):
            count, best = seen.get(term, (0, rank))
            seen[term] = (count + 1, min(best, rank))
    ranked = sorted(seen.items(), key=lambda kv: (-kv[1][0], kv[1][1], kv[0]))
    return tuple(term for term, _ in ranked[:limit])


def _samples(events: Sequence[AlertEvent], limit: int) -> tuple[Sample, ...]:
    """The most negative distinct mentions; reach breaks ties (who saw them)."""
    unique: dict[str, Sample] = {}
    for e in events:
        for s in e.samples:
            unique.setdefault(s.mention_id, s)
    ranked = sorted(unique.values(), key=lambda s: (s.score, -(s.followers or 0), s.created_at_ms))
    return tuple(ranked[:limit])


def review(incident: Incident, *, terms: int = 10, samples: int = 8) -> Review:
    """The review of one incident."""
    events = incident.events
    curve = _curve(events)
    return Review(
        incident=incident,
        timeline=_timeline(incident, curve),
        curve=curve,
        languages=_summed(e.languages for e in events),
        sources=_summed(e.sources for e in events),
        top_terms=_terms(events, terms),
        samples=_samples(events, samples),
    )


def is_open(incident: Incident) -> bool:
    """True until a `resolved` event is seen."""
    return incident.resolved_at_ms is None


def state(incident: Incident) -> str:
    """The incident's state as lists and reports show it: "open" or "resolved"."""
    return "open" if is_open(incident) else "resolved"


def peak_ratio(t: Timeline) -> float:
    """The peak as "N x normal" (baseline floored at 1, as alerts show it)."""
    return t.peak_observed / max(t.peak_expected, 1.0)
