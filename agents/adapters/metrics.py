"""The Prometheus metrics bundle of a streamproc worker (business and health series).

One `StreamprocMetrics` is built per worker against one registry, the same
registry that Faust's Prometheus sensor uses, so that one ``/metrics`` page
carries both. Every label has a bounded set of values fixed at `create`: brand
slugs come from the configuration (anything else is counted as ``"other"``),
languages, sources, reasons, statuses and Slack methods from the tuples below.
The series of known label values are created at start, so that a rate over a
quiet brand is 0 rather than absent. Times are in seconds, counters end in
``_total`` (prometheus_client adds the suffix), following Prometheus naming.

The deploy tests (tests/deploy) check that every dashboard and rule expression
names a metric that this bundle or Faust's sensor defines.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info
from prometheus_client.process_collector import ProcessCollector

from streamproc import __version__
from streamproc.alerting import ACTIONS
from streamproc.model import UNDETERMINED_LANG, AlertStatus, Severity
from streamproc.parse import REASONS

OTHER = "other"
"""The label value that every value outside a label's known set is counted under."""

UNKNOWN_SOURCE = "unknown"
"""The `source` label of a mention that carries no source."""

FAUST_METRICS_PREFIX = "streamproc"
"""The `name_prefix` that Faust's sensor must use for the rules and dashboards.

Pass it as ``setup_prometheus_sensors(app, registry=..., name_prefix=...)``
(Faust's default is the app id). Faust's names are not namespaced like ours:
``streamproc_topic_partition_end_offset``, ``streamproc_messages_received_total``.
"""

KNOWN_LANGS: tuple[str, ...] = ("ca", "en", "es", "fr", "it", "pt")
"""The languages with their own `lang` label value; "und" and "other" beside."""

SENTIMENT_LABELS: tuple[str, ...] = ("negative", "neutral", "positive")

SOURCES: tuple[str, ...] = (
    "twitter",
    "facebook",
    "instagram",
    "news",
    "blog",
    "review",
    "forum",
)
"""DESIGN.md's sources; a mention without one is "unknown", any other "other"."""

SLACK_METHODS: tuple[str, ...] = (
    "chat.postMessage",
    "chat.update",
    "chat.postEphemeral",
    "chat.getPermalink",
    "conversations.history",
    "conversations.replies",
    "conversations.list",
    "auth.test",
)

SLACK_OUTCOMES: tuple[str, ...] = (
    "ok",
    "api_error",
    "rate_limited",
    "server_error",
    "connection_error",
)
"""See `slack_outcome`, which maps a call's result to one of these."""

SLACK_RETRY_REASONS: tuple[str, ...] = ("connection", "rate_limit", "server")
"""The retry kinds of agents.adapters.slack's retry handlers."""

SLACK_OUTBOX_EVENTS: tuple[str, ...] = (
    "root_adopted",
    "root_not_found",
    "lookup_failed",
    "reply_found",
    "reply_not_found",
    "reply_lookup_failed",
    "thread_pruned",
    "tombstone_expired",
    "late_event_dropped",
)
"""What the notify agent's outbox counts besides calls: lost-answer lookups
(of roots and of replies), pruning, and events refused because their
incident's thread was pruned."""

_SLACK_SERVER_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


def slack_outcome(ok: bool, error: str | None) -> str:
    """The `outcome` label of a Slack call from its ``ok`` flag and error name.

    `error` is Slack's error name, ``http_<status>``, or the Slack adapter's
    transport kind (``connection``, ``client``).

    >>> [slack_outcome(True, None), slack_outcome(False, "ratelimited")]
    ['ok', 'rate_limited']
    >>> [slack_outcome(False, "http_503"), slack_outcome(False, "connection")]
    ['server_error', 'connection_error']
    >>> slack_outcome(False, "channel_not_found")
    'api_error'
    """
    if ok:
        return "ok"
    if error in ("ratelimited", "http_429"):
        return "rate_limited"
    if error is not None and (error in _SLACK_SERVER_ERRORS or re.fullmatch(r"http_5\d\d", error)):
        return "server_error"
    if error == "connection":
        return "connection_error"
    return "api_error"


INCIDENT_ACTIONS: tuple[str, ...] = ACTIONS
"""The actions people take on incidents from Slack (`streamproc.alerting`)."""

ALERT_STATUSES: tuple[str, ...] = tuple(status.value for status in AlertStatus)
SEVERITIES: tuple[str, ...] = tuple(severity.value for severity in Severity)

