"""Kafka chores with kafka-python: readiness, topic admin, end offsets, plain reads and writes.

Every function takes a bootstrap string (``host:port``, a comma or semicolon
separated list, or Faust's ``kafka://host:port``) and opens and closes its own
clients, so callers never hold a connection. Failures that a person must act on
become `streamproc.errors.BrokerError` with a one-line message.

Tansu (the embedded broker) answers ListOffsets (latest) a few records short of
the real end (see the shared brokers notes), so nothing here treats an end
offset as exact: `consume_all` uses it only as a lower bound before it trusts
an idle period.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType
from kafka.errors import KafkaError

from streamproc.errors import BrokerError

_CLIENT_ID = "streamproc-tools"
_UNKNOWN_TOPIC = 3
_TOPIC_EXISTS = 36


@dataclass(frozen=True, slots=True)
class Record:
    """One record read by `consume_all` (the fields of kafka-python's ConsumerRecord)."""

    topic: str
    partition: int
    offset: int
    timestamp: int
    """Epoch milliseconds, as the broker reports it (ConsumerRecord's name)."""
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()
    """(name, value) pairs in the order they were sent; `dict(r.headers)` works."""


def servers(bootstrap: str) -> list[str]:
    """The ``host:port`` entries of a bootstrap string.

    >>> servers("kafka://a:9092;b:9093")
    ['a:9092', 'b:9093']
    """
    text = bootstrap.strip()
    for scheme in ("kafka://", "aiokafka://", "tcp://"):
        text = text.removeprefix(scheme)
    found = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    if not found:
        msg = f"empty Kafka bootstrap address {bootstrap!r}"
        raise BrokerError(msg)
    return found


def one_line(exc: BaseException) -> str:
    """An exception as one line of at most 300 characters, for a BrokerError message."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def wait_until_ready(
    bootstrap: str,
    timeout_s: float,
    *,
    label: str = "KAFKA_BROKER",
    abort: Callable[[], str | None] | None = None,
) -> None:
    """Return once a broker at `bootstrap` answers the Kafka protocol with a live broker.

    "Answers" means a metadata round trip (DescribeCluster) lists at least one
    unfenced broker, which is what topic creation needs right after a KRaft
    start. `abort` is called between attempts; a reason it returns is raised
    at once (a broker process that died while we waited).

    Raises:
        BrokerError: "KAFKA_BROKER 127.0.0.1:9 is unreachable after 5 s: ...".
    """
    deadline = time.monotonic() + timeout_s
    addresses = servers(bootstrap)
    last = "no answer yet"
    while True:
        if abort is not None and (reason := abort()) is not None:
            raise BrokerError(reason)
        remaining = deadline - time.monotonic()
        try:
            _probe(addresses, min(max(remaining, 0.5), 5.0))
        except (KafkaError, OSError, _NotReadyError) as exc:
            last = one_line(exc)
        else:
            return
        if time.monotonic() >= deadline:
            msg = f"{label} {bootstrap} is unreachable after {timeout_s:g} s: {last}"
            raise BrokerError(msg)
        time.sleep(min(0.1, max(deadline - time.monotonic(), 0.0)))


def create_topics(
    bootstrap: str,
    names: Sequence[str],
    partitions: int,
    *,
    configs: Mapping[str, Mapping[str, str]] | None = None,
    replication_factor: int = 1,
    timeout_s: float = 30.0,
) -> None:
    """Create topics explicitly and wait until every partition has a leader.

    A topic that already exists is accepted when its partition count is
    `partitions` (its configs are not compared). `configs` maps a topic name to
    topic-level settings, e.g. ``{"t": {"cleanup.policy": "compact"}}``.

    Raises:
        BrokerError: a topic exists with another partition count, or the broker refused.
    """
    if partitions < 1:
        msg = f"a topic needs at least one partition, not {partitions}"
        raise BrokerError(msg)
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return
    topic_configs = configs or {}
    with _admin(bootstrap, timeout_s) as admin:
        existing = _partition_counts(admin, wanted)
        _check_counts(existing, partitions)
        missing = [name for name in wanted if name not in existing]
        if missing:
            request = {
                name: {
                    "num_partitions": partitions,
                    "replication_factor": replication_factor,
                    "configs": dict(topic_configs.get(name, {})),
                }
                for name in missing
            }
            try:
                response = admin.create_topics(
                    request, timeout_ms=int(timeout_s * 1000), raise_errors=False
                )
            except KafkaError as exc:
                msg = f"cannot create topics {', '.join(missing)} on {bootstrap}: {one_line(exc)}"
                raise BrokerError(msg) from exc
            _raise_topic_errors(response, (0, _TOPIC_EXISTS), "create", bootstrap)
        try:
            admin.wait_for_topics(wanted, timeout_ms=int(timeout_s * 1000))
        except KafkaError as exc:
            msg = f"topics not ready on {bootstrap}: {one_line(exc)}"
            raise BrokerError(msg) from exc
        # Another client may have won a creation race with its own partition count.
        _check_counts(_partition_counts(admin, wanted), partitions)


def _raise_topic_errors(
    response: Mapping[str, Any], fine: tuple[int, ...], verb: str, bootstrap: str
) -> None:
    """BrokerError for the first topic of an admin response whose error code is not fine."""
    for topic in response["topics"]:
        code = topic["error_code"]
        if code not in fine:
            detail = topic.get("error_message") or f"error code {code}"
            msg = f"cannot {verb} topic {topic['name']} on {bootstrap}: {detail}"
            raise BrokerError(msg)


def delete_topics(bootstrap: str, names: Sequence[str], *, timeout_s: float = 30.0) -> None:
    """Delete topics and wait until the broker no longer lists them (absent ones are fine)."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return
    with _admin(bootstrap, timeout_s) as admin:
        try:
            response = admin.delete_topics(
                wanted, timeout_ms=int(timeout_s * 1000), raise_errors=False
            )
        except KafkaError as exc:
            msg = f"cannot delete topics on {bootstrap}: {one_line(exc)}"
            raise BrokerError(msg) from exc
        _raise_topic_errors(response, (0, _UNKNOWN_TOPIC), "delete", bootstrap)
        deadline = time.monotonic() + timeout_s
        while _partition_counts(admin, wanted):
            if time.monotonic() >= deadline:
                msg = f"topics still listed {timeout_s:g} s after deletion on {bootstrap}"
                raise BrokerError(msg)
            time.sleep(0.1)


def topic_configs(bootstrap: str, topic: str, *, timeout_s: float = 30.0) -> dict[str, str]:
    """The settings of `topic` that differ from the broker's defaults.

    Tansu answers with none at all (it accepts topic configs and keeps none).
    """
    with _admin(bootstrap, timeout_s) as admin:
        try:
            found = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        except KafkaError as exc:
            msg = f"cannot read the configs of {topic} on {bootstrap}: {one_line(exc)}"
            raise BrokerError(msg) from exc
    entries = found.get("topic", {}).get(topic, {})
    return {name: str(entry["value"]) for name, entry in entries.items()}


def end_offsets(bootstrap: str, topic: str, *, timeout_s: float = 30.0) -> dict[int, int]:
    """The end offset (next offset to be written) of each partition of `topic`.

    On Tansu this is a lower bound: it can be a few records short.
    """
    with _consumer(bootstrap, timeout_s) as consumer:
        parts = _wait_for_partitions(consumer, topic, time.monotonic() + timeout_s)
        if not parts:
            msg = f"topic {topic} does not exist on {bootstrap}"
            raise BrokerError(msg)
        tps = [TopicPartition(topic, p) for p in parts]
        try:
            ends = consumer.end_offsets(tps, timeout_ms=int(timeout_s * 1000))
        except KafkaError as exc:
            msg = f"cannot read end offsets of {topic} on {bootstrap}: {one_line(exc)}"
            raise BrokerError(msg) from exc
        return {tp.partition: int(offset) for tp, offset in ends.items()}


def consume_all(
    bootstrap: str,
    topic: str,
    *,
    timeout_s: float,
    expected: int | None = None,
    idle_s: float = 3.0,
) -> list[Record]:
    """Read `topic` from the beginning, without a consumer group, sorted by (partition, offset).

    Stops at the first of: `expected` records read (all that were read are
    returned, so a duplicate shows as one too many); nothing new for `idle_s`
    once every partition has reached the end offsets seen at the start (a
    lower bound on Tansu, hence the idle period); `timeout_s` in all. A topic
    that does not exist yet is waited for within `timeout_s`; if it never
    appears the result is empty.
    """
    deadline = time.monotonic() + timeout_s
    records: list[Record] = []
    with _consumer(bootstrap, timeout_s) as consumer:
        parts = _wait_for_partitions(consumer, topic, deadline)
        if not parts:
            return records
        tps = [TopicPartition(topic, p) for p in parts]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        try:
            floor = consumer.end_offsets(tps, timeout_ms=int(max(timeout_s, 1.0) * 1000))
        except KafkaError:
            floor = dict.fromkeys(tps, 0)
        last_new = time.monotonic()
        while True:
            now = time.monotonic()
            if now >= deadline or (expected is not None and len(records) >= expected):
                break
            batch = consumer.poll(timeout_ms=int(min(0.5, deadline - now) * 1000))
            got = [_record(r) for rs in batch.values() for r in rs]
            if got:
                records.extend(got)
                last_new = time.monotonic()
            elif time.monotonic() - last_new >= idle_s and all(
                consumer.position(tp) >= floor.get(tp, 0) for tp in tps
            ):
                break
    records.sort(key=lambda r: (r.partition, r.offset))
    return records


def produce(
    bootstrap: str,
    topic: str,
    messages: Iterable[tuple[bytes | None, bytes | None]],
    *,
    timeout_s: float = 60.0,
) -> int:
    """Send (key, value) pairs with acks from all replicas; return how many were sent.

    Keyed records go to the partition the Java client would pick (murmur2).

    Raises:
        BrokerError: a record was not acknowledged within `timeout_s`.
    """
    try:
        producer = KafkaProducer(
            bootstrap_servers=_listening(bootstrap, timeout_s),
            client_id=_CLIENT_ID,
            acks="all",
            linger_ms=5,
            bootstrap_timeout_ms=int(timeout_s * 1000),
            max_block_ms=int(timeout_s * 1000),
        )
    except KafkaError as exc:
        msg = f"KAFKA_BROKER {bootstrap} is unreachable: {one_line(exc)}"
        raise BrokerError(msg) from exc
    try:
        futures = [producer.send(topic, key=key, value=value) for key, value in messages]
        producer.flush(timeout=timeout_s)
        for future in futures:
            if not future.is_done:
                msg = f"{topic} on {bootstrap}: records not acknowledged within {timeout_s:g} s"
                raise BrokerError(msg)
            if future.failed():
                msg = f"cannot write to {topic} on {bootstrap}: {one_line(future.exception)}"
                raise BrokerError(msg)
        return len(futures)
    finally:
        producer.close(timeout=5)


class _NotReadyError(Exception):
    """The broker answers but cannot serve yet (no unfenced broker registered)."""


class _Admin(KafkaAdminClient):  # type: ignore[misc]  # kafka-python ships no types
    """KafkaAdminClient that releases its IO thread when its bootstrap fails.

    kafka-python 3 starts a background IO thread before it bootstraps and leaks
    it (with its sockets) when the bootstrap times out; a readiness loop would
    pile them up.
    """

    def __init__(self, **configs: Any) -> None:
        try:
            super().__init__(**configs)
        except BaseException:
            self._closed = False
            with contextlib.suppress(Exception):
                self.close()
            raise


@contextlib.contextmanager
def _admin(bootstrap: str, timeout_s: float) -> Iterator[Any]:
    try:
        admin = _Admin(
            bootstrap_servers=_listening(bootstrap, timeout_s),
            client_id=_CLIENT_ID,
            bootstrap_timeout_ms=int(timeout_s * 1000),
            request_timeout_ms=int(max(timeout_s, 1.0) * 1000),
        )
    except KafkaError as exc:
        msg = f"KAFKA_BROKER {bootstrap} is unreachable: {one_line(exc)}"
        raise BrokerError(msg) from exc
    try:
        yield admin
    finally:
        admin.close()


@contextlib.contextmanager
def _consumer(bootstrap: str, timeout_s: float) -> Iterator[Any]:
    try:
        consumer = KafkaConsumer(
            bootstrap_servers=_listening(bootstrap, timeout_s),
            client_id=_CLIENT_ID,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            allow_auto_create_topics=False,
            bootstrap_timeout_ms=int(timeout_s * 1000),
        )
    except KafkaError as exc:
        msg = f"KAFKA_BROKER {bootstrap} is unreachable: {one_line(exc)}"
        raise BrokerError(msg) from exc
    try:
        yield consumer
    finally:
        consumer.close(autocommit=False, timeout_ms=5000)


def _probe(addresses: Sequence[str], timeout_s: float) -> None:
    # A plain TCP connect first: cheap, and a refused port never builds a client.
    reachable = [a for a in addresses if _tcp_open(a, timeout_s)]
    if not reachable:
        msg = f"no listener on {', '.join(addresses)}"
        raise _NotReadyError(msg)
    admin = _Admin(
        bootstrap_servers=reachable,
        client_id=_CLIENT_ID,
        bootstrap_timeout_ms=int(timeout_s * 1000),
        request_timeout_ms=int(timeout_s * 1000),
    )
    try:
        cluster = admin.describe_cluster()
    finally:
        admin.close()
    if not [b for b in cluster.get("brokers", []) if not b.get("is_fenced", False)]:
        msg = "no unfenced broker registered yet"
        raise _NotReadyError(msg)


def _listening(bootstrap: str, timeout_s: float) -> list[str]:
    """The bootstrap servers that accept a TCP connection; BrokerError if none does.

    Checked before any kafka-python client is built: a client whose bootstrap
    fails leaks its IO thread and sockets (kafka-python 3.0).
    """
    addresses = servers(bootstrap)
    reachable = [a for a in addresses if _tcp_open(a, min(timeout_s, 5.0))]
    if not reachable:
        msg = f"KAFKA_BROKER {bootstrap} is unreachable: no listener on {', '.join(addresses)}"
        raise BrokerError(msg)
    return reachable


def _tcp_open(address: str, timeout_s: float) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout_s):
            return True
    except (OSError, ValueError):
        return False


def _partition_counts(admin: Any, names: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for topic in admin.describe_topics(list(names)):
        if topic.get("error_code", 0) == 0 and topic.get("partitions"):
            found[topic["name"]] = len(topic["partitions"])
    return found


def _check_counts(existing: Mapping[str, int], partitions: int) -> None:
    for name, count in existing.items():
        if count != partitions:
            msg = f"topic {name} exists with {count} partitions, not {partitions}"
            raise BrokerError(msg)


def _wait_for_partitions(consumer: Any, topic: str, deadline: float) -> list[int]:
    while True:
        try:
            parts = consumer.partitions_for_topic(topic)
        except KafkaError:
            parts = None
        if parts:
            return sorted(parts)
        if time.monotonic() >= deadline:
            return []
        time.sleep(0.2)


def _record(raw: Any) -> Record:
    return Record(
        topic=raw.topic,
        partition=raw.partition,
        offset=raw.offset,
        timestamp=raw.timestamp,
        key=raw.key,
        value=raw.value,
        headers=tuple((str(k), bytes(v)) for k, v in (raw.headers or ())),
    )
