"""The Faust app (`create_app`) and the long-running commands: worker, demo, broker, replay.

This is the one module the CLI imports lazily. Nothing here decides anything
about mentions or alerts: that is `streamproc`'s core, called by the agents.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import faust
from faust.sensors.prometheus import setup_prometheus_sensors

from agents import flow, incidents, ingest, notify, review_pages, ticks, views, windows
from agents.adapters.broker import EmbeddedBroker
from agents.adapters.kafka_tools import consume_all, create_topics, wait_until_ready
from agents.adapters.metrics import FAUST_METRICS_PREFIX
from agents.replay import replay_file
from agents.services import Services
from agents.tables import Tables
from agents.topics import Topics, all_topics
from streamproc.codec import alerts_from_lines, dumps, iso_ms
from streamproc.errors import BrokerError, InputFileError
from streamproc.model import AlertEvent
from streamproc.settings import DEFAULT_BROKER_WAIT_S, SAMPLE_FILE, Config, Env, broker_address

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Wiring:
    """The app and what its agents were wired to (tests reach topics and tables here)."""

    app: faust.App
    services: Services
    topics: Topics
    tables: Tables


def wire(
    config: Config,
    env: Env,
    bootstrap: str,
    services: Services | None = None,
    *,
    web_bind: str = "0.0.0.0",  # noqa: S104 - a worker serves /metrics to Prometheus
) -> Wiring:
    """Build the Faust app: topics, tables, agents, timer, views and metrics."""
    services = services or Services.create(config, env)
    pipeline = config.pipeline
    app = flow.App(
        pipeline.app_id,
        broker=f"kafka://{bootstrap}",
        store="memory://",
        autodiscover=False,
        topic_partitions=pipeline.partitions,
        topic_replication_factor=1,
        broker_session_timeout=10,
        broker_heartbeat_interval=2,
        consumer_auto_offset_reset="earliest",
        web_port=env.web_port,
        web_bind=web_bind,
        web_host="127.0.0.1" if web_bind.startswith("127.") else os.uname().nodename,
        table_standby_replicas=0,
        # Batch what the agents send (scored mentions, watermarks, changelogs): without
        # linger every send is its own produce request and the socket writes dominate.
        producer_linger=0.02,
    )
    topics = Topics.create(app, pipeline)
    tables = Tables.create(app, pipeline)
    ingest.register(app, topics, services)
    windows.register(app, topics, tables, services)
    notify.register(app, topics, tables, services)
    store = incidents.register(app, topics, tables, services)
    ticks.register(app, topics, services)
    views.register(app)
    review_pages.register(app, store)
    views.register_slack(app, topics.actions, services)
    setup_prometheus_sensors(
        app, pattern="/metrics", registry=services.registry, name_prefix=FAUST_METRICS_PREFIX
    )
    return Wiring(app=app, services=services, topics=topics, tables=tables)


def create_app(
    config: Config, env: Env, bootstrap: str, services: Services | None = None
) -> faust.App:
    """The Faust app of a worker (see `wire`)."""
    return wire(config, env, bootstrap, services).app


@contextlib.contextmanager
def broker_for(env: Env, announce: Callable[[str], None]) -> Iterator[str]:
    """The bootstrap address: $KAFKA_BROKER checked, or an embedded broker for the block."""
    if env.kafka_broker:
        address = broker_address(env.kafka_broker)
        wait_until_ready(address, timeout_s=env.broker_wait_s)
        yield address
        return
    broker = EmbeddedBroker()
    broker.start()
    try:
        announce(f"embedded Kafka-compatible broker (Tansu) on {broker.bootstrap}")
        yield broker.bootstrap
    finally:
        broker.stop()


def prepare_topics(config: Config, bootstrap: str) -> None:
    """Create every topic explicitly, with the configured partition count."""
    create_topics(bootstrap, all_topics(config.pipeline), config.pipeline.partitions)


def run_worker_forever(app: faust.App, loglevel: str = "WARNING") -> None:
    """Run a Faust worker in this process until SIGINT/SIGTERM."""
    worker = faust.Worker(app, loglevel=loglevel, quiet=True, redirect_stdouts=False)
    with contextlib.suppress(SystemExit):
        worker.execute_from_commandline()


def worker_command(config: Config, env: Env) -> int:
    """`streamproc worker`."""
    with broker_for(env, print) as bootstrap:
        if not env.kafka_broker:
            print(f"export KAFKA_BROKER=kafka://{bootstrap}   # for replay from another shell")
        prepare_topics(config, bootstrap)
        app = create_app(config, env, bootstrap)
        print(f"worker: /metrics on http://127.0.0.1:{env.web_port}/metrics", flush=True)
        run_worker_forever(app, loglevel=os.environ.get("STREAMPROC_LOGLEVEL", "WARNING"))
    return 0


def broker_command(env: Env) -> int:
    """`streamproc broker`: the embedded broker in the foreground until Ctrl-C."""
    if env.kafka_broker:
        msg = "KAFKA_BROKER is set: `streamproc broker` runs the embedded broker only"
        raise BrokerError(msg)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with broker_for(env, print) as bootstrap:
        print(f"export KAFKA_BROKER=kafka://{bootstrap}", flush=True)
        while not stop.wait(0.5):
            pass
    print("broker stopped")
    return 0


def replay_command(
    config: Config, env: Env, path: Path, topic: str | None, speedup: float | None
) -> int:
    """`streamproc replay FILE`: into $KAFKA_BROKER (it must be set)."""
    if not env.kafka_broker:
        msg = "KAFKA_BROKER is not set: start `streamproc broker` or a worker and export it"
        raise BrokerError(msg)
    bootstrap = broker_address(env.kafka_broker)
    wait_until_ready(bootstrap, timeout_s=env.broker_wait_s)
    topic_name = topic or f"{config.pipeline.topic_prefix}mentions"
    create_topics(bootstrap, [topic_name], config.pipeline.partitions)
    report = replay_file(path, bootstrap, topic_name, config, speedup=speedup)
    print(f"replayed {report.lines} lines into {topic_name} in {report.seconds:.1f} s")
    return 0


def read_alerts(
    config: Config, broker: str, *, timeout_s: float = 60.0, wait_s: float = DEFAULT_BROKER_WAIT_S
) -> list[AlertEvent]:
    """Every event on the `alerts` topic of `broker` ($KAFKA_BROKER), for `streamproc incident`."""
    bootstrap = broker_address(broker)
    wait_until_ready(bootstrap, timeout_s=wait_s)
    topic = f"{config.pipeline.topic_prefix}alerts"
    records = consume_all(bootstrap, topic, timeout_s=timeout_s, idle_s=2.0)
    lines = [r.value for r in records if r.value is not None]
    return alerts_from_lines(lines, f"topic {topic}")


def demo_command(
    config: Config,
    env: Env,
    duration_s: float,
    path: Path = SAMPLE_FILE,
    *,
    alerts_out: Path | None = None,
) -> int:
    """`streamproc demo`: broker, worker and a time-compressed replay of the sample."""
    started = time.monotonic()
    # The replay gets about two thirds of the time; the rest is start-up and draining.
    replay_s = max(10.0, duration_s * 0.6)
    out = sys.stdout
    say: Callable[[str], None] = lambda line: print(line, file=out, flush=True)  # noqa: E731
    with broker_for(env, say) as bootstrap:
        if env.kafka_broker:  # a shared broker: fresh names so reruns start clean
            run = time.strftime("%Y%m%d%H%M%S")
            config = _with_names(config, f"streamproc-demo-{run}", f"demo-{run}-")
        prepare_topics(config, bootstrap)
        services = Services.create(config, env, console=say)
        app = wire(config, env, bootstrap, services, web_bind="127.0.0.1").app
        say(f"metrics: http://127.0.0.1:{env.web_port}/metrics")
        driver = _DemoDriver(config, bootstrap, services, path, replay_s, duration_s, started)
        app.task(driver.run)
        # The producer buffer's "full" warning is Faust's own flow control at work during
        # a time-compressed burst, not a problem: keep the demo's console for alerts.
        logging.getLogger("faust.transport.producer").setLevel(logging.ERROR)
        run_worker_forever(app, loglevel="ERROR")
        driver.summary(say)
    if alerts_out is not None:
        _write_alerts(alerts_out, services.progress.alerts, say)
    return 0 if driver.finished else 1


def _write_alerts(path: Path, alerts: list[dict[str, object]], say: Callable[[str], None]) -> None:
    try:
        path.write_bytes(b"".join(dumps(a) + b"\n" for a in alerts))
    except OSError as exc:
        msg = f"{path}: cannot write: {exc.strerror}"
        raise InputFileError(msg) from None
    say(f"  alert events written to {path}: review with `streamproc incident list --alerts {path}`")


def _with_names(config: Config, app_id: str, prefix: str) -> Config:
    from dataclasses import replace

    return replace(config, pipeline=replace(config.pipeline, app_id=app_id, topic_prefix=prefix))


class _DemoDriver:
    """Replays the sample in a thread, shows progress, stops the worker when done."""

    def __init__(
        self,
        config: Config,
        bootstrap: str,
        services: Services,
        path: Path,
        replay_s: float,
        duration_s: float,
        started: float,
    ) -> None:
        self.config = config
        self.bootstrap = bootstrap
        self.services = services
        self.path = path
        self.replay_s = replay_s
        self.duration_s = duration_s
        self.started = started
        self.finished = False
        self.replayed = 0

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        say = self.services.console
        first, last = _event_span(self.path)
        speedup = max(1.0, (last - first) / 1000 / self.replay_s)
        say(
            f"replaying {self.path.name}: {iso_ms(first)} .. {iso_ms(last)} "
            f"at {speedup:,.0f}x ({self.replay_s:.0f} s)"
        )

        def on_progress(lines: int) -> None:
            self.replayed = lines

        def on_flush(target_ms: int) -> None:
            self.services.progress.flush_target_ms = target_ms

        replay = loop.run_in_executor(
            None,
            lambda: replay_file(
                self.path,
                self.bootstrap,
                f"{self.config.pipeline.topic_prefix}mentions",
                self.config,
                speedup=speedup,
                on_progress=on_progress,
                on_flush=on_flush,
            ),
        )
        deadline = self.started + self.duration_s
        next_report = time.monotonic() + 5
        partitions = self.config.pipeline.partitions
        while time.monotonic() < deadline:
            await asyncio.sleep(0.25)
            flushed = self.services.progress.flushed_partitions
            if replay.done() and len(flushed) >= partitions:
                self.finished = True
                break
            if time.monotonic() >= next_report:
                next_report += 5
                say(self._progress_line())
        if not replay.done():
            say("demo: time is up before the replay finished (raise --duration)")
        await asyncio.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    def _progress_line(self) -> str:
        p = self.services.progress
        return (
            f"  progress: {self.replayed:,} lines replayed, {p.accepted:,} mentions accepted, "
            f"{sum(p.rejected.values()):,} to the DLQ, {len(p.alerts)} alert events"
        )

    def summary(self, say: Callable[[str], None]) -> None:
        p = self.services.progress
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(p.rejected.items())) or "none"
        statuses: dict[str, int] = {}
        for alert in p.alerts:
            statuses[str(alert["status"])] = statuses.get(str(alert["status"]), 0) + 1
        say("")
        say(f"summary after {time.monotonic() - self.started:.0f} s:")
        say(f"  lines replayed      {self.replayed:,}")
        say(f"  mentions accepted   {p.accepted:,} ({p.unmatched:,} about no watched brand)")
        say(f"  rejected to the DLQ {sum(p.rejected.values()):,}: {reasons}")
        brands = sorted({str(a["brand"]) for a in p.alerts})
        say(
            f"  alert events        {len(p.alerts)} "
            f"({', '.join(f'{k} {v}' for k, v in sorted(statuses.items())) or 'none'})"
            f" for {', '.join(brands) or 'no brand'}"
        )


def _event_span(path: Path) -> tuple[int, int]:
    from streamproc.model import Mention
    from streamproc.parse import parse

    first = last = None
    with path.open("rb") as fh:
        for line in fh:
            parsed = parse(line.rstrip(b"\r\n"))
            if isinstance(parsed, Mention):
                t = parsed.created_at_ms
                first = t if first is None else min(first, t)
                last = t if last is None else max(last, t)
    if first is None or last is None:
        msg = f"{path}: no valid mention to replay"
        raise BrokerError(msg)
    return first, last
