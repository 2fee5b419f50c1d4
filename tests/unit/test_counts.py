"""Counts files: parsing, bad input, the counts backtest and its scores file."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamproc import detector
from streamproc.alerting import AlertPolicy
from streamproc.counts import (
    judge_counts,
    learn_counts,
    learn_windows,
    parse_timestamp,
    read_counts,
    run_counts,
    write_counts,
)
from streamproc.detector import DetectorParams
from streamproc.errors import InputFileError
from streamproc.model import AlertStatus, WindowStats

NAB = Path(__file__).resolve().parents[3] / "shared" / "nab" / "data" / "realTweets"


def write(tmp_path: Path, text: str, name: str = "acme.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def series(values: list[int | str], start: int = 1_424_986_973, step: int = 300) -> str:
    rows = [f"{start + i * step},{v}" for i, v in enumerate(values)]
    return "timestamp,value\n" + "\n".join(rows) + "\n"


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("2015-02-26 21:42:53", 1_424_986_973_000),
        ("2015-02-26T21:42:53Z", 1_424_986_973_000),
        ("2015-02-26T22:42:53+01:00", 1_424_986_973_000),
        ("2015-02-26T21:42:53", 1_424_986_973_000),
        ("1424986973", 1_424_986_973_000),
        ("1424986973.5", 1_424_986_973_500),
        ("1424986973000", 1_424_986_973_000),  # Unix milliseconds
        ("1424986973500", 1_424_986_973_500),
    ],
)
def test_timestamp_formats(text: str, ms: int) -> None:
    assert parse_timestamp(text) == ms


@pytest.mark.parametrize(
    "text", ["", "yesterday", "2015-13-01 00:00:00", "nan", "1424986973000000"]
)
def test_unreadable_timestamps(text: str) -> None:
    with pytest.raises(ValueError, match=r"timestamp|Unix"):
        parse_timestamp(text)


def test_width_is_inferred_and_gaps_are_missing_buckets(tmp_path: Path) -> None:
    text = "timestamp,value\n0,1\n900,2\n1800,3\n4500,4\n5400,\n6300,5\n"
    s = read_counts(write(tmp_path, text))
    assert s.bucket_ms == 900_000
    assert s.gaps == 2  # 1800 -> 4500 skips two buckets
    assert [r.value for r in s.rows] == [1, 2, 3, 4, None, 5]
    assert s.brand == "acme"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        ("time,count\n0,1\n", r":1: header must name 'timestamp' and 'value'"),
        ("timestamp,value\n0,1\n", "at least two data rows"),
        ("timestamp,value\n0,1\n300,2\n300,3\n", r":4: duplicate timestamp '300' \(line 3\)"),
        ("timestamp,value\n0,1\n600,2\n300,3\n", r":4: timestamp '300' is before line 3"),
        ("timestamp,value\n0,1\n300,x\n", r":3: value 'x' is not a number"),
        ("timestamp,value\n0,1\n300,-2\n", r":3: value '-2' is not a count"),
        ("timestamp,value\n0,1\n300,inf\n", r":3: value 'inf' is not a number"),
        ("timestamp,value\n0,1\n300,2\nlater,3\n", r":4: cannot read timestamp 'later'"),
        (
            "timestamp,value\n0,1\n300,2\n600,3\n700,4\n",
            r":5: irregular bucket width: '700' is 100 s after line 4",
        ),
        ("timestamp,value,total\n0,1,5\n300,6,5\n", r":3: total '5' is below the value 6"),
        ("timestamp,value,total\n0,1,5\n300,2,\n", r":3: total '' and value must both be"),
        ("timestamp,value,total\n0,1,5\n300,,4\n", r":3: total '4' and value must both be"),
        ("timestamp,value,total\n0,1,5\n300,2,many\n", r":3: total 'many' is not a number"),
    ],
)
def test_bad_files_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputFileError, match=message) as err:
        read_counts(path)
    assert str(path) in str(err.value)
    assert "\n" not in str(err.value)


def test_a_file_that_is_not_utf8_names_its_first_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "acme.csv"
    path.write_bytes(b"timestamp,value\n0,1\n300,2\n600,3 caf\xe9\n900,4\n")
    with pytest.raises(InputFileError, match=r"acme.csv:4: not UTF-8 text"):
        read_counts(path)


@pytest.mark.parametrize("separator", [";", "\t"])
def test_semicolon_and_tab_files_read_as_comma_files(tmp_path: Path, separator: str) -> None:
    text = series([3, 4, "", 6])
    comma = read_counts(write(tmp_path, text, "comma.csv"))
    other = read_counts(write(tmp_path, text.replace(",", separator), "other.csv"))
    assert other.rows == comma.rows
    assert other.bucket_ms == comma.bucket_ms == 300_000


def test_millisecond_timestamps_give_the_same_buckets_as_seconds(tmp_path: Path) -> None:
    seconds = read_counts(write(tmp_path, series([1, 2, 3]), "s.csv"))
    ms = [f"{(1_424_986_973 + i * 300) * 1000},{v}" for i, v in enumerate([1, 2, 3])]
    millis = read_counts(write(tmp_path, "timestamp,value\n" + "\n".join(ms) + "\n", "ms.csv"))
    assert millis.bucket_ms == seconds.bucket_ms == 300_000
    assert [r.start_ms for r in millis.rows] == [r.start_ms for r in seconds.rows]


def test_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="cannot read"):
        read_counts(tmp_path / "nope.csv")


def test_values_are_rounded_counts_and_extra_columns_ignored(tmp_path: Path) -> None:
    text = "value,timestamp,label\n3.4,0,a\n2.6,300,b\n0,600,c\n"
    s = read_counts(write(tmp_path, text))
    assert [r.value for r in s.rows] == [3, 3, 0]


def window(start_ms: int, negative: int, total: int, width: int = 900_000) -> WindowStats:
    return WindowStats(
        brand="acme", start_ms=start_ms, end_ms=start_ms + width, total=total, negative=negative
    )


def test_a_total_column_is_the_share_s_denominator(tmp_path: Path) -> None:
    """Without it every mention counts as negative (NAB's files)."""
    text = "timestamp,total,value\n0,10,2\n900,,\n1800,7,7\n"
    with_total = read_counts(write(tmp_path, text))
    assert with_total.has_total
    assert [(r.value, r.total) for r in with_total.rows] == [(2, 10), (None, None), (7, 7)]
    params = DetectorParams(bucket_ms=900_000)
    # the blank row is a missing bucket: neither judged nor learnt from
    learnt = learn_windows([window(0, 2, 10), window(1_800_000, 7, 7)], params)
    assert learn_counts(with_total, params) == learnt
    assert learnt != learn_windows([window(0, 2, 2), window(1_800_000, 7, 7)], params)
    alone = read_counts(write(tmp_path, series([2, 3]), "alone.csv"))
    assert not alone.has_total
    assert [r.total for r in alone.rows] == [None, None]


def test_a_learnt_history_leaves_the_state_the_judged_file_does(tmp_path: Path) -> None:
    """Onboarding with a history is watching it live without paging anyone: the
    state it leaves is the one judging it leaves, so the next bucket's verdict
    is the one it would have had."""
    values: list[int | str] = list(spike_series(days=3))
    path = write(tmp_path, series(values, step=900))
    history = read_counts(path)
    params = DetectorParams(bucket_ms=history.bucket_ms)
    assert any(events for _, _, events in judge_counts(history, params, AlertPolicy()))
    state = detector.initial_state(params)
    for row in history.rows:
        assert row.value is not None
        w = window(row.start_ms, row.value, row.value)
        state, _ = detector.step(state, w, params)
    assert learn_counts(history, params) == state
    assert state.buckets_seen == len(values)


def test_written_counts_read_back_as_the_same_buckets(tmp_path: Path) -> None:
    t0 = 1_772_409_600_000  # 2026-03-02T00:00Z
    windows = [window(t0 + i * 900_000, i % 3, 5 + i) for i in range(6)]
    path = tmp_path / "acme.csv"
    assert write_counts(path, windows) == 6
    assert path.read_text().splitlines()[:2] == [
        "timestamp,value,total",
        "2026-03-02T00:00:00Z,0,5",
    ]
    back = read_counts(path)
    assert back.bucket_ms == 900_000
    assert back.has_total
    assert [(r.start_ms, r.value, r.total) for r in back.rows] == [
        (w.start_ms, w.negative, w.total) for w in windows
    ]


def spike_series(base: int = 20, days: int = 3, spike_at: int = 700) -> list[int]:
    out = []
    for i in range(days * 288):
        hour = (i % 288) / 12
        out.append(round(base * (1.2 + math.sin(hour / 24 * 2 * math.pi))))
    out[spike_at] = 20 * base
    out[spike_at + 1] = 15 * base
    return out


def test_run_counts_alerts_on_a_spike_and_writes_every_row(tmp_path: Path) -> None:
    values: list[int | str] = list(spike_series())
    values[100] = ""  # a blank value: a missing bucket, echoed with no score
    src = write(tmp_path, series(values))
    out = tmp_path / "scores.csv"
    policy = AlertPolicy(persistence=2, persistence_window=3, fire_on_critical=True)
    events = run_counts(src, DetectorParams(), policy, out)
    firing = [e for e in events if e.status is AlertStatus.FIRING]
    assert len(firing) == 1
    assert firing[0].brand == "acme"
    assert firing[0].observed == 400
    assert firing[0].onset_ms == (1_424_986_973 + 700 * 300) * 1000
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["timestamp", "value", "anomaly_score", "alert"]
    assert len(rows) == len(values) + 1
    assert [r[0] for r in rows[1:]] == [str(1_424_986_973 + i * 300) for i in range(len(values))]
    assert rows[101][1:] == ["", "0.000000", "0"]
    alert_rows = [i for i, r in enumerate(rows[1:]) if r[3] == "1"]
    assert alert_rows == [700]  # a critical surge opens the incident at once
    assert float(rows[701][2]) >= 0.5


@pytest.mark.parametrize(
    ("factor", "wide_bucket_ms", "paged"),
    [
        (2.0, 3_600_000, True),
        (2.5, 3_600_000, True),
        (2.0, 0, False),  # without the wide rule a one-hour surge waits for a second hour
        (2.5, 0, False),
    ],
)
def test_hourly_counts_page_a_one_hour_surge_at_once(
    tmp_path: Path, factor: float, wide_bucket_ms: int, paged: bool
) -> None:
    """An hourly bucket already holds an hour of the surge (`AlertPolicy.wide_bucket_ms`)."""
    rng = np.random.default_rng(3)
    hours = 14 * 24
    values = [
        int(rng.poisson(40 * (1.2 + math.sin(i % 24 / 24 * 2 * math.pi)))) for i in range(hours)
    ]
    at = 12 * 24 + 6  # the day's peak hour, above every peak so far
    values[at] = int(values[at] * factor)
    src = write(tmp_path, series(list(values), step=3_600))
    policy = AlertPolicy(wide_bucket_ms=wide_bucket_ms)
    events = run_counts(src, DetectorParams(), policy, None)
    firing = [e for e in events if e.status is AlertStatus.FIRING]
    assert [e.onset_ms for e in firing] == ([(1_424_986_973 + at * 3_600) * 1000] if paged else [])


def test_timestamps_are_echoed_exactly(tmp_path: Path) -> None:
    text = "timestamp,value\n2015-02-26 21:42:53,1\n2015-02-26 21:47:53,2\n"
    out = tmp_path / "s.csv"
    run_counts(write(tmp_path, text), DetectorParams(), AlertPolicy(), out)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == [
        "2015-02-26 21:42:53",
        "2015-02-26 21:47:53",
    ]


def test_replaying_the_same_file_gives_the_same_alerts(tmp_path: Path) -> None:
    src = write(tmp_path, series(list(spike_series(base=7, spike_at=500))))
    first = run_counts(src, DetectorParams(), AlertPolicy(), None)
    assert first
    assert run_counts(src, DetectorParams(), AlertPolicy(), None) == first


@settings(max_examples=30, deadline=None)
@given(
    value=st.integers(min_value=0, max_value=10_000),
    n=st.integers(min_value=2, max_value=400),
)
def test_a_constant_count_file_never_alerts(value: int, n: int) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        src = write(Path(tmp), series([value] * n))
        assert run_counts(src, DetectorParams(), AlertPolicy(), None) == []


@pytest.mark.slow
@pytest.mark.skipif(not NAB.exists(), reason="NAB data not present")
def test_nab_series_run_end_to_end(tmp_path: Path) -> None:
    src = NAB / "Twitter_volume_CVS.csv"
    out = tmp_path / "cvs.csv"
    events = run_counts(src, DetectorParams(), AlertPolicy(), out)
    assert events
    assert {e.brand for e in events} == {"Twitter_volume_CVS"}
    n_in = sum(1 for _ in src.open(encoding="utf-8"))
    assert sum(1 for _ in out.open(encoding="utf-8")) == n_in
