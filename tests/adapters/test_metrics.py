"""The metrics bundle against a fresh registry: names, bounded labels, values."""

from __future__ import annotations

import pytest
from faust.sensors.prometheus import FaustMetrics
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from agents.adapters.metrics import (
    FAUST_METRICS_PREFIX,
    KNOWN_LANGS,
    SENTIMENT_LABELS,
    SOURCES,
    StreamprocMetrics,
    slack_outcome,
)
from streamproc import __version__
from streamproc.parse import REASONS

BRANDS = ("verdalia", "lumen-air")


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def metrics(registry: CollectorRegistry) -> StreamprocMetrics:
    return StreamprocMetrics.create(registry, BRANDS)


def value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def label_values(registry: CollectorRegistry, label: str) -> set[str]:
    return {
        sample.labels[label]
        for family in registry.collect()
        if family.name.startswith("streamproc_")
        for sample in family.samples
        if label in sample.labels
    }


EXPECTED_FAMILIES = {
    "streamproc_mentions": "counter",
    "streamproc_scored_mentions": "counter",
    "streamproc_scored_mentions_by_source": "counter",
    "streamproc_dlq_records": "counter",
    "streamproc_duplicate_mentions": "counter",
    "streamproc_late_mentions": "counter",
    "streamproc_buckets_judged": "counter",
    "streamproc_bucket_mentions": "gauge",
    "streamproc_bucket_negative_mentions": "gauge",
    "streamproc_observed_negative_mentions": "gauge",
    "streamproc_baseline_negative_mentions": "gauge",
    "streamproc_anomaly_score": "gauge",
    "streamproc_alert_events": "counter",
    "streamproc_incidents_opened": "counter",
    "streamproc_incidents_resolved": "counter",
    "streamproc_alert_state": "gauge",
    "streamproc_incident_actions": "counter",
    "streamproc_incident_acknowledged": "gauge",
    "streamproc_processing_latency_seconds": "histogram",
    "streamproc_event_time_lag_seconds": "histogram",
    "streamproc_watermark_age_seconds": "gauge",
    "streamproc_watermark_timestamp_seconds": "gauge",
    "streamproc_slack_requests": "counter",
    "streamproc_slack_request_duration_seconds": "histogram",
    "streamproc_slack_retries": "counter",
    "streamproc_slack_outbox_pending_messages": "gauge",
    "streamproc_slack_outbox_events": "counter",
    "streamproc_build": "info",
}


def test_families_names_and_types(registry: CollectorRegistry, metrics: StreamprocMetrics) -> None:
    families = {f.name: f.type for f in registry.collect() if f.name.startswith("streamproc_")}
    assert families == EXPECTED_FAMILIES


def test_build_info_carries_the_version(
    registry: CollectorRegistry, metrics: StreamprocMetrics
) -> None:
    assert value(registry, "streamproc_build_info", version=__version__) == 1.0


def test_process_metrics_are_registered_once(registry: CollectorRegistry) -> None:
    StreamprocMetrics.create(registry, BRANDS)
    text = generate_latest(registry).decode()
    assert text.count("\nprocess_start_time_seconds ") == 1


def test_namespace_prefixes_every_name(registry: CollectorRegistry) -> None:
    StreamprocMetrics.create(registry, BRANDS, namespace="ops")
    names = {f.name for f in registry.collect() if not f.name.startswith("process_")}
    assert names == {"ops" + name.removeprefix("streamproc") for name in EXPECTED_FAMILIES}


@pytest.mark.parametrize("brands", [("other",), ("",), ("verdalia", "other")])
def test_reserved_or_empty_brand_is_refused(
    registry: CollectorRegistry, brands: tuple[str, ...]
) -> None:
    with pytest.raises(ValueError, match="brand slugs"):
        StreamprocMetrics.create(registry, brands)


