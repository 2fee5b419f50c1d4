"""Settings: the environment (DESIGN.md's variables) plus the TOML files in config/.

Everything is validated at start, with one-line errors that name the file and
the key, because a worker that starts with a typo in a brand's channel finds
out only when the crisis comes. This is the only module that knows where a
value came from; the rest of the core takes plain parameters.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from streamproc.brands import Brand, BrandCatalog, brand_from_table
from streamproc.counts import learn_counts, read_counts
from streamproc.detector import DetectorParams, DetectorState
from streamproc.engine import BrandParams
from streamproc.errors import ConfigError, InputFileError
from streamproc.outbox import DEFAULT_PARAMS as DEFAULT_OUTBOX
from streamproc.outbox import OutboxParams
from streamproc.presets import load_presets, resolve_params
from streamproc.windows import WatermarkRules

PACKAGE_ROOT = Path(__file__).resolve().parent
DEFAULT_CONFIG_DIR = PACKAGE_ROOT.parent / "config"
SAMPLE_FILE = PACKAGE_ROOT / "data" / "sample.jsonl"

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_WEB_PORT = 6066
DEFAULT_BROKER_WAIT_S = 15.0
"""Seconds a command waits for $KAFKA_BROKER to answer ($STREAMPROC_BROKER_WAIT_S)."""
DEFAULT_REVIEW_RETENTION_MS = 90 * 86_400_000
"""Ended incidents' reviews are kept a quarter: long enough for the post-incident
meeting and the quarterly report, short enough that the table stays small."""

_PIPELINE_KEYS = {
    "partitions": int,
    "bucket_minutes": int,
    "allowed_lateness_minutes": int,
    "idle_seconds": int,
    "tick_seconds": float,
    "app_id": str,
    "topic_prefix": str,
}


def read_toml(path: Path) -> dict[str, object]:
    """A TOML file as a dict; ConfigError with a one-line reason otherwise."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        msg = f"config file not found: {path}"
        raise ConfigError(msg) from None
    except tomllib.TOMLDecodeError as exc:
        msg = f"{path}: invalid TOML: {exc}"
        raise ConfigError(msg) from None
    except OSError as exc:
        msg = f"{path}: cannot read: {exc.strerror}"
        raise ConfigError(msg) from None


