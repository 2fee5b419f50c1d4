"""Helpers shared by the tests and the benches: a worker in a subprocess, configs.

A real `streamproc worker` process (not an in-process app), so that tests
can SIGKILL it and start another, as an operator's crash would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path

from agents.adapters.broker import free_port
from streamproc.model import Rejection
from streamproc.parse import parse
from streamproc.settings import DEFAULT_CONFIG_DIR


def split_at(lines: Iterable[bytes], at_ms: int) -> tuple[list[bytes], list[bytes]]:
    """Raw mention lines whose event time is before `at_ms`, and the others.

    A line that does not parse stays with the first part: the split is for
    onboarding a brand with what came before and replaying what came after.
    """
    before: list[bytes] = []
    after: list[bytes] = []
    for line in lines:
        parsed = parse(line)
        late = not isinstance(parsed, Rejection) and parsed.created_at_ms >= at_ms
        (after if late else before).append(line)
    return before, after


def give_histories(brands_file: Path, histories: Mapping[str, str]) -> None:
    """Name a history file (``history = PATH``) for each brand, by its name, in a
    brands file written one key a line, as the shipped one is."""
    text = brands_file.read_text(encoding="utf-8")
    for name, path in histories.items():
        named = f'name = "{name}"\n'
        if named not in text:
            msg = f"{brands_file}: no brand named {name!r}"
            raise ValueError(msg)
        text = text.replace(named, f'{named}history = "{path}"\n')
    brands_file.write_text(text, encoding="utf-8")


def write_config(
    directory: Path,
    *,
    app_id: str,
    topic_prefix: str,
    partitions: int = 2,
    tick_seconds: float = 1.0,
    extra_pipeline: Mapping[str, object] | None = None,
) -> Path:
    """A streamproc.toml (with copies of the shipped brands and presets) for one test."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("brands.toml", "detector.toml"):
        shutil.copy(DEFAULT_CONFIG_DIR / name, directory / name)
    lines = [
        "[pipeline]",
        f"partitions = {partitions}",
        "bucket_minutes = 15",
        "allowed_lateness_minutes = 5",
        f"tick_seconds = {tick_seconds}",
        f'app_id = "{app_id}"',
        f'topic_prefix = "{topic_prefix}"',
    ]
    for key, value in (extra_pipeline or {}).items():
        lines.append(f"{key} = {value!r}")
    lines += ["", "[detector]", 'preset = "balanced"', "", "[brands]", 'file = "brands.toml"']
    path = directory / "streamproc.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


class WorkerProcess:
    """`streamproc worker` in its own process group, its output in a log file."""

    def __init__(
        self, config: Path, bootstrap: str, log: Path, env: Mapping[str, str] | None = None
    ) -> None:
        self.config = config
        self.bootstrap = bootstrap
        self.log_path = log
        self.port = free_port()
        self.extra_env = dict(env or {})
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        env = {
            **os.environ,
            "KAFKA_BROKER": f"kafka://{self.bootstrap}",
            "STREAMPROC_CONFIG": str(self.config),
            "STREAMPROC_WEB_PORT": str(self.port),
            "STREAMPROC_LOGLEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamproc", "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/metrics"

    def wait_ready(self, timeout_s: float = 90) -> None:
        """Until /ready answers 200 (partitions assigned, tables recovered)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                msg = f"worker exited with {self.proc.returncode}: {self.tail()}"
                raise RuntimeError(msg)
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}/ready", timeout=2
                ) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        msg = f"worker not ready after {timeout_s} s: {self.tail()}"
        raise TimeoutError(msg)

    def metrics(self) -> str:
        with urllib.request.urlopen(self.metrics_url, timeout=5) as resp:  # noqa: S310
            return str(resp.read().decode())

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def status(self) -> str:
        """'running', 'exited N' or 'not started': for a failing test's message."""
        if self.proc is None:
            return "not started"
        code = self.proc.poll()
        return "running" if code is None else f"exited {code}"

    def signal(self, signum: int) -> bool:
        """Send `signum` to the worker process if it runs; whether it was sent."""
        if self.proc is None or self.proc.poll() is not None:
            return False
        os.kill(self.proc.pid, signum)
        return True

    def kill(self) -> None:
        """SIGKILL the whole process group: a crash, no goodbye."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout_s: float = 30) -> int | None:
        """SIGTERM and wait (then SIGKILL)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode
