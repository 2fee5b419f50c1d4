"""The post-incident report: a `Review` as Markdown, HTML or JSON.

Brand leads share the report outside the tool (mail, wiki, a ticket), so each
format stands alone. The HTML needs no network (inline CSS, the curve is
inline SVG) and escapes every text that came from a mention.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path

from streamproc.codec import alert_to_dict, iso_ms
from streamproc.model import Incident, Sample
from streamproc.review import CurvePoint, Review, Timeline, is_open, peak_ratio, state

FORMATS = ("md", "html", "json")


def format_for(path: Path) -> str:
    """The format a file name asks for: .md/.markdown, .html/.htm or .json."""
    suffix = path.suffix.lower().lstrip(".")
    fmt = {"markdown": "md", "htm": "html"}.get(suffix, suffix)
    if fmt not in FORMATS:
        msg = f"{path}: unknown report format {path.suffix!r}; use .md, .html or .json"
        raise ValueError(msg)
    return fmt


def render(r: Review, fmt: str) -> str:
    """The report in one of `FORMATS`."""
    if fmt == "md":
        return markdown(r)
    if fmt == "html":
        return html_page(r)
    if fmt == "json":
        return json.dumps(as_dict(r), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    msg = f"unknown report format {fmt!r}"
    raise ValueError(msg)


def duration(ms: int) -> str:
    """A span as a person says it: "45 min", "2 h 15 min", "3 d 4 h"."""
    minutes = max(ms, 0) // 60_000
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def _when(ms: int | None) -> str:
    return "-" if ms is None else iso_ms(ms).replace("T", " ").replace("Z", " UTC")


def _after(ms: int | None, since: int) -> str:
    return "" if ms is None else f"(+{duration(ms - since)} after onset)"


def timeline_rows(t: Timeline) -> list[tuple[str, str, str]]:
    """(moment, when, note) rows, in the order they happened or would."""
    ack_note = f"by {t.acknowledged_by}" if t.acknowledged_by else ""
    if t.acknowledged_ms is None:
        ack_note = "never acknowledged"
    res_note = {"recovered": "back to normal", "manual": "closed by hand"}.get(
        t.resolution, t.resolution or "still open"
    )
    if t.resolved_by:
        res_note += f" by {t.resolved_by}"
    rows = [
        ("onset", _when(t.onset_ms), "first bucket out of line"),
        ("detection", _when(t.detected_ms), _after(t.detected_ms, t.onset_ms)),
        ("acknowledgement", _when(t.acknowledged_ms), ack_note),
        (
            "peak",
            _when(t.peak_ms),
            f"{t.peak_observed:,.0f} negative mentions, {peak_ratio(t):.1f}x normal",
        ),
        ("resolution", _when(t.resolved_ms), res_note),
    ]
    if t.escalated_ms is not None:
        rows.insert(3, ("escalation", _when(t.escalated_ms), "raised to critical"))
    return rows


def headline(incident: Incident) -> str:
    """One line for `incident list`."""
    first = incident.events[0]
    return (
        f"{incident.incident_id}  {incident.brand:<16} {incident.severity.value:<8} "
        f"{state(incident):<8} onset {_when(first.onset_ms)}  peak {incident.peak_observed:,.0f}  "
        f"events {len(incident.events)}"
    )


def _durations(r: Review) -> list[tuple[str, str]]:
    t = r.timeline
    out = [("time to detect", duration(t.detected_ms - t.onset_ms))]
    if t.acknowledged_ms is not None:
        out.append(("time to acknowledge", duration(t.acknowledged_ms - t.detected_ms)))
    if t.resolved_ms is not None:
        out.append(("duration", duration(t.resolved_ms - t.onset_ms)))
    return out


def _share(items: Sequence[tuple[str, int]]) -> str:
    total = sum(v for _, v in items) or 1
    return ", ".join(f"{k} {100 * v / total:.0f} %" for k, v in items[:8]) or "-"


def _one_line(text: str, limit: int = 280) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def markdown(r: Review) -> str:
    """The report as Markdown (a wiki page or a ticket)."""
    i, t = r.incident, r.timeline
    lines = [
        f"# Incident review: {i.brand}, {_when(t.onset_ms)}",
        "",
        f"Incident `{i.incident_id}` · severity **{i.severity.value}** · "
        f"{state(i)} · {len(i.events)} alert events",
        "",
        "## Timeline",
        "",
        "| moment | when | |",
        "|---|---|---|",
    ]
    lines += [f"| {m} | {w} | {_md(n)} |" for m, w, n in timeline_rows(t)]
    lines += ["", " · ".join(f"{k}: **{v}**" for k, v in _durations(r)), ""]
    lines += [
        "## Volume",
        "",
        "| bucket | negative | expected | x normal |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {_when(p.start_ms)} | {p.observed:,.0f} | {p.expected:,.1f} | {p.ratio:.1f} |"
        for p in r.curve
    ]
    lines += [
        "",
        "## Who and where",
        "",
        f"- languages (negative mentions): {_share(r.languages)}",
        f"- sources (negative mentions): {_share(r.sources)}",
        f"- top terms: {', '.join(r.top_terms) or '-'}",
        "",
        "## Sample mentions",
        "",
    ]
    lines += [_md_sample(s) for s in r.samples] or ["(none recorded)"]
    lines += [
        "",
        "## Notes",
        "",
        "- Cause:",
        "- Response:",
        "- What to change:",
        "",
    ]
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def _md_sample(s: Sample) -> str:
    who = s.author or "unknown author"
    reach = f", {s.followers:,} followers" if s.followers else ""
    link = f" ([link]({s.url}))" if s.url else ""
    return (
        f"- {_when(s.created_at_ms)} · {s.lang} · {s.source or 'unknown source'} · "
        f"{_md(who)}{reach}: {_md(_one_line(s.text))}{link}"
    )


def as_dict(r: Review) -> dict[str, object]:
    """The report as data (for other tools), alert events included."""
    t = r.timeline
    return {
        "incident_id": r.incident.incident_id,
        "brand": r.incident.brand,
        "severity": r.incident.severity.value,
        "open": is_open(r.incident),
        "timeline": {
            "onset": iso_ms(t.onset_ms),
            "detected": iso_ms(t.detected_ms),
            "acknowledged": None if t.acknowledged_ms is None else iso_ms(t.acknowledged_ms),
            "acknowledged_by": t.acknowledged_by,
            "escalated": None if t.escalated_ms is None else iso_ms(t.escalated_ms),
            "peak": iso_ms(t.peak_ms),
            "peak_observed": t.peak_observed,
            "peak_expected": t.peak_expected,
            "resolved": None if t.resolved_ms is None else iso_ms(t.resolved_ms),
            "resolution": t.resolution,
            "resolved_by": t.resolved_by,
        },
        "durations": dict(_durations(r)),
        "curve": [
            {"start": iso_ms(p.start_ms), "observed": p.observed, "expected": p.expected}
            for p in r.curve
        ],
        "languages": dict(r.languages),
        "sources": dict(r.sources),
        "top_terms": list(r.top_terms),
        "samples": [
            {
                "mention_id": s.mention_id,
                "created_at": iso_ms(s.created_at_ms),
                "text": s.text,
                "lang": s.lang,
                "source": s.source,
                "author": s.author,
                "url": s.url,
                "followers": s.followers,
                "score": s.score,
            }
            for s in r.samples
        ],
        "events": [alert_to_dict(e) for e in r.incident.events],
    }


# -- HTML ---------------------------------------------------------------------

_CSS = """
body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse}
td,th{padding:.25rem .6rem;border-bottom:1px solid #eee;text-align:left}
td.n{text-align:right}.meta{color:#555}.sample{margin:.5rem 0}.sample small{color:#666}
svg{max-width:100%;height:auto}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def svg_curve(
    points: Sequence[CurvePoint], t: Timeline, width: int = 720, height: int = 240
) -> str:
    """Observed negatives (solid) against the baseline (dashed), with the moments marked."""
    if not points:
        return "<p>No bucket was recorded for this incident.</p>"
    pad = 40
    marks = [t.onset_ms, t.detected_ms]
    marks += [m for m in (t.acknowledged_ms, t.resolved_ms) if m is not None]
    x0 = min([points[0].start_ms, *marks])
    x1 = max([points[-1].start_ms, *marks])
    span = max(x1 - x0, 1)
    top = max(max(p.observed for p in points), max(p.expected for p in points), 1.0)

    def x(ms: int) -> float:
        return pad + (width - 2 * pad) * (ms - x0) / span

    def y(v: float) -> float:
        return height - pad - (height - 2 * pad) * v / top

    def line(values: Sequence[tuple[int, float]]) -> str:
        return " ".join(f"{x(ms):.1f},{y(v):.1f}" for ms, v in values)

    observed = line([(p.start_ms, p.observed) for p in points])
    expected = line([(p.start_ms, p.expected) for p in points])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="negative mentions against the baseline">',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        'stroke="#999"/>',
        f'<text x="4" y="{pad - 8}" font-size="11">{top:,.0f}</text>',
        f'<polyline fill="none" stroke="#888" stroke-dasharray="5,4" points="{expected}"/>',
        f'<polyline fill="none" stroke="#c0392b" stroke-width="2" points="{observed}"/>',
    ]
    parts += [
        f'<circle cx="{x(p.start_ms):.1f}" cy="{y(p.observed):.1f}" r="2.5" fill="#c0392b"/>'
        for p in points
    ]
    for name, ms in (
        ("onset", t.onset_ms),
        ("detected", t.detected_ms),
        ("acknowledged", t.acknowledged_ms),
        ("resolved", t.resolved_ms),
    ):
        if ms is None:
            continue
        parts.append(
            f'<line x1="{x(ms):.1f}" y1="{pad}" x2="{x(ms):.1f}" y2="{height - pad}" '
            'stroke="#2c3e50" stroke-dasharray="2,3"/>'
            f'<text x="{x(ms) + 3:.1f}" y="{pad - 8}" font-size="11">{name}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def html_page(r: Review) -> str:
    """The report as one self-contained HTML page."""
    i, t = r.incident, r.timeline
    title = f"Incident review: {i.brand}, {_when(t.onset_ms)}"
    rows = "".join(
        f"<tr><th>{_e(m)}</th><td>{_e(w)}</td><td>{_e(n)}</td></tr>" for m, w, n in timeline_rows(t)
    )
    durations = " · ".join(f"{_e(k)}: <b>{_e(v)}</b>" for k, v in _durations(r))
    buckets = "".join(
        f"<tr><td>{_e(_when(p.start_ms))}</td><td class=n>{p.observed:,.0f}</td>"
        f"<td class=n>{p.expected:,.1f}</td>"
        f"<td class=n>{p.ratio:.1f}</td></tr>"
        for p in r.curve
    )
    samples = "".join(_html_sample(s) for s in r.samples) or "<p>(none recorded)</p>"
    return (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{_e(title)}</h1>"
        f"<p class=meta>Incident <code>{_e(i.incident_id)}</code> · severity "
        f"<b>{_e(i.severity.value)}</b> · {state(i)} · {len(i.events)} alert events</p>"
        f"<h2>Timeline</h2><table>{rows}</table><p>{durations}</p>"
        f"<h2>Volume</h2>{svg_curve(r.curve, t)}"
        "<table><tr><th>bucket</th><th>negative</th><th>expected</th><th>x normal</th></tr>"
        f"{buckets}</table>"
        "<h2>Who and where</h2><ul>"
        f"<li>languages (negative mentions): {_e(_share(r.languages))}</li>"
        f"<li>sources (negative mentions): {_e(_share(r.sources))}</li>"
        f"<li>top terms: {_e(', '.join(r.top_terms) or '-')}</li></ul>"
        f"<h2>Sample mentions</h2>{samples}"
        "<h2>Notes</h2><p>Cause:</p><p>Response:</p><p>What to change:</p>"
        "</body></html>\n"
    )


def _html_sample(s: Sample) -> str:
    who = _e(s.author or "unknown author")
    reach = f", {s.followers:,} followers" if s.followers else ""
    url = s.url or ""
    link = (
        f' <a href="{_e(url)}" rel="noopener noreferrer">link</a>'
        if url.startswith(("https://", "http://"))
        else ""
    )
    return (
        f"<div class=sample><small>{_e(_when(s.created_at_ms))} · {_e(s.lang)} · "
        f"{_e(s.source or 'unknown source')} · {who}{_e(reach)}</small><br>"
        f"{_e(_one_line(s.text, 600))}{link}</div>"
    )