@dataclass(frozen=True, slots=True, kw_only=True)
class PipelineConfig:
    """Topic layout and event-time rules (the `[pipeline]` table)."""

    partitions: int = 4
    """The same for source topics and the tables' changelogs."""
    bucket_minutes: int = 15
    allowed_lateness_minutes: int = 5
    idle_seconds: int = 60
    tick_seconds: float = 5.0
    app_id: str = "streamproc"
    topic_prefix: str = ""

    @property
    def width_ms(self) -> int:
        """Bucket width in ms."""
        return self.bucket_minutes * 60_000

    def watermark_rules(self) -> WatermarkRules:
        """The watermark rules these settings give."""
        return WatermarkRules(
            sources=self.partitions,
            lateness_ms=self.allowed_lateness_minutes * 60_000,
            idle_ms=self.idle_seconds * 1000,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """The validated contents of config/: brands, detector parameters, pipeline."""

    catalog: BrandCatalog
    pipeline: PipelineConfig
    default_params: BrandParams
    brand_params: Mapping[str, BrandParams]
    default_channel: str
    preset: str
    source: Path
    slack_outbox: OutboxParams = DEFAULT_OUTBOX
    """Slack thread retention ([slack] thread_retention_days, tombstone_days)."""
    review_retention_ms: int = DEFAULT_REVIEW_RETENTION_MS
    """How long the workers keep an incident's review after it ended ([review] retention_days)."""

    def params_for(self, brand: str) -> BrandParams:
        """The detector parameters of a brand (its overrides applied)."""
        return self.brand_params.get(brand, self.default_params)

    def channel_for(self, brand: str) -> str:
        """The Slack channel of a brand's incidents."""
        found = self.catalog.get(brand)
        return (found.slack_channel if found else None) or self.default_channel


def _pipeline(table: object, where: str) -> PipelineConfig:
    if table is None:
        return PipelineConfig()
    if not isinstance(table, dict):
        msg = f"{where}: [pipeline] must be a table"
        raise ConfigError(msg)
    values: dict[str, object] = {}
    for key, value in table.items():
        kind = _PIPELINE_KEYS.get(key)
        if kind is None:
            msg = f"{where}: unknown key 'pipeline.{key}'"
            raise ConfigError(msg)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or isinstance(value, bool):
            msg = f"{where}: 'pipeline.{key}' must be a {kind.__name__}"
            raise ConfigError(msg)
        if kind in (int, float) and value <= 0:  # type: ignore[operator]  # numeric here
            msg = f"{where}: 'pipeline.{key}' must be positive"
            raise ConfigError(msg)
        values[key] = value
    return PipelineConfig(**values)  # type: ignore[arg-type]  # keys and types checked above


def load_config(path: Path | None = None) -> Config:
    """Load and validate `streamproc.toml` (and the files it names).

    `path` defaults to $STREAMPROC_CONFIG, then config/streamproc.toml.
    """
    if path is None:
        env_path = os.environ.get("STREAMPROC_CONFIG")
        path = Path(env_path) if env_path else DEFAULT_CONFIG_DIR / "streamproc.toml"
    data = read_toml(path)
    where = str(path)
    allowed = {"pipeline", "detector", "brands", "slack", "review"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        msg = f"{where}: unknown key {unknown[0]!r}"
        raise ConfigError(msg)

    pipeline = _pipeline(data.get("pipeline"), where)
    base = path.parent

    det = data.get("detector", {})
    if not isinstance(det, dict) or set(det) - {"preset", "presets_file"}:
        msg = f"{where}: [detector] takes only 'preset' and 'presets_file'"
        raise ConfigError(msg)
    presets_path = base / str(det.get("presets_file", "detector.toml"))
    presets = load_presets(presets_path)
    preset = str(det.get("preset", "balanced"))
    if preset not in presets:
        msg = f"{where}: unknown detector preset {preset!r} (have {', '.join(presets)})"
        raise ConfigError(msg)

    brands_table = data.get("brands", {})
    if not isinstance(brands_table, dict) or set(brands_table) - {"file"}:
        msg = f"{where}: [brands] takes only 'file'"
        raise ConfigError(msg)
    brands_path = base / str(brands_table.get("file", "brands.toml"))
    catalog, default_channel = load_brands(brands_path)
    slack = data.get("slack", {})
    if isinstance(slack, dict) and isinstance(slack.get("default_channel"), str):
        default_channel = str(slack["default_channel"])
    slack_outbox = _slack_outbox(slack, where)
    review_retention_ms = _review_retention(data.get("review", {}), where)

    def params(overrides: Mapping[str, object], who: str, history: str | None) -> BrandParams:
        try:
            det_params, policy = resolve_params(
                presets, preset, overrides, bucket_ms=pipeline.width_ms
            )
        except ConfigError as exc:
            msg = f"{who}: {exc}"
            raise ConfigError(msg) from None
        seed = None
        if history is not None:
            seed = _seed(brands_path.parent / history, det_params, who)
        return BrandParams(
            width_ms=pipeline.width_ms, detector=det_params, policy=policy, seed=seed
        )

    default_params = params({}, where, None)
    brand_params = {
        b.slug: params(b.detector_overrides, f"{brands_path} ({b.name})", b.history)
        for b in catalog.brands
        if b.detector_overrides or b.history is not None
    }
    return Config(
        catalog=catalog,
        pipeline=pipeline,
        default_params=default_params,
        brand_params=brand_params,
        default_channel=default_channel,
        preset=preset,
        source=path,
        slack_outbox=slack_outbox,
        review_retention_ms=review_retention_ms,
    )


def _seed(path: Path, params: DetectorParams, who: str) -> DetectorState:
    """The detector state a brand's history file leaves (see `counts.learn_counts`).

    The file must hold the pipeline's own buckets and all mentions beside the
    negative ones: a history of negatives alone would teach the brand a
    negative share of 100 %, and the live share would then look like a fall.
    """
    try:
        series = read_counts(path)
    except InputFileError as exc:
        msg = f"{who}: history: {exc}"
        raise ConfigError(msg) from None
    if series.bucket_ms != params.bucket_ms:
        msg = (
            f"{who}: history {path} has buckets of {series.bucket_ms / 60_000:g} min, "
            f"the pipeline {params.bucket_ms / 60_000:g} min"
        )
        raise ConfigError(msg)
    if not series.has_total:
        msg = f"{who}: history {path} needs a 'total' column (all mentions of each bucket)"
        raise ConfigError(msg)
    return learn_counts(series, params)


_SLACK_DAYS = {"thread_retention_days": "prune_after_ms", "tombstone_days": "tombstone_ms"}


def _slack_outbox(slack: object, where: str) -> OutboxParams:
    """[slack] retention settings, in whole days, as the outbox's parameters."""
    if not isinstance(slack, dict):
        msg = f"{where}: [slack] must be a table"
        raise ConfigError(msg)
    unknown = sorted(set(slack) - {"default_channel", *_SLACK_DAYS})
    if unknown:
        msg = f"{where}: [slack] unknown key {unknown[0]!r}"
        raise ConfigError(msg)
    values = {
        field_name: _days_ms(slack[key], f"{where}: [slack] {key}")
        for key, field_name in _SLACK_DAYS.items()
        if key in slack
    }
    try:
        return OutboxParams(**values)
    except ValueError as exc:
        msg = f"{where}: [slack] {exc}"
        raise ConfigError(msg) from None


def _review_retention(review: object, where: str) -> int:
    """[review] retention_days, in ms: how long a worker keeps an ended incident's review."""
    if not isinstance(review, dict):
        msg = f"{where}: [review] must be a table"
        raise ConfigError(msg)
    unknown = sorted(set(review) - {"retention_days"})
    if unknown:
        msg = f"{where}: [review] unknown key {unknown[0]!r}"
        raise ConfigError(msg)
    if "retention_days" not in review:
        return DEFAULT_REVIEW_RETENTION_MS
    return _days_ms(review["retention_days"], f"{where}: [review] retention_days")


def _days_ms(days: object, what: str) -> int:
    """A setting given in whole days, in ms; `what` names it in the error."""
    if not isinstance(days, int) or isinstance(days, bool) or days <= 0:
        msg = f"{what} must be a positive whole number of days"
        raise ConfigError(msg)
    return days * 86_400_000


def load_brands(path: Path) -> tuple[BrandCatalog, str]:
    """The brand catalog and default Slack channel from a brands file."""
    data = read_toml(path)
    unknown = sorted(set(data) - {"brand", "slack"})
    if unknown:
        msg = f"{path}: unknown key {unknown[0]!r}"
        raise ConfigError(msg)
    tables = data.get("brand", [])
    if not isinstance(tables, list) or not tables:
        msg = f"{path}: no [[brand]] tables"
        raise ConfigError(msg)
    brands: list[Brand] = []
    for i, table in enumerate(tables, start=1):
        if not isinstance(table, dict):
            msg = f"{path}: brand #{i} is not a table"
            raise ConfigError(msg)
        try:
            brands.append(brand_from_table(table, f"{path}: brand #{i}"))
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    slugs = [b.slug for b in brands]
    dupes = sorted({s for s in slugs if slugs.count(s) > 1})
    if dupes:
        msg = f"{path}: brand {dupes[0]!r} is defined twice"
        raise ConfigError(msg)
    slack = data.get("slack", {})
    channel = "#brand-alerts"
    if isinstance(slack, dict) and isinstance(slack.get("default_channel"), str):
        channel = str(slack["default_channel"])
    return BrandCatalog(tuple(brands)), channel


@dataclass(frozen=True, slots=True, kw_only=True)
class Env:
    """DESIGN.md's environment variables. Secrets are kept out of `repr`."""

    kafka_broker: str | None = None
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    slack_signing_secret: str | None = field(default=None, repr=False)
    web_port: int = DEFAULT_WEB_PORT
    review_url: str | None = None
    """Public base URL of the workers' review pages (no trailing slash); None: Slack's
    "Open review" button opens nothing."""
    broker_wait_s: float = DEFAULT_BROKER_WAIT_S
    """How long a command waits for $KAFKA_BROKER to answer before it gives up: a worker
    started beside its broker (compose, Kubernetes) must outwait the broker's start."""


def read_secret(env: Mapping[str, str], name: str) -> str | None:
    """A secret from ``env[name]``, else from the file ``env[name + "_FILE"]``.

    Surrounding whitespace is dropped; empty means unset (None). An
    unreadable file is a `ConfigError` naming the variable and the file,
    never the secret.
    """
    value = env.get(name, "").strip()
    if value:
        return value
    file_name = env.get(f"{name}_FILE", "").strip()
    if not file_name:
        return None
    try:
        text = Path(file_name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        msg = f"{name}_FILE={file_name}: cannot read the secret: {reason}"
        raise ConfigError(msg) from None
    return text.strip() or None


def load_env(env: Mapping[str, str] | None = None) -> Env:
    """Read DESIGN.md's environment variables (secrets also from `NAME_FILE`)."""
    env = os.environ if env is None else env
    port_text = env.get("STREAMPROC_WEB_PORT", "").strip()
    port = DEFAULT_WEB_PORT
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            msg = f"STREAMPROC_WEB_PORT={port_text!r} is not a port number"
            raise ConfigError(msg)
        port = int(port_text)
    broker = env.get("KAFKA_BROKER", "").strip() or None
    wait_text = env.get("STREAMPROC_BROKER_WAIT_S", "").strip()
    wait_s = DEFAULT_BROKER_WAIT_S
    if wait_text:
        try:
            wait_s = float(wait_text)
        except ValueError:
            wait_s = -1.0
        if not 0.0 < wait_s < 86_400.0:
            msg = f"STREAMPROC_BROKER_WAIT_S={wait_text!r} is not a number of seconds above 0"
            raise ConfigError(msg)
    api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_SLACK_API_URL
    if not api_url.endswith("/"):
        api_url += "/"
    return Env(
        kafka_broker=broker,
        slack_bot_token=read_secret(env, "SLACK_BOT_TOKEN"),
        slack_api_url=api_url,
        slack_signing_secret=read_secret(env, "SLACK_SIGNING_SECRET"),
        web_port=port,
        review_url=_review_url(env.get("STREAMPROC_REVIEW_URL", "")),
        broker_wait_s=wait_s,
    )


def _review_url(text: str) -> str | None:
    """$STREAMPROC_REVIEW_URL checked: an http(s) URL with a host, or unset.

    >>> _review_url("https://streamproc.example.com/")
    'https://streamproc.example.com'
    """
    url = text.strip().rstrip("/")
    if not url:
        return None
    scheme, _, rest = url.partition("://")
    if scheme.lower() not in ("http", "https") or not rest or rest.startswith("/") or " " in url:
        msg = f"STREAMPROC_REVIEW_URL={text.strip()!r} is not an http(s) URL with a host"
        raise ConfigError(msg)
    return url


def broker_address(url: str) -> str:
    """`kafka://host:port[,host:port]` or `host:port` -> `host:port,...` for clients.

    >>> broker_address("kafka://a:9092;b:9092")
    'a:9092,b:9092'
    """
    text = url.strip()
    for scheme in ("kafka://", "aiokafka://", "tcp://"):
        if text.startswith(scheme):
            text = text[len(scheme) :]
    return ",".join(p for p in text.replace(";", ",").split(",") if p)
