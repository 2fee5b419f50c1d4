"""A Faust app whose stream queues are cleared only when flow really resumes.

Why (faust-streaming 0.15.3, upstream issue #596, still open): at the end of a
recovery Faust resumes the stream partitions, seeks them to their committed
offsets (an ``await``: the fetcher keeps running meanwhile), and only then calls
``app.flow_control.resume()``, which empties every stream queue. A record
fetched during that seek is dropped from its agent's queue without being
processed or acked: the agent never sees it, and the partition's commits stop at
its offset until the next restart. Seen here as an alert on `alerts` that a
restarted worker never sent to Slack, once in some six runs of the SIGKILL test
under load (`tests/integration/test_slack.py`, the worker's shutdown log says
``wait_empty: Waiting for tasks [... alerts ... offset=1]``).

The queues need clearing when flow goes from suspended to active: on a
rebalance Faust suspends flow and clears the queues itself, and the first
resume of the recovery (stream partitions still paused) clears anything left.
Every later resume finds flow active already; clearing there only loses records
fetched at the new positions. So `resume` clears on that transition only. The
price is a possible second delivery of a record fetched both before and after
the seek, which the agents already absorb: delivery is at least once (mention
ids, alert ids and outbox entries are deduplicated).
"""

from __future__ import annotations

import faust
from mode.utils.objects import cached_property
from mode.utils.queues import FlowControlEvent


class KeepingFlowControl(FlowControlEvent):
    """`FlowControlEvent` whose `resume` clears the queues only if flow was suspended."""

    def resume(self) -> None:
        """Resume production into the queues; clear them only if they were suspended."""
        was_suspended = not self.is_active()
        self._suspend.clear()
        self._resume.set()
        if was_suspended:
            self.clear()


class App(faust.App):
    """`faust.App` with `KeepingFlowControl` (see the module docstring)."""

    @cached_property
    def flow_control(self) -> FlowControlEvent:
        """Flow control of the stream queues."""
        return KeepingFlowControl(loop=self.loop)