_LABEL_SET = frozenset(SENTIMENT_LABELS)
_STATUS_SET = frozenset(ALERT_STATUSES)
_SEVERITY_SET = frozenset(SEVERITIES)
_ACTION_SET = frozenset(INCIDENT_ACTIONS)
_SLACK_METHOD_SET = frozenset(SLACK_METHODS)
_SLACK_OUTBOX_EVENT_SET = frozenset(SLACK_OUTBOX_EVENTS)
_SLACK_OUTCOME_SET = frozenset(SLACK_OUTCOMES)
_SLACK_RETRY_SET = frozenset(SLACK_RETRY_REASONS)

ALERT_STATE_OK = 0
ALERT_STATE_WARNING = 1
ALERT_STATE_CRITICAL = 2

PROCESSING_LATENCY_BUCKETS = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
    300.0,
)
"""Seconds from produce to processed: a healthy worker stays well under a second."""

EVENT_TIME_LAG_BUCKETS = (
    1.0,
    5.0,
    15.0,
    30.0,
    60.0,
    120.0,
    300.0,
    600.0,
    1800.0,
    3600.0,
    7200.0,
    21600.0,
    86400.0,
)
"""Seconds from a mention's event time to its ingest: sources can be hours late."""

SLACK_DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def _bounded(value: str | None, allowed: frozenset[str]) -> str:
    return value if value is not None and value in allowed else OTHER


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    """The allowed values of each bounded label, fixed at `create`."""

    brands: frozenset[str]
    langs: frozenset[str]
    sources: frozenset[str]
    reasons: frozenset[str]


