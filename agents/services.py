"""Everything the agents reach outside Kafka, built once from the settings.

Tests swap a `Services` (a fresh metrics registry, a fake clock, a Slack
double), not the agents' code.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry

from agents.adapters.metrics import StreamprocMetrics
from agents.adapters.slack import RetryPolicy, SlackCall, SlackNotifier
from streamproc import lang
from streamproc.backtest import brand_stopwords
from streamproc.sentiment import Scorer, default_scorer
from streamproc.settings import Config, Env

SLACK_RETRY = RetryPolicy(
    connection_retries=2, rate_limit_retries=2, server_error_retries=2, max_retry_after_s=5.0
)
"""Short retries inside one Slack call, so that an outage does not hold the
`notify` loop for long: the durable outbox does the long waits."""

_SLACK_OUTCOMES = {
    "ratelimited": "rate_limited",
    "http_429": "rate_limited",
    "connection": "connection_error",
    "timeout": "timeout",
}
_SLACK_RETRY_REASONS = {
    "rate_limit": "rate_limited",
    "server": "server_error",
    "connection": "connection_error",
}


def slack_metrics_hook(metrics: StreamprocMetrics) -> Callable[[SlackCall], None]:
    """What `SlackNotifier` reports per call, as `slack_request`/`slack_retry` series."""

    def hook(call: SlackCall) -> None:
        error = call.error
        if error is None:
            outcome = "ok"
        elif error in _SLACK_OUTCOMES:
            outcome = _SLACK_OUTCOMES[error]
        elif error.startswith("http_5") or error in ("internal_error", "fatal_error"):
            outcome = "server_error"
        else:
            outcome = "api_error"
        metrics.slack_request(call.method, outcome, call.duration_s)
        for kind in call.retries:
            metrics.slack_retry(_SLACK_RETRY_REASONS.get(kind, kind))

    return hook


def wall_ms() -> int:
    """The wall clock in epoch ms (the only clock the agents read)."""
    return time.time_ns() // 1_000_000


@dataclass
class Progress:
    """Counters that `streamproc demo` reads to show progress (one process only)."""

    accepted: int = 0
    unmatched: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    alerts: list[dict[str, object]] = field(default_factory=list)
    flushed_partitions: set[int] = field(default_factory=set)
    flush_target_ms: int | None = None


@dataclass
class Services:
    """The agents' outside world."""

    config: Config
    env: Env
    registry: CollectorRegistry
    metrics: StreamprocMetrics
    scorer: Scorer
    detect_language: Callable[[str], str]
    clock: Callable[[], int] = wall_ms
    progress: Progress = field(default_factory=Progress)
    console: Callable[[str], None] = print
    stopwords: dict[str, frozenset[str]] = field(default_factory=dict)
    slack: SlackNotifier | None = None
    """Slack delivery; None (no `SLACK_BOT_TOKEN`): alerts go to the console."""

    @classmethod
    def create(
        cls,
        config: Config,
        env: Env,
        registry: CollectorRegistry | None = None,
        console: Callable[[str], None] = print,
    ) -> Services:
        """Production services; a fresh registry unless one is given."""
        registry = registry or CollectorRegistry()
        metrics = StreamprocMetrics.create(registry, brands=config.catalog.slugs)
        slack = None
        if env.slack_bot_token:
            slack = SlackNotifier(
                env.slack_bot_token,
                base_url=env.slack_api_url,
                metrics=slack_metrics_hook(metrics),
                retry=SLACK_RETRY,
            )
        return cls(
            config=config,
            env=env,
            registry=registry,
            metrics=metrics,
            scorer=default_scorer(),
            detect_language=lang.detect_language,
            console=console,
            slack=slack,
        )

    def stop_for(self, brand: str) -> frozenset[str]:
        """A brand's own words, never shown as top terms (cached)."""
        found = self.stopwords.get(brand)
        if found is None:
            found = self.stopwords[brand] = brand_stopwords(self.config, brand)
        return found
