"""Builds the shipped sentiment artefact from the shared data, reproducibly.

``train(data_dir, out)`` reads ``data_dir/lexicons`` (translated AFINN,
VADER) and ``data_dir/sentiment`` (train.jsonl) and writes the ``.npz`` that
`streamproc.sentiment.default_scorer` loads. The same inputs give the same
bytes: sorted keys, fixed seeds, fixed zip timestamps.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt

from streamproc.errors import InputFileError
from streamproc.sentiment.artefact import write_npz
from streamproc.sentiment.lexicon import MIXED
from streamproc.sentiment.words import CRISIS_AND_CORE, LANGS

VADER_SCALE = 5.0 / 4.0
"""VADER valences run -4..4; AFINN's -5..5."""


def resolve_data_dir(data_dir: Path) -> Path:
    """Accepts the shared data folder or its ``sentiment`` sub-folder."""
    if (data_dir / "lexicons").is_dir():
        return data_dir
    if data_dir.name == "sentiment" and (data_dir.parent / "lexicons").is_dir():
        return data_dir.parent
    msg = f"{data_dir}: no lexicons/ folder here or beside it"
    raise InputFileError(msg)


def _read_json_object(path: Path) -> dict[str, float]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        msg = f"{path}: cannot read lexicon: {exc}"
        raise InputFileError(msg) from exc
    if not isinstance(raw, dict):
        msg = f"{path}: line 1: expected a JSON object of word -> number"
        raise InputFileError(msg)
    return {str(k): float(v) for k, v in raw.items() if isinstance(v, int | float)}


def _read_vader(path: Path) -> dict[str, float]:
    out: dict[str, float] = {}
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 2:
                continue
            try:
                out[parts[0]] = float(parts[1]) * VADER_SCALE
            except ValueError as exc:
                msg = f"{path}: line {lineno}: bad valence {parts[1]!r}"
                raise InputFileError(msg) from exc
    return out


def build_lexicons(data_dir: Path) -> dict[str, dict[str, float]]:
    """Merges bundled lexicons with the curated overrides, per language."""
    root = resolve_data_dir(data_dir) / "lexicons"
    tables: dict[str, dict[str, float]] = {}
    for lang in LANGS:
        table = {
            w.lower(): v
            for w, v in _read_json_object(root / "afinn165-mt" / f"{lang}.json").items()
            if " " not in w.strip() and v
        }
        if lang == "en":
            table.update(
                (w, v) for w, v in _read_vader(root / "vader" / "vader_lexicon.txt").items() if v
            )
        table.update(CRISIS_AND_CORE[lang])
        tables[lang] = {w: v for w, v in table.items() if v}
    sums: dict[str, list[float]] = {}
    for lang in LANGS:
        for w, v in tables[lang].items():
            sums.setdefault(w, []).append(v)
    tables[MIXED] = {w: sum(vs) / len(vs) for w, vs in sums.items()}
    return tables


def lexicon_arrays(
    tables: dict[str, dict[str, float]],
) -> dict[str, npt.NDArray[np.generic]]:
    """The artefact members holding the word tables (sorted, so reproducible)."""
    arrays: dict[str, npt.NDArray[np.generic]] = {}
    for lang, table in tables.items():
        words = sorted(table)
        arrays[f"lex_words_{lang}"] = np.array(words, dtype=np.str_)
        arrays[f"lex_values_{lang}"] = np.array([table[w] for w in words], dtype=np.float32)
    return arrays


def train(data_dir: Path, out: Path) -> dict[str, object]:
    """Rebuilds the artefact at ``out``; returns a summary of what went in."""
    tables = build_lexicons(data_dir)
    arrays = lexicon_arrays(tables)
    write_npz(out, arrays)
    return {
        "artefact": str(out),
        "bytes": out.stat().st_size,
        "lexicon_words": {lang: len(t) for lang, t in tables.items()},
    }
