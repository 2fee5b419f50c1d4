"""The brokers the project runs itself: topic admin, exact keyed round trips, no orphans.

Every test that takes `broker_kind`, `make_broker` or `broker` runs on Tansu
and on Apache Kafka (see conftest). Waits below are bounds against hanging,
never speed expectations.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest

from agents.adapters.broker import Broker, free_port
from agents.adapters.kafka_tools import (
    consume_all,
    create_topics,
    delete_topics,
    end_offsets,
    produce,
    topic_configs,
    wait_until_ready,
)
from streamproc.errors import BrokerError

pytestmark = pytest.mark.integration

GONE_WITHIN_S = 60.0
"""How long a killed owner's broker may take to go away: a bound, not a target."""


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes whose process group is `pgid`, from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state != "Z":
            members.append(int(entry.name))
    return members


def wait_until(condition: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


# -- topics and records -----------------------------------------------------------


@pytest.mark.parametrize("partitions", [1, 4])
def test_keyed_messages_round_trip_exactly(
    broker: Broker, unique_topic_prefix: str, partitions: int
) -> None:
    topic = f"{unique_topic_prefix}keyed"
    create_topics(broker.bootstrap, [topic], partitions)
    sent = [(f"key-{i % 37}".encode(), f"value-{i}".encode()) for i in range(1000)]

    assert produce(broker.bootstrap, topic, sent) == 1000
    got = consume_all(broker.bootstrap, topic, timeout_s=60, expected=1000)

    assert len(got) == 1000
    assert sorted(r.value for r in got) == sorted(v for _, v in sent)
    assert {r.partition for r in got} <= set(range(partitions))
    partitions_of_key: dict[bytes | None, set[int]] = defaultdict(set)
    for record in got:
        partitions_of_key[record.key].add(record.partition)
    assert all(len(p) == 1 for p in partitions_of_key.values()), "a key spans partitions"
    for key in partitions_of_key:  # per key, the order it was sent in
        assert [r.value for r in got if r.key == key] == [v for k, v in sent if k == key]


def test_end_offsets_are_exact_on_apache_and_a_lower_bound_on_tansu(
    broker: Broker, unique_topic_prefix: str
) -> None:
    topic = f"{unique_topic_prefix}ends"
    create_topics(broker.bootstrap, [topic], 3)
    produce(broker.bootstrap, topic, [(f"k{i}".encode(), b"v") for i in range(300)])
    got = consume_all(broker.bootstrap, topic, timeout_s=60, idle_s=1.0)
    real: dict[int, int] = defaultdict(int)
    for record in got:
        real[record.partition] = max(real[record.partition], record.offset + 1)

    ends = end_offsets(broker.bootstrap, topic)

    assert len(got) == 300, "consume_all without `expected` must not stop at end offsets"
    assert set(ends) == {0, 1, 2}
    if broker.name == "apache":
        assert ends == {p: real[p] for p in ends}
    else:  # Tansu under-reports ListOffsets (latest): see the shared brokers notes
        assert all(ends[p] <= real[p] for p in ends)


def test_create_topics_accepts_matching_topics_and_rejects_other_partition_counts(
    broker: Broker, unique_topic_prefix: str
) -> None:
    names = [f"{unique_topic_prefix}a", f"{unique_topic_prefix}b"]
    create_topics(broker.bootstrap, names, 3)
    create_topics(broker.bootstrap, names, 3)  # again: already there, same count

    with pytest.raises(BrokerError, match=r"exists with 3 partitions, not 5") as err:
        create_topics(broker.bootstrap, [names[0]], 5)
    assert "\n" not in str(err.value)
    assert end_offsets(broker.bootstrap, names[1]) == {0: 0, 1: 0, 2: 0}


def test_create_topics_passes_topic_configs(broker: Broker, unique_topic_prefix: str) -> None:
    topic = f"{unique_topic_prefix}compacted"
    given = {"cleanup.policy": "compact", "retention.ms": "123456"}
    create_topics(broker.bootstrap, [topic], 2, configs={topic: given})

    kept = topic_configs(broker.bootstrap, topic)

    if broker.name == "apache":
        assert kept == given
    else:  # Tansu accepts topic configs and keeps none of them
        assert set(kept.items()) <= set(given.items())


def test_delete_topics_removes_them_and_ignores_absent_ones(
    broker: Broker, unique_topic_prefix: str
) -> None:
    topic = f"{unique_topic_prefix}doomed"
    create_topics(broker.bootstrap, [topic], 2)

    delete_topics(broker.bootstrap, [topic, f"{unique_topic_prefix}never-was"])

    with pytest.raises(BrokerError, match="does not exist"):
        end_offsets(broker.bootstrap, topic, timeout_s=2)


def test_consume_all_of_a_topic_that_never_appears_is_empty(
    broker: Broker, unique_topic_prefix: str
) -> None:
    assert consume_all(broker.bootstrap, f"{unique_topic_prefix}nothing", timeout_s=2) == []


# -- errors a person reads ----------------------------------------------------------

UNREACHABLE = "127.0.0.1:9"  # the discard port: nothing listens on loopback


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: wait_until_ready(UNREACHABLE, timeout_s=1), id="wait_until_ready"),
        pytest.param(lambda: create_topics(UNREACHABLE, ["t"], 1, timeout_s=1), id="create"),
        pytest.param(lambda: delete_topics(UNREACHABLE, ["t"], timeout_s=1), id="delete"),
        pytest.param(lambda: end_offsets(UNREACHABLE, "t", timeout_s=1), id="end_offsets"),
        pytest.param(lambda: consume_all(UNREACHABLE, "t", timeout_s=1), id="consume_all"),
        pytest.param(lambda: produce(UNREACHABLE, "t", [(None, b"x")], timeout_s=1), id="produce"),
    ],
)
def test_an_unreachable_bootstrap_is_one_line_naming_it(call: Callable[[], object]) -> None:
    with pytest.raises(BrokerError) as err:
        call()
    message = str(err.value)
    assert "\n" not in message
    assert UNREACHABLE in message


