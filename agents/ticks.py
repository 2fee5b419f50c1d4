"""The wall-clock timer: tick records that let the `windows` agent judge silence.

A tick goes to every partition of `ticks`, so it arrives inside the `windows`
stream loop of whichever worker holds that partition, where tables may be
written. Only the leader sends them; duplicates would be harmless anyway.
"""

from __future__ import annotations

import faust

from agents.services import Services
from agents.topics import Topics


def register(app: faust.App, topics: Topics, services: Services) -> None:
    """Declare the tick timer on `app`."""
    pipeline = services.config.pipeline

    async def send_ticks() -> None:
        record = {"kind": "tick", "now_ms": services.clock()}
        for q in range(pipeline.partitions):
            await topics.ticks.send(value=record, partition=q)

    app.timer(interval=pipeline.tick_seconds, on_leader=True, name="ticks")(send_ticks)
