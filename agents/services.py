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
from streamproc import lang
from streamproc.backtest import brand_stopwords
from streamproc.sentiment import Scorer, default_scorer
from streamproc.settings import Config, Env


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
        return cls(
            config=config,
            env=env,
            registry=registry,
            metrics=StreamprocMetrics.create(registry, brands=config.catalog.slugs),
            scorer=default_scorer(),
            detect_language=lang.detect_language,
            console=console,
        )

    def stop_for(self, brand: str) -> frozenset[str]:
        """A brand's own words, never shown as top terms (cached)."""
        found = self.stopwords.get(brand)
        if found is None:
            found = self.stopwords[brand] = brand_stopwords(self.config, brand)
        return found