@pytest.mark.parametrize(
    ("name", "labels"),
    [
        ("streamproc_mentions_total", {"outcome": "accepted"}),
        ("streamproc_mentions_total", {"outcome": "duplicate"}),
        (
            "streamproc_scored_mentions_total",
            {"brand": "verdalia", "lang": "und", "label": "negative"},
        ),
        (
            "streamproc_scored_mentions_total",
            {"brand": "other", "lang": "other", "label": "positive"},
        ),
        (
            "streamproc_scored_mentions_by_source_total",
            {"brand": "lumen-air", "source": "unknown", "label": "neutral"},
        ),
        ("streamproc_dlq_records_total", {"reason": "invalid_json"}),
        ("streamproc_dlq_records_total", {"reason": "other"}),
        (
            "streamproc_alert_events_total",
            {"brand": "verdalia", "status": "escalated", "severity": "critical"},
        ),
        ("streamproc_incidents_opened_total", {"brand": "lumen-air"}),
        ("streamproc_late_mentions_total", {"brand": "other"}),
        ("streamproc_alert_state", {"brand": "verdalia"}),
        ("streamproc_incident_acknowledged", {"brand": "verdalia"}),
        (
            "streamproc_slack_requests_total",
            {"method": "chat.update", "outcome": "rate_limited"},
        ),
        ("streamproc_slack_retries_total", {"reason": "server"}),
        ("streamproc_slack_request_duration_seconds_count", {"method": "other"}),
    ],
)
def test_known_series_exist_at_zero_from_the_start(
    registry: CollectorRegistry,
    metrics: StreamprocMetrics,
    name: str,
    labels: dict[str, str],
) -> None:
    assert value(registry, name, **labels) == 0.0


def test_every_dlq_reason_of_the_parser_is_set_up(
    registry: CollectorRegistry, metrics: StreamprocMetrics
) -> None:
    assert label_values(registry, "reason") >= set(REASONS)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            ("verdalia", "es", "negative", "twitter"),
            ("verdalia", "es", "negative", "twitter"),
        ),
        (
            ("Verdalia", "es", "negative", "twitter"),
            ("other", "es", "negative", "twitter"),
        ),
        (("acme", "de", "neutral", "tiktok"), ("other", "other", "neutral", "other")),
        (
            ("lumen-air", "und", "positive", None),
            ("lumen-air", "und", "positive", "unknown"),
        ),
        (("lumen-air", "fr", "angry", "news"), ("lumen-air", "fr", "other", "news")),
    ],
)
def test_mention_accepted_counts_bounded_labels(
    registry: CollectorRegistry,
    metrics: StreamprocMetrics,
    call: tuple[str, str, str, str | None],
    expected: tuple[str, str, str, str],
) -> None:
    metrics.mention_accepted(*call)
    metrics.mention_accepted(*call)
    brand, lang, label, source = expected
    assert value(registry, "streamproc_mentions_total", outcome="accepted") == 2
    assert (
        value(
            registry,
            "streamproc_scored_mentions_total",
            brand=brand,
            lang=lang,
            label=label,
        )
        == 2
    )
    assert (
        value(
            registry,
            "streamproc_scored_mentions_by_source_total",
            brand=brand,
            source=source,
            label=label,
        )
        == 2
    )


@pytest.mark.parametrize(
    ("reason", "label"),
    [
        ("invalid_json", "invalid_json"),
        ("bad_timestamp", "bad_timestamp"),
        ("x", "other"),
    ],
)
def test_mention_rejected_counts_by_bounded_reason(
    registry: CollectorRegistry, metrics: StreamprocMetrics, reason: str, label: str
) -> None:
    metrics.mention_rejected(reason)
    assert value(registry, "streamproc_mentions_total", outcome="rejected") == 1
    assert value(registry, "streamproc_dlq_records_total", reason=label) == 1


def test_reasons_can_be_given(registry: CollectorRegistry) -> None:
    metrics = StreamprocMetrics.create(registry, BRANDS, reasons=("custom",))
    metrics.mention_rejected("custom")
    metrics.mention_rejected("invalid_json")
    assert value(registry, "streamproc_dlq_records_total", reason="custom") == 1
    assert value(registry, "streamproc_dlq_records_total", reason="other") == 1


@pytest.mark.parametrize(("brand", "label"), [("verdalia", "verdalia"), ("zz", "other")])
def test_duplicates_and_late_mentions(
    registry: CollectorRegistry, metrics: StreamprocMetrics, brand: str, label: str
) -> None:
    metrics.mention_duplicate(brand)
    metrics.late_mention(brand)
    metrics.late_mention(brand)
    assert value(registry, "streamproc_mentions_total", outcome="duplicate") == 1
    assert value(registry, "streamproc_duplicate_mentions_total", brand=label) == 1
    assert value(registry, "streamproc_late_mentions_total", brand=label) == 2


