"""Agent `windows`: per-brand buckets, the watermark, the detector and the alert state machine.

It reads `scored-mentions` (mentions and watermark records), `ticks` (the
wall clock) and `incident-actions` in one stream, so every table write
happens inside stream iteration and every decision in one place. The judging
itself is `streamproc.engine`, the same code `backtest` runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, Generic, TypeVar

import faust
from faust.types import TableT

from agents.services import Services
from agents.tables import Tables
from agents.topics import Topics
from streamproc import alerting, codec
from streamproc.engine import BrandState, accumulate, admit, close_due
from streamproc.model import AlertEvent
from streamproc.windows import BucketAcc, PartitionClock, bucket_of

log = logging.getLogger(__name__)
V = TypeVar("V")


def register(app: faust.App, topics: Topics, tables: Tables, services: Services) -> None:
    """Declare the `windows` agent on `app`."""
    config = services.config
    pipeline = config.pipeline
    rules = pipeline.watermark_rules()
    width = pipeline.width_ms
    metrics = services.metrics

    clocks = _Decoded(tables.clocks, codec.clock_from_dict, codec.clock_to_dict)
    states = _Decoded(tables.brand_state, codec.brand_state_from_dict, codec.brand_state_to_dict)
    buckets = _Decoded(tables.buckets, codec.bucket_from_dict, codec.bucket_to_dict)
    # A bucket's sealed chunks of mention ids share its table, keyed "brand|start|ids.k".
    chunk_values = _Decoded(tables.buckets, codec.id_chunk_from_dict, codec.id_chunk_to_dict)

    for brand in config.catalog.slugs:
        seed = config.params_for(brand).seed
        if seed is not None:
            log.info(
                "windows: %s starts from %d buckets of history (unless its state is held)",
                brand,
                seed.buckets_seen,
            )

    def load_clock(q: int) -> PartitionClock:
        return clocks.get(str(q)) or PartitionClock.new(rules)

    restored: set[str] = set()

    @app.on_partitions_revoked.connect
    async def forget(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        # Brands that move to another worker must not keep exporting stale gauges here;
        # those that stay are shown again from their recovered state on first sight.
        restored.clear()
        metrics.clear_owned_gauges()

    def load_state(brand: str) -> BrandState:
        state = states.get(brand)
        if state is None:
            return BrandState.new(config.params_for(brand))
        if brand not in restored:  # first sight in this process: show the recovered state
            restored.add(brand)
            alert = state.alert
            active = alert.phase == "active" and alert.announced
            metrics.set_alert_state(
                brand, alert.severity if active else None, acknowledged=alert.acknowledged
            )
        return state

    def on_mention(value: dict[str, Any], clock: PartitionClock) -> PartitionClock:
        scored = codec.scored_from_dict(value)
        brand = scored.brand
        state = load_state(brand)
        admitted = admit(state, scored.mention.created_at_ms, width)
        if admitted is None:
            metrics.late_mention(brand)
            return clock
        start, _ = bucket_of(scored.mention.created_at_ms, width)
        key = f"{brand}|{start}"
        before = buckets.get(key)
        chunks = _TableChunks(chunk_values, key)
        after = accumulate(before, scored, services.stop_for(brand), width, chunks)
        if after is before:
            metrics.mention_duplicate(brand)
            return clock
        buckets.put(key, after)
        if admitted is not state:
            states.put(brand, admitted)
        return clock.with_brand(brand)

    async def on_action(value: dict[str, Any]) -> None:
        """A person's click (acknowledge, snooze, resolve) on the brand's open incident."""
        brand, action = str(value["brand"]), str(value["action"])
        state = states.get(brand)
        if state is None or action not in alerting.ACTIONS:
            log.warning("windows: ignored action %r for brand %r", action, brand)
            return
        if state.alert.incident_id != value.get("incident_id") and action != "snooze":
            log.info("windows: action %r for a closed incident of %s ignored", action, brand)
            return
        policy = config.params_for(brand).policy
        alert, events = alerting.apply_action(
            state.alert, action, int(value["at_ms"]), policy, str(value.get("actor", ""))
        )
        if alert is not state.alert:
            states.put(brand, replace(state, alert=alert))
        metrics.incident_action(brand, action)
        await send_events(brand, events)

    async def send_events(brand: str, events: tuple[AlertEvent, ...]) -> None:
        for event in events:
            await topics.alerts.send(key=brand.encode(), value=codec.alert_to_dict(event))
            metrics.alert_event(brand, event.status.value, event.severity.value)

    async def judge(q: int, clock: PartitionClock) -> None:
        for brand in clock.brands:
            state = load_state(brand)
            accs: dict[int, BucketAcc] = {}
            for start in state.open_starts:
                acc = buckets.get(f"{brand}|{start}")
                if acc is not None:
                    accs[start] = acc
            judged = close_due(state, brand, clock.watermark_ms, accs, config.params_for(brand))
            if judged.state is state:
                continue
            for verdict in judged.verdicts:
                w = verdict.window
                metrics.bucket_judged(
                    brand, verdict.observed, verdict.expected, verdict.score, w.total, w.negative
                )
            await send_events(brand, judged.events)
            for start in judged.closed_starts:
                key = f"{brand}|{start}"
                closed = accs.get(start)
                _TableChunks(chunk_values, key).delete(closed.sealed if closed else 0)
                buckets.delete(key)
            states.put(brand, judged.state)
        if clock.watermark_ms is not None:
            metrics.watermark(q, clock.watermark_ms, services.clock())
            target = services.progress.flush_target_ms
            if target is not None and clock.watermark_ms >= target:
                services.progress.flushed_partitions.add(q)

    async def windows(stream: faust.StreamT[dict[str, Any]]) -> None:
        async for event in stream.events():
            q = event.message.partition
            value = event.value
            try:
                loaded = clock = load_clock(q)
                before = clock.watermark_ms
                kind = value.get("kind")
                if kind == "mention":
                    clock = on_mention(value, clock)
                elif kind == "watermark":
                    clock = clock.observe(
                        int(value["source"]), int(value["watermark_ms"]), services.clock()
                    )
                elif kind == "tick":
                    clock = clock.tick(int(value["now_ms"]), rules)
                elif kind is None and "action" in value:
                    await on_action(value)
                else:
                    log.warning("windows: unknown record kind %r on %s", kind, event.message.tp)
                    continue
                if clock.watermark_ms != before:
                    await judge(q, clock)
                if clock is not loaded:
                    clocks.put(str(q), clock)
            except Exception:  # policy: log with its position and skip the record
                msg = event.message
                log.exception("windows failed on %s offset %s", msg.tp, msg.offset)

    app.agent(topics.windows_in, name="windows")(windows)


class _TableChunks:
    """The sealed id chunks of the bucket at ``key`` (`streamproc.engine.IdChunks`)."""

    def __init__(self, values: _Decoded[frozenset[str]], key: str) -> None:
        self.values = values
        self.key = key

    def get(self, k: int) -> frozenset[str]:
        return self.values.get(f"{self.key}|ids.{k}") or frozenset()

    def put(self, k: int, ids: frozenset[str]) -> None:
        self.values.put(f"{self.key}|ids.{k}", ids)

    def delete(self, count: int) -> None:
        """Delete chunks 0 to ``count - 1``."""
        for k in range(count):
            self.values.delete(f"{self.key}|ids.{k}")


class _Decoded(Generic[V]):
    """A table of codec dicts seen as model values, decoding each stored dict once.

    Faust's memory store hands back the very dict that was stored, so the
    decoded value is reused while the table still holds that dict (a
    recovered or replaced value is decoded anew). Writes go through `put`,
    which stores the encoded snapshot: the changelog gets whole values.
    """

    def __init__(
        self,
        table: TableT[str, Any],
        decode: Callable[[Mapping[str, Any]], V],
        encode: Callable[[V], dict[str, object]],
    ) -> None:
        self.table = table
        self.decode = decode
        self.encode = encode
        self._cache: dict[str, tuple[object, V]] = {}

    def get(self, key: str) -> V | None:
        raw = self.table.get(key)
        if raw is None:
            self._cache.pop(key, None)
            return None
        hit = self._cache.get(key)
        if hit is not None and hit[0] is raw:
            return hit[1]
        value = self.decode(raw)
        self._cache[key] = (raw, value)
        return value

    def put(self, key: str, value: V) -> None:
        raw = self.encode(value)
        self.table[key] = raw
        self._cache[key] = (self.table.get(key), value)

    def delete(self, key: str) -> None:
        self.table.pop(key, None)
        self._cache.pop(key, None)