@dataclass(frozen=True, slots=True)
class StreamprocMetrics:
    """Every streamproc series of one worker, registered in one registry.

    Build it with `create`; the agents call the methods, which never raise on
    an unknown label value (it is counted as "other").
    """

    vocabulary: _Vocabulary
    mentions: Counter
    scored_mentions: Counter
    scored_mentions_by_source: Counter
    dlq_records: Counter
    duplicate_mentions: Counter
    late_mentions: Counter
    buckets_judged: Counter
    bucket_mentions: Gauge
    bucket_negative_mentions: Gauge
    observed_negative_mentions: Gauge
    baseline_negative_mentions: Gauge
    anomaly_score: Gauge
    alert_events: Counter
    incidents_opened: Counter
    incidents_resolved: Counter
    alert_state: Gauge
    incident_actions: Counter
    incident_acknowledged: Gauge
    processing_latency_seconds: Histogram
    event_time_lag_seconds: Histogram
    watermark_age_seconds: Gauge
    watermark_timestamp_seconds: Gauge
    slack_requests: Counter
    slack_request_duration_seconds: Histogram
    slack_retries: Counter
    slack_outbox_pending_messages: Gauge
    slack_outbox_events: Counter
    build: Info

    @classmethod
    def create(
        cls,
        registry: CollectorRegistry,
        brands: Sequence[str],
        namespace: str = "streamproc",
        *,
        reasons: Iterable[str] = REASONS,
        langs: Iterable[str] = KNOWN_LANGS,
        sources: Iterable[str] = SOURCES,
    ) -> StreamprocMetrics:
        """Register the bundle in `registry`, with the series of known labels set up.

        Args:
            registry: where the metrics live (a fresh `CollectorRegistry` in tests).
            brands: the configured brand slugs: the only brand label values
                besides "other".
            namespace: the first part of every name.
            reasons: the DLQ reason codes (default: ``streamproc.parse.REASONS``).
            langs: languages with their own label value ("und" is added).
            sources: mention sources with their own label value ("unknown" is
                added for a mention without one).

        Raises:
            ValueError: a brand slug is "other" or empty.
        """
        brand_set = frozenset(brands)
        if OTHER in brand_set or "" in brand_set:
            msg = f"brand slugs must be non-empty and not {OTHER!r}: {sorted(brand_set)}"
            raise ValueError(msg)
        vocabulary = _Vocabulary(
            brands=brand_set,
            langs=frozenset((*langs, UNDETERMINED_LANG)),
            sources=frozenset((*sources, UNKNOWN_SOURCE)),
            reasons=frozenset(reasons),
        )
        brand_values = sorted(brand_set | {OTHER})

        def counter(name: str, doc: str, labels: Sequence[str] = ()) -> Counter:
            return Counter(name, doc, labels, namespace=namespace, registry=registry)

        def gauge(name: str, doc: str, labels: Sequence[str] = ()) -> Gauge:
            return Gauge(name, doc, labels, namespace=namespace, registry=registry)

        def histogram(
            name: str, doc: str, buckets: Sequence[float], labels: Sequence[str] = ()
        ) -> Histogram:
            return Histogram(
                name,
                doc,
                labels,
                namespace=namespace,
                registry=registry,
                buckets=buckets,
            )

        metrics = cls(
            vocabulary=vocabulary,
            mentions=counter(
                "mentions",
                "Mentions by outcome: accepted (one per scored mention and brand), "
                "rejected (to mentions-dlq) or duplicate (dropped).",
                ["outcome"],
            ),
            scored_mentions=counter(
                "scored_mentions",
                "Scored mentions by brand, language and sentiment label.",
                ["brand", "lang", "label"],
            ),
            scored_mentions_by_source=counter(
                "scored_mentions_by_source",
                "Scored mentions by brand, source and sentiment label.",
                ["brand", "source", "label"],
            ),
            dlq_records=counter(
                "dlq_records",
                "Records sent to mentions-dlq, by reason code.",
                ["reason"],
            ),
            duplicate_mentions=counter(
                "duplicate_mentions",
                "Mentions dropped as duplicates of an id already seen.",
                ["brand"],
            ),
            late_mentions=counter(
                "late_mentions",
                "Mentions that arrived after their bucket was judged.",
                ["brand"],
            ),
            buckets_judged=counter("buckets_judged", "Event-time buckets judged.", ["brand"]),
            bucket_mentions=gauge(
                "bucket_mentions",
                "All mentions of the brand in its last judged bucket.",
                ["brand"],
            ),
            bucket_negative_mentions=gauge(
                "bucket_negative_mentions",
                "Negative mentions of the brand in its last judged bucket.",
                ["brand"],
            ),
            observed_negative_mentions=gauge(
                "observed_negative_mentions",
                "The detector's observed value for the last judged bucket "
                "(same unit as the baseline).",
                ["brand"],
            ),
            baseline_negative_mentions=gauge(
                "baseline_negative_mentions",
                "The detector's expected value (baseline) for the last judged bucket.",
                ["brand"],
            ),
            anomaly_score=gauge(
                "anomaly_score",
                "How anomalous the last judged bucket was (comparable across brands).",
                ["brand"],
            ),
            alert_events=counter(
                "alert_events",
                "Alert lifecycle events by brand, status and severity.",
                ["brand", "status", "severity"],
            ),
            incidents_opened=counter(
                "incidents_opened", "Incidents opened (firing events).", ["brand"]
            ),
            incidents_resolved=counter("incidents_resolved", "Incidents resolved.", ["brand"]),
            alert_state=gauge(
                "alert_state",
                "Alert state of the brand: 0 ok, 1 warning, 2 critical.",
                ["brand"],
            ),
            incident_actions=counter(
                "incident_actions",
                "Actions taken on incidents from Slack, by brand and action.",
                ["brand", "action"],
            ),
            incident_acknowledged=gauge(
                "incident_acknowledged",
                "1 while the brand's open incident is acknowledged or snoozed.",
                ["brand"],
            ),
            processing_latency_seconds=histogram(
                "processing_latency_seconds",
                "Seconds from a record's produce timestamp to its processed end.",
                PROCESSING_LATENCY_BUCKETS,
            ),
            event_time_lag_seconds=histogram(
                "event_time_lag_seconds",
                "Seconds from a mention's event time to its ingest (wall clock).",
                EVENT_TIME_LAG_BUCKETS,
            ),
            watermark_age_seconds=gauge(
                "watermark_age_seconds",
                "Wall-clock seconds behind the partition's event-time watermark "
                "when it last moved.",
                ["partition"],
            ),
            watermark_timestamp_seconds=gauge(
                "watermark_timestamp_seconds",
                "The partition's event-time watermark, Unix seconds.",
                ["partition"],
            ),
            slack_requests=counter(
                "slack_requests",
                "Slack Web API calls by method and outcome.",
                ["method", "outcome"],
            ),
            slack_request_duration_seconds=histogram(
                "slack_request_duration_seconds",
                "Seconds per Slack Web API call, retries included.",
                SLACK_DURATION_BUCKETS,
                ["method"],
            ),
            slack_retries=counter("slack_retries", "Slack calls retried, by reason.", ["reason"]),
            slack_outbox_pending_messages=gauge(
                "slack_outbox_pending_messages",
                "Alert events waiting in the durable outbox for Slack's ok.",
            ),
            slack_outbox_events=counter(
                "slack_outbox_events",
                "Outbox bookkeeping: root lookups after a lost answer, pruned threads, "
                "expired tombstones, events of pruned incidents dropped.",
                ["event"],
            ),
            build=Info("build", "streamproc build.", namespace=namespace, registry=registry),
        )
        metrics.build.info({"version": __version__})
        metrics._set_up_series(brand_values)
        # Worker health panels read process_*; the default registry has them already.
        if registry.get_sample_value("process_start_time_seconds") is None:
            ProcessCollector(registry=registry)
        return metrics

    def _set_up_series(self, brand_values: Sequence[str]) -> None:
        """Create every known label combination at 0 (absent is not zero in PromQL)."""
        vocab = self.vocabulary
        for outcome in ("accepted", "rejected", "duplicate"):
            self.mentions.labels(outcome=outcome)
        for reason in sorted(vocab.reasons | {OTHER}):
            self.dlq_records.labels(reason=reason)
        langs = sorted(vocab.langs | {OTHER})
        sources = sorted(vocab.sources | {OTHER})
        for brand in brand_values:
            for lang, label in itertools.product(langs, SENTIMENT_LABELS):
                self.scored_mentions.labels(brand=brand, lang=lang, label=label)
            for source, label in itertools.product(sources, SENTIMENT_LABELS):
                self.scored_mentions_by_source.labels(brand=brand, source=source, label=label)
            for status, severity in itertools.product(ALERT_STATUSES, SEVERITIES):
                self.alert_events.labels(brand=brand, status=status, severity=severity)
            for action in INCIDENT_ACTIONS:
                self.incident_actions.labels(brand=brand, action=action)
            for per_brand in (
                self.duplicate_mentions,
                self.late_mentions,
                self.buckets_judged,
                self.incidents_opened,
                self.incidents_resolved,
            ):
                per_brand.labels(brand=brand)
            self.alert_state.labels(brand=brand).set(ALERT_STATE_OK)
            self.incident_acknowledged.labels(brand=brand).set(0)
        for method in (*SLACK_METHODS, OTHER):
            self.slack_request_duration_seconds.labels(method=method)
            for outcome in (*SLACK_OUTCOMES, OTHER):
                self.slack_requests.labels(method=method, outcome=outcome)
        for reason in (*SLACK_RETRY_REASONS, OTHER):
            self.slack_retries.labels(reason=reason)
        for event in (*SLACK_OUTBOX_EVENTS, OTHER):
            self.slack_outbox_events.labels(event=event)

    def _brand(self, brand: str) -> str:
        return _bounded(brand, self.vocabulary.brands)

    def mention_accepted(self, brand: str, lang: str, label: str, source: str | None) -> None:
        """Count one scored mention for one brand (a mention may match several)."""
        brand = self._brand(brand)
        label = _bounded(label, _LABEL_SET)
        source_value = UNKNOWN_SOURCE if source is None else source
        self.mentions.labels(outcome="accepted").inc()
        self.scored_mentions.labels(
            brand=brand, lang=_bounded(lang, self.vocabulary.langs), label=label
        ).inc()
        self.scored_mentions_by_source.labels(
            brand=brand,
            source=_bounded(source_value, self.vocabulary.sources),
            label=label,
        ).inc()

    def mention_rejected(self, reason: str) -> None:
        """Count one record sent to mentions-dlq."""
        self.mentions.labels(outcome="rejected").inc()
        self.dlq_records.labels(reason=_bounded(reason, self.vocabulary.reasons)).inc()

    def mention_duplicate(self, brand: str) -> None:
        """Count one mention dropped because its id was already seen."""
        self.mentions.labels(outcome="duplicate").inc()
        self.duplicate_mentions.labels(brand=self._brand(brand)).inc()

    def late_mention(self, brand: str) -> None:
        """Count one mention whose bucket had already been judged."""
        self.late_mentions.labels(brand=self._brand(brand)).inc()

    def bucket_judged(
        self,
        brand: str,
        observed: float,
        expected: float,
        score: float,
        total: int,
        negative: int,
    ) -> None:
        """Publish the numbers of the brand's bucket that was just judged."""
        brand = self._brand(brand)
        self.buckets_judged.labels(brand=brand).inc()
        self.observed_negative_mentions.labels(brand=brand).set(observed)
        self.baseline_negative_mentions.labels(brand=brand).set(expected)
        self.anomaly_score.labels(brand=brand).set(score)
        self.bucket_mentions.labels(brand=brand).set(total)
        self.bucket_negative_mentions.labels(brand=brand).set(negative)

    def alert_event(self, brand: str, status: str, severity: str) -> None:
        """Count an alert lifecycle event and move the brand's alert state gauge.

        ``firing`` opens an incident (not yet acknowledged), ``resolved``
        closes it; ``escalated`` and ``updated`` only move the state to the
        event's severity. An unknown status is counted and changes no gauge.
        """
        brand = self._brand(brand)
        status = _bounded(status, _STATUS_SET)
        severity = _bounded(severity, _SEVERITY_SET)
        self.alert_events.labels(brand=brand, status=status, severity=severity).inc()
        if status == AlertStatus.RESOLVED:
            self.incidents_resolved.labels(brand=brand).inc()
            self.alert_state.labels(brand=brand).set(ALERT_STATE_OK)
            self.incident_acknowledged.labels(brand=brand).set(0)
            return
        if status == OTHER:
            return
        if status == AlertStatus.FIRING:
            self.incidents_opened.labels(brand=brand).inc()
            self.incident_acknowledged.labels(brand=brand).set(0)
        self.alert_state.labels(brand=brand).set(_state_of(severity))

    def incident_action(self, brand: str, action: str) -> None:
        """Count a person's action on the brand's incident (from Slack).

        Acknowledge and snooze mark the open incident as acknowledged, which
        silences the "unacknowledged incident" alert; resolve is counted and
        leaves the state to the ``resolved`` alert event that follows it.
        """
        brand = self._brand(brand)
        action = _bounded(action, _ACTION_SET)
        self.incident_actions.labels(brand=brand, action=action).inc()
        if action in ("acknowledge", "snooze"):
            self.incident_acknowledged.labels(brand=brand).set(1)

    def set_alert_state(
        self, brand: str, severity: str | None, *, acknowledged: bool = False
    ) -> None:
        """Set the state gauges without counting an event (after recovery).

        A worker that takes over a brand (restart, rebalance) learns its open
        incident from the alert-state table; ``severity=None`` means none open.
        """
        brand = self._brand(brand)
        state = ALERT_STATE_OK if severity is None else _state_of(severity)
        self.alert_state.labels(brand=brand).set(state)
        self.incident_acknowledged.labels(brand=brand).set(
            1 if acknowledged and state != ALERT_STATE_OK else 0
        )

    def clear_owned_gauges(self) -> None:
        """Drop per-brand and per-partition gauges (call on partitions revoked).

        A gauge keeps its last value forever, so a worker that lost a brand's
        partition would go on exporting a stale score next to the new owner's.
        The owner sets them again at its next judged bucket and watermark; call
        `set_alert_state` for the brands it still holds, from its alert table.
        """
        for per_brand_gauge in (
            self.bucket_mentions,
            self.bucket_negative_mentions,
            self.observed_negative_mentions,
            self.baseline_negative_mentions,
            self.anomaly_score,
            self.alert_state,
            self.incident_acknowledged,
            self.watermark_age_seconds,
            self.watermark_timestamp_seconds,
        ):
            per_brand_gauge.clear()

    def processing_latency(self, seconds: float) -> None:
        """Observe produce -> processed seconds (clock skew below 0 counts as 0)."""
        self.processing_latency_seconds.observe(max(seconds, 0.0))

    def event_time_lag(self, seconds: float) -> None:
        """Observe wall-clock now minus event time at ingest (future times as 0)."""
        self.event_time_lag_seconds.observe(max(seconds, 0.0))

    def watermark(self, partition: int, watermark_ms: int, now_ms: int) -> None:
        """Publish a partition's event-time watermark and its age at `now_ms`."""
        label = str(partition)
        self.watermark_timestamp_seconds.labels(partition=label).set(watermark_ms / 1000)
        self.watermark_age_seconds.labels(partition=label).set(max(now_ms - watermark_ms, 0) / 1000)

    def slack_request(self, method: str, outcome: str, seconds: float) -> None:
        """Count one Slack Web API call and its duration."""
        method = _bounded(method, _SLACK_METHOD_SET)
        self.slack_requests.labels(
            method=method, outcome=_bounded(outcome, _SLACK_OUTCOME_SET)
        ).inc()
        self.slack_request_duration_seconds.labels(method=method).observe(max(seconds, 0.0))

    def slack_retry(self, reason: str) -> None:
        """Count one retry of a Slack call."""
        self.slack_retries.labels(reason=_bounded(reason, _SLACK_RETRY_SET)).inc()

    def slack_pending(self, n: int) -> None:
        """Publish how many alert events wait in the durable Slack outbox."""
        self.slack_outbox_pending_messages.set(n)

    def slack_outbox_event(self, event: str) -> None:
        """Count one outbox bookkeeping event (see `SLACK_OUTBOX_EVENTS`)."""
        self.slack_outbox_events.labels(event=_bounded(event, _SLACK_OUTBOX_EVENT_SET)).inc()


def _state_of(severity: str) -> int:
    return ALERT_STATE_CRITICAL if severity == Severity.CRITICAL else ALERT_STATE_WARNING