def test_bucket_judged_sets_the_brand_gauges(
    registry: CollectorRegistry, metrics: StreamprocMetrics
) -> None:
    metrics.bucket_judged(
        "verdalia", observed=42.0, expected=6.5, score=7.25, total=90, negative=42
    )
    metrics.bucket_judged("lumen-air", observed=1.0, expected=2.0, score=0.0, total=10, negative=1)
    expected = {
        "streamproc_observed_negative_mentions": 42.0,
        "streamproc_baseline_negative_mentions": 6.5,
        "streamproc_anomaly_score": 7.25,
        "streamproc_bucket_mentions": 90.0,
        "streamproc_bucket_negative_mentions": 42.0,
        "streamproc_buckets_judged_total": 1.0,
    }
    for name, want in expected.items():
        assert value(registry, name, brand="verdalia") == want, name
    assert value(registry, "streamproc_anomaly_score", brand="lumen-air") == 0.0


# (events, final alert_state, acknowledged, opened, resolved)
ALERT_SEQUENCES = [
    ([("firing", "warning")], 1, 0, 1, 0),
    ([("firing", "critical")], 2, 0, 1, 0),
    ([("firing", "warning"), ("escalated", "critical")], 2, 0, 1, 0),
    ([("firing", "critical"), ("updated", "critical")], 2, 0, 1, 0),
    ([("firing", "warning"), ("resolved", "warning")], 0, 0, 1, 1),
    (
        [("firing", "warning"), ("resolved", "warning"), ("firing", "critical")],
        2,
        0,
        2,
        1,
    ),
    ([("firing", "warning"), ("bogus", "warning")], 1, 0, 1, 0),
    ([("bogus", "bogus")], 0, 0, 0, 0),
]


@pytest.mark.parametrize(("events", "state", "acknowledged", "opened", "resolved"), ALERT_SEQUENCES)
def test_alert_events_drive_state_and_incident_counters(
    registry: CollectorRegistry,
    metrics: StreamprocMetrics,
    events: list[tuple[str, str]],
    state: int,
    acknowledged: int,
    opened: int,
    resolved: int,
) -> None:
    for status, severity in events:
        metrics.alert_event("verdalia", status, severity)
    assert value(registry, "streamproc_alert_state", brand="verdalia") == state
    assert value(registry, "streamproc_incident_acknowledged", brand="verdalia") == acknowledged
    assert value(registry, "streamproc_incidents_opened_total", brand="verdalia") == opened
    assert value(registry, "streamproc_incidents_resolved_total", brand="verdalia") == resolved
    assert value(registry, "streamproc_alert_state", brand="lumen-air") == 0


def test_alert_events_are_counted_by_bounded_status_and_severity(
    registry: CollectorRegistry, metrics: StreamprocMetrics
) -> None:
    metrics.alert_event("verdalia", "escalated", "critical")
    metrics.alert_event("nobody", "weird", "fatal")
    assert (
        value(
            registry,
            "streamproc_alert_events_total",
            brand="verdalia",
            status="escalated",
            severity="critical",
        )
        == 1
    )
    assert (
        value(
            registry,
            "streamproc_alert_events_total",
            brand="other",
            status="other",
            severity="other",
        )
        == 1
    )


@pytest.mark.parametrize(
    ("actions", "acknowledged"),
    [
        (["acknowledge"], 1),
        (["snooze"], 1),
        (["resolve"], 0),
        (["acknowledge", "firing"], 0),
        (["acknowledge", "resolved"], 0),
    ],
)
def test_incident_actions_mark_the_incident_acknowledged(
    registry: CollectorRegistry,
    metrics: StreamprocMetrics,
    actions: list[str],
    acknowledged: int,
) -> None:
    metrics.alert_event("verdalia", "firing", "warning")
    for action in actions:
        if action in ("firing", "resolved"):
            metrics.alert_event("verdalia", action, "warning")
        else:
            metrics.incident_action("verdalia", action)
    assert value(registry, "streamproc_incident_acknowledged", brand="verdalia") == acknowledged
    assert (
        value(
            registry,
            "streamproc_incident_actions_total",
            brand="verdalia",
            action=actions[0],
        )
        == 1
    )