def test_wait_until_ready_names_the_env_var_and_the_cause() -> None:
    expected = r"^KAFKA_BROKER kafka://127\.0\.0\.1:9 is unreachable after 1 s: no listener on 127"
    with pytest.raises(BrokerError, match=expected):
        wait_until_ready("kafka://127.0.0.1:9", timeout_s=1)


@pytest.mark.slow
def test_a_taken_port_fails_the_start_with_the_reason_and_the_log(
    make_broker: Callable[..., Broker],
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))  # bound, not listening: probes are refused at once
        port = taken.getsockname()[1]
        broker = make_broker(port=port)
        with pytest.raises(BrokerError) as err:
            broker.start(timeout_s=120)
    first, *rest = str(err.value).splitlines()
    assert first == f"{broker.name} broker cannot listen on 127.0.0.1:{port}: port in use"
    assert rest[0].startswith("--- last lines of ")
    assert broker.pid is None
    assert broker.log_path.is_file()  # kept, since it explains the failure
    broker.log_path.unlink()
    broker.log_path.parent.rmdir()  # and nothing else was left beside it


# -- lifecycle: no orphan, ever -----------------------------------------------------


@pytest.mark.slow
def test_stop_leaves_no_process_and_no_files(make_broker: Callable[..., Broker]) -> None:
    broker = make_broker()
    broker.start(timeout_s=120)
    pgid = broker.pid
    assert pgid is not None
    members = group_members(pgid)
    assert len(members) == 2, "supervisor and broker"
    workdir = broker.log_path.parent

    broker.stop()

    assert group_members(pgid) == []
    assert all(not Path(f"/proc/{pid}").exists() for pid in members)
    assert not workdir.exists()
    assert broker.pid is None
    broker.stop()  # idempotent


OWNER = """
import json, sys, time
from pathlib import Path
from agents.adapters.broker import ApacheKafkaBroker, EmbeddedBroker, install_signal_handlers
if sys.argv[2] == "handlers":
    install_signal_handlers()
if sys.argv[1] == "tansu":
    broker = EmbeddedBroker()
else:
    broker = ApacheKafkaBroker(jars_dir=Path(sys.argv[3]))
with broker:
    print(json.dumps({"pgid": broker.pid, "workdir": str(broker.log_path.parent)}), flush=True)
    time.sleep(600)
"""


def start_owner(kind: str, handlers: str, jars: str) -> tuple[subprocess.Popen[str], int, Path]:
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, kind, handlers, jars],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert owner.stdout is not None
    line = owner.stdout.readline()
    assert line, f"the owner process died before its broker was up (exit {owner.wait()})"
    info = json.loads(line)
    return owner, int(info["pgid"]), Path(info["workdir"])


def assert_owner_end_takes_the_broker_along(
    kind: str, sig: signal.Signals, handlers: str, jars: str = ""
) -> None:
    owner, pgid, workdir = start_owner(kind, handlers, jars)
    try:
        assert len(group_members(pgid)) == 2

        os.kill(owner.pid, sig)
        code = owner.wait(timeout=GONE_WITHIN_S)

        assert code != 0
        assert wait_until(lambda: group_members(pgid) == [], GONE_WITHIN_S), "orphan broker"
        assert wait_until(lambda: not workdir.exists(), GONE_WITHIN_S), "temp dir left"
    finally:
        owner.kill()
        for pid in group_members(pgid):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
def test_the_broker_goes_when_its_owner_is_sigkilled(
    request: pytest.FixtureRequest, broker_kind: str
) -> None:
    """SIGKILL skips every `finally` and atexit hook: the supervisor sees the
    owner's pipe close, stops the broker and removes its temporary directory."""
    jars = str(request.getfixturevalue("kafka_jars")) if broker_kind == "apache" else ""
    assert_owner_end_takes_the_broker_along(broker_kind, signal.SIGKILL, "default", jars)


@pytest.mark.parametrize(
    ("sig", "handlers"),
    [
        pytest.param(signal.SIGINT, "default", id="ctrl-c"),
        pytest.param(signal.SIGTERM, "handlers", id="sigterm-with-handlers"),
        pytest.param(signal.SIGTERM, "default", id="sigterm-bare"),
    ],
)
def test_the_embedded_broker_goes_however_its_owner_ends(
    sig: signal.Signals, handlers: str
) -> None:
    """SIGINT and a handled SIGTERM unwind through `with broker:`; a bare SIGTERM
    ends Python at once and the supervisor cleans up (the same for any broker)."""
    assert_owner_end_takes_the_broker_along("tansu", sig, handlers)


def test_free_port_gives_a_bindable_loopback_port() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
    assert 0 < port < 65536
