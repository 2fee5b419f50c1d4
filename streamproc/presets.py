"""Detector presets: `config/detector.toml` read, validated and overridden per brand.

The file holds a top-level ``preset`` (the default name), ``bucket_minutes``
and one table per preset, ``[presets.NAME.detector]`` and
``[presets.NAME.policy]``, whose keys are the field names of `DetectorParams`
and `AlertPolicy`. A key left out keeps the dataclass default (the
"balanced" values). Every mistake is a `ConfigError` naming the file and key.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from streamproc.alerting import AlertPolicy
from streamproc.detector import DetectorParams
from streamproc.errors import ConfigError

Presets = dict[str, tuple[DetectorParams, AlertPolicy]]
"""Preset name -> (detector parameters, alert policy)."""

_TOP_KEYS = {"preset", "bucket_minutes", "presets"}
_DETECTOR_FIELDS = {f.name: f for f in dataclasses.fields(DetectorParams) if f.name != "bucket_ms"}
_POLICY_FIELDS = {f.name: f for f in dataclasses.fields(AlertPolicy)}


def _kind(field: dataclasses.Field[Any]) -> type:
    """The Python type of a numeric/bool field (annotations are strings here)."""
    return {"int": int, "float": float, "bool": bool}[str(field.type)]


def _value(field: dataclasses.Field[Any], raw: object, where: str) -> object:
    kind = _kind(field)
    ok = (
        isinstance(raw, bool)
        if kind is bool
        else isinstance(raw, int | float) and not isinstance(raw, bool)
    )
    if kind is int and isinstance(raw, float):
        ok = raw.is_integer()
    if not ok:
        msg = f"{where}: {field.name} must be {kind.__name__}, got {raw!r}"
        raise ConfigError(msg)
    if kind is float:
        return float(raw)  # type: ignore[arg-type]  # checked numeric above
    if kind is int:
        return int(raw)  # type: ignore[call-overload]  # checked numeric above
    return raw


def _split(
    overrides: Mapping[str, object], where: str
) -> tuple[dict[str, object], dict[str, object]]:
    det: dict[str, object] = {}
    pol: dict[str, object] = {}
    for key, raw in overrides.items():
        if key in _DETECTOR_FIELDS:
            det[key] = _value(_DETECTOR_FIELDS[key], raw, where)
        elif key in _POLICY_FIELDS:
            pol[key] = _value(_POLICY_FIELDS[key], raw, where)
        else:
            msg = f"{where}: unknown detector setting {key!r}"
            raise ConfigError(msg)
    return det, pol


def _build(
    base: tuple[DetectorParams, AlertPolicy],
    det: Mapping[str, object],
    pol: Mapping[str, object],
    where: str,
) -> tuple[DetectorParams, AlertPolicy]:
    try:
        return (
            dataclasses.replace(base[0], **det),  # type: ignore[arg-type]  # typed above
            dataclasses.replace(base[1], **pol),  # type: ignore[arg-type]  # typed above
        )
    except ValueError as exc:
        msg = f"{where}: {exc}"
        raise ConfigError(msg) from None


def _table(raw: object, where: str) -> Mapping[str, object]:
    if not isinstance(raw, dict):
        msg = f"{where}: must be a table"
        raise ConfigError(msg)
    return raw


def load_presets(path: Path) -> Presets:
    """Every preset of a detector file, with ``bucket_ms`` from its ``bucket_minutes``.

    Raises:
        ConfigError: unreadable file, bad TOML, unknown key or wrong type.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        msg = f"{path}: cannot read: {exc.strerror}"
        raise ConfigError(msg) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        msg = f"{path}: bad TOML: {exc}"
        raise ConfigError(msg) from None
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        msg = f"{path}: unknown key {unknown[0]!r}"
        raise ConfigError(msg)
    minutes = data.get("bucket_minutes", 15)
    if isinstance(minutes, bool) or not isinstance(minutes, int | float) or minutes <= 0:
        msg = f"{path}: bucket_minutes must be a positive number, got {minutes!r}"
        raise ConfigError(msg)
    bucket_ms = round(minutes * 60_000)
    tables = _table(data.get("presets", {}), f"{path}: presets")
    if not tables:
        msg = f"{path}: no [presets.NAME] table"
        raise ConfigError(msg)
    presets: Presets = {}
    for name, raw in tables.items():
        where = f"{path}: presets.{name}"
        table = _table(raw, where)
        extra = sorted(set(table) - {"detector", "policy"})
        if extra:
            msg = f"{where}: unknown key {extra[0]!r} (expected detector, policy)"
            raise ConfigError(msg)
        det_table = _table(table.get("detector", {}), f"{where}.detector")
        pol_table = _table(table.get("policy", {}), f"{where}.policy")
        for key in det_table:
            if key not in _DETECTOR_FIELDS:
                msg = f"{where}.detector: unknown key {key!r}"
                raise ConfigError(msg)
        for key in pol_table:
            if key not in _POLICY_FIELDS:
                msg = f"{where}.policy: unknown key {key!r}"
                raise ConfigError(msg)
        det, _ = _split(det_table, f"{where}.detector")
        _, pol = _split(pol_table, f"{where}.policy")
        base = (DetectorParams(bucket_ms=bucket_ms), AlertPolicy())
        presets[str(name)] = _build(base, det, pol, where)
    default = data.get("preset", "balanced")
    if default not in presets:
        msg = f"{path}: preset {default!r} is not defined under [presets]"
        raise ConfigError(msg)
    return presets


def default_preset(path: Path) -> str:
    """The file's top-level ``preset`` (default "balanced"); assumes it loads."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return str(data.get("preset", "balanced"))


def resolve_params(
    presets: Mapping[str, tuple[DetectorParams, AlertPolicy]],
    preset: str,
    overrides: Mapping[str, object],
    *,
    bucket_ms: int,
) -> tuple[DetectorParams, AlertPolicy]:
    """A preset with per-brand overrides (detector or policy field names) applied.

    >>> presets = {"balanced": (DetectorParams(), AlertPolicy())}
    >>> det, pol = resolve_params(presets, "balanced", {"threshold": 7,
    ...                           "persistence": 3}, bucket_ms=300_000)
    >>> det.threshold, det.bucket_ms, pol.persistence
    (7.0, 300000, 3)

    Raises:
        ConfigError: unknown preset or key, wrong type or invalid value.
    """
    if preset not in presets:
        msg = f"unknown detector preset {preset!r} (have {', '.join(sorted(presets))})"
        raise ConfigError(msg)
    if bucket_ms <= 0:
        msg = f"bucket_ms must be positive, got {bucket_ms}"
        raise ConfigError(msg)
    det, pol = _split(overrides, "detector overrides")
    det["bucket_ms"] = int(bucket_ms)
    return _build(presets[preset], det, pol, "detector overrides")