@pytest.mark.parametrize(
    ("severity", "acknowledged", "state", "ack_value"),
    [(None, True, 0, 0), ("warning", False, 1, 0), ("critical", True, 2, 1)],
)
def test_set_alert_state_restores_without_counting(
    registry: CollectorRegistry,
    metrics: StreamprocMetrics,
    severity: str | None,
    acknowledged: bool,
    state: int,
    ack_value: int,
) -> None:
    metrics.set_alert_state("lumen-air", severity, acknowledged=acknowledged)
    assert value(registry, "streamproc_alert_state", brand="lumen-air") == state
    assert value(registry, "streamproc_incident_acknowledged", brand="lumen-air") == ack_value
    assert value(registry, "streamproc_incidents_opened_total", brand="lumen-air") == 0


def test_clear_owned_gauges_drops_stale_brand_and_partition_series(
    registry: CollectorRegistry, metrics: StreamprocMetrics
) -> None:
    metrics.bucket_judged("verdalia", 5.0, 1.0, 4.0, 10, 5)
    metrics.alert_event("verdalia", "firing", "critical")
    metrics.watermark(3, 1_000_000, 1_060_000)
    metrics.clear_owned_gauges()
    assert value(registry, "streamproc_anomaly_score", brand="verdalia") is None
    assert value(registry, "streamproc_alert_state", brand="verdalia") is None
    assert value(registry, "streamproc_watermark_age_seconds", partition="3") is None
    # counters are kept: they are this worker's own history
    assert value(registry, "streamproc_incidents_opened_total", brand="verdalia") == 1
    metrics.bucket_judged("verdalia", 1.0, 1.0, 0.5, 3, 1)
    assert value(registry, "streamproc_anomaly_score", brand="verdalia") == 0.5


@pytest.mark.parametrize(
    ("method", "observations", "bucket", "in_bucket"),
    [
        ("processing_latency", [0.003, 0.2, -1.0], "0.005", 2),
        ("event_time_lag", [0.5, 400.0, 90_000.0, -5.0], "600.0", 3),
    ],
)
def test_latency_histograms_observe_seconds(
    registry: CollectorRegistry,
    metrics: StreamprocMetrics,
    method: str,
    observations: list[float],
    bucket: str,
    in_bucket: int,
) -> None:
    for seconds in observations:
        getattr(metrics, method)(seconds)
    name = f"streamproc_{method}_seconds"
    assert value(registry, f"{name}_count") == len(observations)
    assert value(registry, f"{name}_sum") == pytest.approx(sum(max(s, 0.0) for s in observations))
    assert value(registry, f"{name}_bucket", le=bucket) == in_bucket


@pytest.mark.parametrize(
    ("partition", "watermark_ms", "now_ms", "age", "timestamp"),
    [
        (0, 1_700_000_000_000, 1_700_000_090_500, 90.5, 1_700_000_000.0),
        (7, 1_700_000_000_000, 1_699_999_999_000, 0.0, 1_700_000_000.0),
    ],
)
def test_watermark_age_and_timestamp(
    registry: CollectorRegistry,
    metrics: StreamprocMetrics,
    partition: int,
    watermark_ms: int,
    now_ms: int,
    age: float,
    timestamp: float,
) -> None:
    metrics.watermark(partition, watermark_ms, now_ms)
    labels = {"partition": str(partition)}
    assert value(registry, "streamproc_watermark_age_seconds", **labels) == age
    assert value(registry, "streamproc_watermark_timestamp_seconds", **labels) == timestamp


@pytest.mark.parametrize(
    ("method", "outcome", "method_label", "outcome_label"),
    [
        ("chat.postMessage", "ok", "chat.postMessage", "ok"),
        ("chat.update", "rate_limited", "chat.update", "rate_limited"),
        ("files.upload", "weird", "other", "other"),
    ],
)
def test_slack_requests_by_bounded_method_and_outcome(
    registry: CollectorRegistry,
    metrics: StreamprocMetrics,
    method: str,
    outcome: str,
    method_label: str,
    outcome_label: str,
) -> None:
    metrics.slack_request(method, outcome, 0.3)
    assert (
        value(
            registry,
            "streamproc_slack_requests_total",
            method=method_label,
            outcome=outcome_label,
        )
        == 1
    )
    assert (
        value(
            registry,
            "streamproc_slack_request_duration_seconds_bucket",
            method=method_label,
            le="0.5",
        )
        == 1
    )
    assert (
        value(
            registry,
            "streamproc_slack_request_duration_seconds_sum",
            method=method_label,
        )
        == 0.3
    )


