"""Detector presets: the shipped file, overrides and every kind of mistake."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from streamproc.alerting import AlertPolicy
from streamproc.detector import DetectorParams
from streamproc.errors import ConfigError
from streamproc.presets import default_preset, load_presets, resolve_params

SHIPPED = Path(__file__).resolve().parents[2] / "config" / "detector.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "detector.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_file_has_three_presets_ordered_by_eagerness() -> None:
    presets = load_presets(SHIPPED)
    assert set(presets) == {"sensitive", "balanced", "strict"}
    assert default_preset(SHIPPED) == "balanced"
    sens, bal, strict = (presets[n][0] for n in ("sensitive", "balanced", "strict"))
    assert sens.threshold <= bal.threshold <= strict.threshold
    assert sens.min_ratio <= bal.min_ratio <= strict.min_ratio
    assert all(p.bucket_ms == 900_000 for p, _ in presets.values())


def test_shipped_balanced_preset_is_the_dataclass_defaults() -> None:
    det, pol = load_presets(SHIPPED)["balanced"]
    assert det == DetectorParams()
    assert pol == AlertPolicy()


def test_every_shipped_key_is_a_field_name() -> None:
    import tomllib

    data = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))
    det_fields = {f.name for f in dataclasses.fields(DetectorParams)}
    pol_fields = {f.name for f in dataclasses.fields(AlertPolicy)}
    for table in data["presets"].values():
        assert set(table["detector"]) <= det_fields
        assert set(table["policy"]) <= pol_fields


def test_resolve_applies_overrides_of_both_kinds_and_the_bucket_width() -> None:
    presets = load_presets(SHIPPED)
    det, pol = resolve_params(
        presets, "strict", {"threshold": 9, "cooldown_ms": 60_000}, bucket_ms=300_000
    )
    assert det.threshold == 9.0
    assert det.bucket_ms == 300_000
    assert pol.cooldown_ms == 60_000
    assert pol.persistence == presets["strict"][1].persistence


@pytest.mark.parametrize(
    ("preset", "overrides", "message"),
    [
        ("extreme", {}, "unknown detector preset 'extreme'"),
        ("balanced", {"treshold": 3}, "unknown detector setting 'treshold'"),
        ("balanced", {"threshold": "high"}, "threshold must be float"),
        ("balanced", {"persistence": 1.5}, "persistence must be int"),
        ("balanced", {"fire_on_critical": 1}, "fire_on_critical must be bool"),
        ("balanced", {"threshold": -1}, "threshold must be positive"),
        ("balanced", {"persistence": 4}, r"persistence_window \(3\) must be at least"),
        ("balanced", {"novelty_span": 33}, r"novelty_span must be in 1\.\.32"),
        ("balanced", {"novelty_return_days": 0}, "novelty_return_days must be positive"),
        ("balanced", {"novelty_days": -1}, "novelty_days must be at least 0"),
        ("balanced", {"novelty_young_days": -1}, "novelty_young_days must be at least 0"),
        ("balanced", {"cooldown_critical_factor": -1}, "cooldown_critical_factor must not be"),
        ("balanced", {"record_days": -1}, "record_days must not be negative"),
        ("balanced", {"record_score": 0}, "record_score must be positive"),
        ("balanced", {"wide_bucket_ms": -1}, "wide_bucket_ms must not be negative"),
    ],
)
def test_resolve_errors_name_the_problem(
    preset: str, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_params(load_presets(SHIPPED), preset, overrides, bucket_ms=900_000)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "preset = 'balanced'\n[presets.balanced.detector]\nthreshold = 3\nfoo = 1\n",
            r"presets\.balanced\.detector: unknown key 'foo'",
        ),
        (
            "[presets.balanced.policy]\npersistance = 2\n",
            r"presets\.balanced\.policy: unknown key 'persistance'",
        ),
        ("[presets.balanced]\ndetecter = {}\n", "unknown key 'detecter'"),
        ("colour = 'red'\n[presets.balanced]\n", "unknown key 'colour'"),
        ("preset = 'strict'\n[presets.balanced]\n", "preset 'strict' is not defined"),
        ("bucket_minutes = 0\n[presets.balanced]\n", "bucket_minutes must be a positive"),
        ("[presets.balanced.detector]\nthreshold = 'x'\n", "threshold must be float"),
        ("[presets.balanced.detector]\nmin_ratio = 0.5\n", "min_ratio must be at least 1"),
        (
            "[presets.balanced.policy]\nwide_immediate_score = 0\n",
            "wide_immediate_score must be positive",
        ),
        ("preset = 'balanced'\n", r"no \[presets\.NAME\] table"),
        ("[presets.balanced.detector\n", "bad TOML"),
        ("[presets.balanced.detector]\nbucket_ms = 1\n", "unknown key 'bucket_ms'"),
    ],
)
def test_bad_files_are_config_errors_naming_file_and_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as err:
        load_presets(path)
    assert str(path) in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_presets(tmp_path / "none.toml")


def test_bucket_minutes_sets_the_presets_width(tmp_path: Path) -> None:
    path = write(tmp_path, "bucket_minutes = 5\n[presets.balanced]\n")
    det, pol = load_presets(path)["balanced"]
    assert det == DetectorParams(bucket_ms=300_000)
    assert pol == AlertPolicy()
