"""Benchmarks: each module has run(results_dir, ...) writing JSON to bench/results/."""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from streamproc.alerting import AlertPolicy
from streamproc.detector import DetectorParams
from streamproc.presets import default_preset, load_presets, resolve_params


class Evaluate(Protocol):
    """A generator bench's figures for given parameters and generator seed.

    ``jobs`` is how many processes may judge its streams at once: one seed
    alone (the committed report) is spread over the cores this way, several
    seeds are spread one per core instead.
    """

    def __call__(
        self, params: DetectorParams, policy: AlertPolicy, seed: int, *, jobs: int = 1
    ) -> dict[str, object]: ...


@contextmanager
def judging_pool(jobs: int) -> Iterator[Executor | None]:
    """A pool of ``jobs`` processes to judge streams in, or None for one.

    A forkserver, not a fork: the bench also runs inside long-lived
    processes (the test session) whose threads a fork would copy mid-step.
    """
    if jobs <= 1:
        yield None
        return
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        yield pool


def write_result(
    results_dir: Path, name: str, result: Mapping[str, object], *, sort_keys: bool = False
) -> Path:
    """Write one bench's result as ``results_dir/name.json`` (UTF-8, indented)."""
    results_dir.mkdir(parents=True, exist_ok=True)
    out = results_dir / f"{name}.json"
    text = json.dumps(result, indent=2, sort_keys=sort_keys, ensure_ascii=False)
    out.write_text(text + "\n", encoding="utf-8")
    return out


def run_seeds(
    results_dir: Path,
    bench: str,
    *,
    preset: str | None,
    seeds: Sequence[int],
    committed_seed: int,
    evaluate: Evaluate,
    summary: Callable[[Mapping[str, object]], Mapping[str, float | None]],
    config: Path,
    bucket_ms: int,
) -> dict[str, object]:
    """Run a generator bench for one preset over seeds; writes ``results_dir/NAME.json``.

    The default preset on the committed seed is ``BENCH.json``, the full
    report; another preset on it is ``BENCH-PRESET.json``, another seed adds
    ``-seed-N``. Several seeds are evaluated in parallel, one process per
    core, and give ``BENCH-PRESET-seeds.json``: each seed's ``summary`` and
    their totals (all but the median delay, which does not add up). One
    seed's draw of 20 brands is a small sample, so presets are compared so.
    """
    if not seeds:
        msg = "at least one seed"
        raise ValueError(msg)
    default = default_preset(config)
    chosen = preset or default
    params, policy = resolve_params(load_presets(config), chosen, {}, bucket_ms=bucket_ms)
    result: dict[str, object] = {"bench": bench, "preset": chosen}
    if len(seeds) == 1:
        result.update(evaluate(params, policy, seeds[0], jobs=os.cpu_count() or 1))
        committed = chosen == default and seeds[0] == committed_seed
        name = bench if committed else f"{bench}-{chosen}"
        if seeds[0] != committed_seed:
            name += f"-seed-{seeds[0]}"
    else:
        with ProcessPoolExecutor(min(len(seeds), os.cpu_count() or 1)) as pool:
            n = len(seeds)
            reports = list(pool.map(evaluate, [params] * n, [policy] * n, seeds))
        per_seed = {str(s): dict(summary(r)) for s, r in zip(seeds, reports, strict=True)}
        first = next(iter(per_seed.values()))
        result.update(
            seeds=list(seeds),
            per_seed=per_seed,
            totals={
                k: sum(x[k] or 0 for x in per_seed.values())
                for k in first
                if k != "median_delay_buckets"
            },
        )
        name = f"{bench}-{chosen}-seeds"
    write_result(results_dir, name, result, sort_keys=True)
    return result