@pytest.mark.parametrize(
    ("ok", "error", "outcome"),
    [
        (True, None, "ok"),
        (False, "ratelimited", "rate_limited"),
        (False, "http_429", "rate_limited"),
        (False, "http_500", "server_error"),
        (False, "http_503", "server_error"),
        (False, "service_unavailable", "server_error"),
        (False, "connection", "connection_error"),
        (False, "client", "api_error"),
        (False, "invalid_auth", "api_error"),
        (False, "http_404", "api_error"),
        (False, None, "api_error"),
    ],
)
def test_slack_outcome_of_a_call(ok: bool, error: str | None, outcome: str) -> None:
    assert slack_outcome(ok, error) == outcome


def test_slack_retries_and_outbox(registry: CollectorRegistry, metrics: StreamprocMetrics) -> None:
    metrics.slack_retry("rate_limit")
    metrics.slack_retry("cosmic_ray")
    metrics.slack_pending(12)
    metrics.slack_pending(4)
    assert value(registry, "streamproc_slack_retries_total", reason="rate_limit") == 1
    assert value(registry, "streamproc_slack_retries_total", reason="other") == 1
    assert value(registry, "streamproc_slack_outbox_pending_messages") == 4


def test_faust_sensor_shares_the_registry(registry: CollectorRegistry) -> None:
    StreamprocMetrics.create(registry, BRANDS)
    FaustMetrics.create(registry, FAUST_METRICS_PREFIX)  # raises on a name clash
    names = {f.name for f in registry.collect()}
    assert "streamproc_topic_partition_end_offset" in names
    assert "streamproc_anomaly_score" in names


def test_exposition_parses_and_holds_every_family(
    registry: CollectorRegistry, metrics: StreamprocMetrics
) -> None:
    metrics.watermark(0, 1_000, 2_000)
    text = generate_latest(registry).decode()
    parsed = {family.name for family in text_string_to_metric_families(text)}
    # the text format has no info type: an info family is read back as a gauge
    expected = {n + "_info" if t == "info" else n for n, t in EXPECTED_FAMILIES.items()}
    assert expected <= parsed


def test_set_up_series_stay_within_a_budget(
    registry: CollectorRegistry, metrics: StreamprocMetrics
) -> None:
    brands = len(BRANDS) + 1
    langs = len(KNOWN_LANGS) + 2  # und, other
    sources = len(SOURCES) + 2  # unknown, other
    scored = [
        s
        for f in registry.collect()
        if f.name == "streamproc_scored_mentions"
        for s in f.samples
        if s.name.endswith("_total")
    ]
    assert len(scored) == brands * langs * len(SENTIMENT_LABELS)
    by_source = [
        s
        for f in registry.collect()
        if f.name == "streamproc_scored_mentions_by_source"
        for s in f.samples
        if s.name.endswith("_total")
    ]
    assert len(by_source) == brands * sources * len(SENTIMENT_LABELS)


any_text = st.one_of(st.sampled_from([*BRANDS, "es", "und", "twitter", "x"]), st.text(max_size=12))


@settings(deadline=None)  # builds a registry per example: slow on a loaded 2-core machine
@given(
    calls=st.lists(
        st.tuples(any_text, any_text, any_text, st.one_of(st.none(), any_text)),
        max_size=25,
    )
)
def test_input_never_creates_a_label_value_outside_the_vocabulary(
    calls: list[tuple[str, str, str, str | None]],
) -> None:
    registry = CollectorRegistry()
    metrics = StreamprocMetrics.create(registry, BRANDS)
    before = {
        label: label_values(registry, label)
        for label in (
            "brand",
            "lang",
            "label",
            "source",
            "reason",
            "status",
            "severity",
        )
    }
    for brand, lang, label, source in calls:
        metrics.mention_accepted(brand, lang, label, source)
        metrics.mention_rejected(lang)
        metrics.mention_duplicate(brand)
        metrics.late_mention(brand)
        metrics.alert_event(brand, label, lang)
        metrics.bucket_judged(brand, 1.0, 1.0, 0.0, 1, 1)
    for label, values in before.items():
        allowed = values | {"other"}
        assert label_values(registry, label) <= allowed, label
