"""Agent `notify`: alert events -> people.

Without a Slack token (the demo) each event is printed on the console as one
readable block; the `alerts` topic keeps the full JSON.
"""

from __future__ import annotations

from typing import Any

import faust

from agents.services import Services
from agents.topics import Topics
from streamproc.codec import alert_from_dict, iso_ms
from streamproc.model import AlertEvent


def console_line(event: AlertEvent, brand_name: str) -> str:
    """A short human summary of an alert event, ratio first."""
    minutes = (event.window_end_ms - event.window_start_ms) // 60_000
    by_count = sorted(event.languages.items(), key=lambda kv: -kv[1])
    langs = ", ".join(f"{k} {v}" for k, v in by_count)
    head = (
        f"[{event.status.value.upper()} {event.severity.value}] {brand_name}: "
        f"{event.ratio:.1f}x normal: {event.observed:.0f} negative mentions in {minutes} min, "
        f"about {event.expected:.0f} expected"
    )
    lines = [
        head,
        f"  window {iso_ms(event.window_start_ms)} growth {event.growth:+.0%}"
        f" share {event.share:.0%} languages: {langs or '-'}",
        f"  top terms: {', '.join(event.top_terms[:8]) or '-'}",
    ]
    if event.samples:
        s = event.samples[0]
        text = " ".join(s.text.split())
        lines.append(f'  e.g. {s.author or "?"}: "{text[:140]}" {s.url or ""}'.rstrip())
    if event.baseline_young:
        lines.append("  (young baseline: this brand's normal is still being learnt)")
    return "\n".join(lines)


def register(app: faust.App, topics: Topics, services: Services) -> None:
    """Declare the `notify` agent on `app`."""
    catalog = services.config.catalog

    async def notify(stream: faust.StreamT[dict[str, Any]]) -> None:
        async for value in stream:
            event = alert_from_dict(value)
            found = catalog.get(event.brand)
            services.progress.alerts.append(value)
            services.console(console_line(event, found.name if found else event.brand))

    app.agent(topics.alerts, name="notify")(notify)
