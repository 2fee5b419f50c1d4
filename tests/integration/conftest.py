"""Fixtures for the integration tests: real brokers and unique topic names.

`broker` runs every test that asks for it twice: on Tansu (the embedded
default, memory only) and on Apache Kafka itself (KRaft, marked `apache`),
each started once per session. Apache Kafka needs Java 17+ and its jars from
Maven Central (cached in .cache/kafka-jvm); when those are missing the apache
runs skip with the reason, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agents.adapters.broker import (
    MIN_JAVA,
    ApacheKafkaBroker,
    Broker,
    EmbeddedBroker,
    ensure_kafka_jars,
    java_major_version,
)
from streamproc.errors import BrokerError

START_TIMEOUT_S = 120.0
"""A bound against hanging on a loaded machine, not a speed expectation."""

IN_CI = os.environ.get("CI", "").lower() == "true"

BrokerFactory = Callable[..., Broker]


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"Apache Kafka broker unavailable under CI=true: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def kafka_jars() -> Path:
    """Apache Kafka's jars (resolved with Maven once, then cached); skips if impossible."""
    major = java_major_version()
    if major is None or major < MIN_JAVA:
        found = "no java on PATH" if major is None else f"java is {major}"
        _unavailable(f"Apache Kafka needs Java {MIN_JAVA}+ ({found})")
    try:
        return ensure_kafka_jars()
    except BrokerError as exc:
        _unavailable(str(exc))
        raise  # unreachable: skip/fail raise


@pytest.fixture(
    scope="session",
    params=[
        pytest.param("tansu", id="tansu"),
        pytest.param("apache", id="apache", marks=pytest.mark.apache),
    ],
)
def broker_kind(request: pytest.FixtureRequest) -> str:
    """The kind of this run, "tansu" or "apache"; for apache the jars are there (or it skipped)."""
    kind: str = request.param
    if kind == "apache":
        request.getfixturevalue("kafka_jars")
    return kind


@pytest.fixture(scope="session")
def make_broker(request: pytest.FixtureRequest, broker_kind: str) -> BrokerFactory:
    """Build (not start) a broker of this run's kind; keyword arguments go to its class."""

    jars: Path | None = None
    if broker_kind == "apache":
        jars = request.getfixturevalue("kafka_jars")

    def make(**kwargs: object) -> Broker:
        if jars is not None:
            return ApacheKafkaBroker(jars_dir=jars, **kwargs)
        return EmbeddedBroker(**kwargs)

    return make


@pytest.fixture(scope="session")
def broker(make_broker: BrokerFactory) -> Iterator[Broker]:
    """A running broker shared by the session (one kind at a time)."""
    running = make_broker()
    running.start(timeout_s=START_TIMEOUT_S)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def unique_topic_prefix() -> str:
    """A prefix that makes this test's topic names its own on a shared broker."""
    return f"it-{uuid.uuid4().hex[:12]}-"
