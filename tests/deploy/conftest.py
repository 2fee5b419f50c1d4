"""Fixtures of the deploy tests: paths, promtool, and the metric names that exist.

The names are what a scrape of a worker can show: the streamproc bundle and
Faust's sensor built on a fresh registry (each family expanded to the sample
names the exposition format gives it), Prometheus's own `up`, and the series
recorded by our rules.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
import yaml
from faust.sensors.prometheus import FaustMetrics
from prometheus_client import CollectorRegistry

from agents.adapters.metrics import FAUST_METRICS_PREFIX, StreamprocMetrics

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
RULES = DEPLOY / "prometheus" / "rules" / "streamproc.rules.yml"

_SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
    "info": ("_info",),
    "stateset": ("",),
    "unknown": ("",),
}

PROMETHEUS_OWN_SERIES = frozenset({"up", "ALERTS"})

# Grafana's built-in variables, replaced by a value of the right kind before a
# dashboard expression is parsed; a dashboard's own variables become a label value.
GRAFANA_BUILTINS = {
    "__rate_interval": "5m",
    "__interval": "1m",
    "__range": "1h",
    "__interval_ms": "60000",
    "__range_s": "3600",
    "__range_ms": "3600000",
}
_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_]\w*)(?::\w+)?\}|([A-Za-z_]\w*))")

_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_BRACES = re.compile(r"\{[^{}]*\}")
_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_IDENTIFIER = re.compile(r"(?<![\w:.])([A-Za-z_:][\w:]*)(?![\w:])(?!\s*\()")
_KEYWORDS = frozenset(
    {
        "and",
        "or",
        "unless",
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "bool",
        "offset",
        "inf",
        "nan",
        "atan2",
    }
)


def metric_names_in(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (strings, matchers,
    ranges, grouping labels and function names removed)."""
    text = _STRING.sub('""', expr)
    text = _BRACES.sub(" ", text)
    text = _BRACKETS.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    return {name for name in _IDENTIFIER.findall(text) if name.lower() not in _KEYWORDS}


def substitute_grafana_variables(expr: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return GRAFANA_BUILTINS.get(name, "example")

    return _VARIABLE.sub(value, expr)


def exposed_names(registry: CollectorRegistry) -> set[str]:
    return {
        family.name + suffix for family in registry.collect() for suffix in _SUFFIXES[family.type]
    }


def recorded_names(rules_file: Path = RULES) -> set[str]:
    data = yaml.safe_load(rules_file.read_text(encoding="utf-8"))
    return {
        rule["record"] for group in data["groups"] for rule in group["rules"] if "record" in rule
    }


def require_binary(name: str) -> str:
    """The binary's path; skips when absent, but fails under CI=true."""
    path = shutil.which(name)
    if path is None:
        reason = f"{name} not installed (Debian package `prometheus`)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: the test setup must install it")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def promtool() -> str:
    return require_binary("promtool")


@pytest.fixture(scope="session")
def known_metric_names() -> frozenset[str]:
    """Every series name a dashboard or rule may use."""
    registry = CollectorRegistry()
    StreamprocMetrics.create(registry, ("example",))
    FaustMetrics.create(registry, FAUST_METRICS_PREFIX)
    return frozenset(exposed_names(registry) | recorded_names() | PROMETHEUS_OWN_SERIES)


def _run_promtool(promtool: str, *args: str | Path, cwd: Path | None = None) -> str:
    """Run promtool; fail the test with its output when it exits non-zero."""
    done = subprocess.run(
        [promtool, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )
    output = done.stdout + done.stderr
    if done.returncode != 0:
        pytest.fail(f"promtool {' '.join(map(str, args))} failed:\n{output}")
    return output


@pytest.fixture
def check_expressions(promtool: str, tmp_path: Path) -> Callable[[Mapping[str, str]], str]:
    """Parse PromQL expressions with promtool (as recording rules of a temp file).

    Keys name each expression (they become the rule names promtool reports).
    """

    def check(expressions: Mapping[str, str]) -> str:
        rules = [
            {"record": f"check_{index}_{re.sub(r'[^A-Za-z0-9_]', '_', name)}", "expr": expr}
            for index, (name, expr) in enumerate(expressions.items())
        ]
        path = tmp_path / "expressions.rules.yml"
        path.write_text(
            yaml.safe_dump({"groups": [{"name": "expressions", "rules": rules}]}),
            encoding="utf-8",
        )
        return _run_promtool(promtool, "check", "rules", path)

    return check


@pytest.fixture
def run_promtool(promtool: str) -> Callable[..., str]:
    """``run_promtool(*args, cwd=None)``: promtool's output; fails the test on error."""

    def run(*args: str | Path, cwd: Path | None = None) -> str:
        return _run_promtool(promtool, *args, cwd=cwd)

    return run


@pytest.fixture(scope="session")
def promql_names() -> Callable[[str], set[str]]:
    """The metric names a PromQL expression selects."""
    return metric_names_in


@pytest.fixture(scope="session")
def grafana_substitute() -> Callable[[str], str]:
    """A dashboard expression with its `$variables` replaced by sample values."""
    return substitute_grafana_variables


@pytest.fixture(scope="session")
def require() -> Callable[[str], str]:
    """``require(name)``: a binary's path; skips if absent, fails under CI=true."""
    return require_binary
