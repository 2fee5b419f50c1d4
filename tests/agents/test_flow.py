"""The stream queues keep records fetched while flow is already active (`agents.flow`)."""

from __future__ import annotations

import asyncio

from mode.utils.queues import FlowControlEvent, FlowControlQueue
from prometheus_client import CollectorRegistry

from agents.app import wire
from agents.flow import KeepingFlowControl
from agents.services import Services
from streamproc.settings import load_config, load_env


def queue_of(flow: FlowControlEvent) -> FlowControlQueue[str]:
    return FlowControlQueue(flow_control=flow, clear_on_resume=True)


async def test_a_resume_while_active_keeps_what_is_queued() -> None:
    flow = KeepingFlowControl()
    queue = queue_of(flow)
    queue.force_put_nowait("stale")  # queued before the first resume
    flow.resume()  # suspended -> active: the stale record goes
    assert queue.qsize() == 0
    queue.force_put_nowait("fetched after the seek")
    flow.resume()  # the end of a recovery, flow already active: nothing is lost
    assert await asyncio.wait_for(queue.get(), 1) == "fetched after the seek"


async def test_a_resume_after_a_suspend_still_clears() -> None:
    flow = KeepingFlowControl()
    flow.resume()
    queue = queue_of(flow)
    queue.force_put_nowait("fetched before the rebalance")
    flow.suspend()
    flow.resume()
    assert queue.qsize() == 0
    assert flow.is_active()


async def test_the_stock_flow_control_drops_it() -> None:
    # Why the subclass exists: when this starts failing, faust-streaming has
    # changed `resume` and `agents.flow` can go.
    flow = FlowControlEvent()
    flow.resume()
    queue = queue_of(flow)
    queue.force_put_nowait("fetched after the seek")
    flow.resume()
    assert queue.qsize() == 0


def test_the_worker_app_uses_it() -> None:
    config = load_config()
    env = load_env({})
    services = Services.create(config, env, CollectorRegistry(), console=lambda _: None)
    app = wire(config, env, "127.0.0.1:1", services).app
    assert isinstance(app.flow_control, KeepingFlowControl)
    assert app.flow_control is app.flow_control  # one event for every queue
