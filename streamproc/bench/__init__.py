"""Benchmarks: each module has run(results_dir, ...) writing JSON to bench/results/."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path


def write_result(
    results_dir: Path, name: str, result: Mapping[str, object], *, sort_keys: bool = False
) -> Path:
    """Write one bench's result as ``results_dir/name.json`` (UTF-8, indented)."""
    results_dir.mkdir(parents=True, exist_ok=True)
    out = results_dir / f"{name}.json"
    text = json.dumps(result, indent=2, sort_keys=sort_keys, ensure_ascii=False)
    out.write_text(text + "\n", encoding="utf-8")
    return out
