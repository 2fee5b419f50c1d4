"""`streamproc bench nab`: the shipped default preset on NAB's realTweets series.

Runs `streamproc.counts.run_counts` (the `backtest --counts` path) over the ten
series with the default preset of ``config/detector.toml``, unchanged, then
scores the per-row alerts with NAB's scorer (``score.py`` in the NAB folder,
run as a separate process, ``--alert-column``: a row alerts where an incident
fired) for the tuned half, the held-out half and all ten; and scores the
anchors (contextOSE, ARTime, numenta) with the same scorer on the same
halves. The held-out half is the honest figure: the presets were tuned on
the other half only.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from streamproc.bench import write_result
from streamproc.counts import read_counts, run_counts
from streamproc.errors import InputFileError
from streamproc.presets import default_preset, load_presets, resolve_params

TUNED = ("AAPL", "AMZN", "CRM", "CVS", "FB")
HELD_OUT = ("GOOG", "IBM", "KO", "PFE", "UPS")
ANCHORS = ("contextOSE", "ARTime", "numenta")
CONFIG = Path(__file__).resolve().parents[2] / "config" / "detector.toml"
"""The shipped presets (the project's ``config/detector.toml``)."""
TARGETS = {
    "all_standard": 85.0,
    "all_f1": 0.80,
    "held_out": "no worse than contextOSE on the same half",
}
_PROFILES = {
    "standard": "standard",
    "reward_low_FP_rate": "low_fp",
    "reward_low_FN_rate": "low_fn",
}


def _score(nab_dir: Path, series: tuple[str, ...], args: list[str], out: Path) -> Any:
    cmd = [sys.executable, str(nab_dir / "score.py"), "--series", ",".join(series), *args]
    done = subprocess.run([*cmd, "--json", str(out)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        msg = f"score.py failed: {done.stderr.strip() or done.stdout.strip()}"
        raise InputFileError(msg)
    return json.loads(out.read_text(encoding="utf-8"))


def _summary(report: Any) -> dict[str, object]:
    """The figures of one score.py report (parsed JSON) that nab.json keeps."""
    nab = report["nab"]
    events = report["events"]
    out: dict[str, object] = {
        key: round(float(nab[name]["normalized"]), 2) for name, key in _PROFILES.items()
    }
    out.update(
        {
            "precision": events["precision"],
            "recall": events["recall"],
            "f1": events["f1"],
            "windows": events["windows"],
            "windows_detected": events["detected"],
            "alerts": events["alerts"],
            "fp_rows": events["fp_alerts"],
            "fp_runs": events["fp_episodes"],
            "median_latency_minutes": events["median_latency_minutes"],
            "median_latency_fraction": events["median_latency_fraction"],
            "median_offset_from_anomaly_minutes": events["median_offset_from_anomaly_minutes"],
        }
    )
    return out


def run(results_dir: Path, nab_dir: Path) -> dict[str, object]:
    """Run the bench; writes ``results_dir/nab.json`` and returns its content."""
    data = nab_dir / "data" / "realTweets"
    files = sorted(data.glob("Twitter_volume_*.csv"))
    if len(files) != len(TUNED) + len(HELD_OUT):
        msg = f"{data}: expected the ten realTweets series, found {len(files)}"
        raise InputFileError(msg)
    presets = load_presets(CONFIG)
    preset = default_preset(CONFIG)
    work = results_dir.resolve().parent / "work" / "nab" / preset
    work.mkdir(parents=True, exist_ok=True)

    rows = 0
    started = time.perf_counter()
    for path in files:
        width = read_counts(path).bucket_ms
        detector, policy = resolve_params(presets, preset, {}, bucket_ms=width)
        run_counts(path, detector, policy, work / path.name)
        rows += sum(1 for _ in path.open(encoding="utf-8")) - 1
    seconds = time.perf_counter() - started

    halves = {"held_out": HELD_OUT, "tuned": TUNED, "all": TUNED + HELD_OUT}
    ours: dict[str, object] = {}
    anchors: dict[str, dict[str, object]] = {name: {} for name in ANCHORS}
    for half, series in halves.items():
        report = _score(
            nab_dir,
            series,
            ["scores", str(work), "--alert-column", "--name", "streamproc"],
            work / f"score_{half}.json",
        )
        ours[half] = _summary(report)
        published = _score(nab_dir, series, ["published", *ANCHORS], work / f"anchors_{half}.json")
        for item in published:
            anchors[str(item["detector"])][half] = _summary(item)

    result: dict[str, object] = {
        "bench": "nab",
        "preset": preset,
        "config": "config/detector.toml",
        "series": {"tuned": list(TUNED), "held_out": list(HELD_OUT)},
        "streamproc": ours,
        "anchors": anchors,
        "targets": TARGETS,
        "throughput": {
            "rows": rows,
            "seconds": round(seconds, 3),
            "rows_per_second": round(rows / seconds) if seconds > 0 else None,
        },
        "notes": (
            "alerts = rows where an incident fired (backtest --counts --scores-out "
            "'alert' column); anchors scored by the same score.py with NAB's "
            "thresholds; normalised over the scored half only"
        ),
    }
    write_result(results_dir, "nab", result, sort_keys=True)
    return result
