"""Pre-aggregated count series (``timestamp,value`` CSV) and the counts backtest.

`read_counts` turns a file into buckets of one fixed width, and `run_counts`
drives the very same `detector.step` and `alerting.transition` as the live
agents over them. ``value`` is the bucket's negative mentions; an optional
``total`` column gives all its mentions (the negative share's denominator).
Without it every mention counts as negative (``negative = total = value``,
NAB's files). The brand is the file's stem. `learn_counts` folds a file into a
detector state without judging it: a brand's history given at onboarding.

Input rules (each violation is an `InputFileError` naming the file and line):

* A header row naming ``timestamp`` and ``value`` (other columns ignored),
  separated by commas, or by semicolons or tabs throughout.
* Timestamps: ``2015-02-26 21:42:53`` (NAB; read as UTC), ISO-8601 with a zone
  (``2015-02-26T21:42:53Z``, ``+01:00``; a naive ISO time is read as UTC too),
  or Unix seconds (milliseconds from 1e11 on: no date before the year 5138 is
  that many seconds). Strictly increasing: an unsorted or duplicate timestamp
  is an error (sort and de-duplicate the file yourself: we do not guess which
  row is right).
* The bucket width is the most common step between rows. A step that is not
  a whole multiple of it (irregular width) is an error; a step of k widths is
  a gap of k - 1 *missing* buckets.
* Values: non-negative numbers, rounded to the nearest whole count. A blank
  value is a *missing* bucket. Anything else (text, negative, NaN, inf) is an
  error. A ``total`` column, when there is one, follows the same rules, and
  a row's total must be at least its value (blank only where the value is).
* Missing buckets (gaps and blank values) are neither judged nor learnt from:
  an unknown count is not a zero count. A blank-value row is still echoed to
  the scores file, with score 0 and no alert.
"""

from __future__ import annotations

import csv
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from streamproc import alerting, detector
from streamproc.alerting import AlertPolicy
from streamproc.detector import DetectorParams, DetectorState
from streamproc.errors import InputFileError
from streamproc.model import AlertEvent, AlertStatus, WindowStats

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True, slots=True, kw_only=True)
class CountRow:
    """One data row of a counts file."""

    line: int
    """1-based line number in the file."""
    timestamp: str
    """The timestamp exactly as written (echoed to the scores file)."""
    raw_value: str
    """The value exactly as written."""
    start_ms: int
    """Bucket start, UTC epoch ms."""
    value: int | None
    """The count, or None when the value is blank (a missing bucket)."""
    total: int | None = None
    """All mentions of the bucket when the file has a ``total`` column."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CountSeries:
    """A validated counts file."""

    path: Path
    rows: tuple[CountRow, ...]
    bucket_ms: int
    """Inferred bucket width."""
    gaps: int
    """Buckets missing between rows (not in the file at all)."""

    @property
    def has_total(self) -> bool:
        """The rows give all mentions (a ``total`` column), not only the negative ones."""
        return any(r.total is not None for r in self.rows)

    @property
    def brand(self) -> str:
        """The series name: the file's stem."""
        return self.path.stem


_UNIX_SECONDS_LIMIT = 1e11
"""A numeric timestamp this large is Unix milliseconds, not seconds."""
_UNIX_MS_LIMIT = 1e14
"""Numeric timestamps from here on (microseconds, nanoseconds) are refused."""


def parse_timestamp(text: str) -> int:
    """A timestamp as UTC epoch ms; ValueError when it cannot be read.

    >>> parse_timestamp("2015-02-26 21:42:53")
    1424986973000
    >>> parse_timestamp("2015-02-26T22:42:53+01:00")
    1424986973000
    >>> parse_timestamp("1424986973")
    1424986973000
    >>> parse_timestamp("1424986973000")  # Unix milliseconds (Kafka, JavaScript)
    1424986973000
    """
    s = text.strip()
    if not s:
        msg = "empty timestamp"
        raise ValueError(msg)
    if _NUMBER.match(s):
        number = float(s)
        if not math.isfinite(number) or abs(number) >= _UNIX_MS_LIMIT:
            msg = f"bad Unix time {text!r} (seconds or milliseconds since 1970)"
            raise ValueError(msg)
        # Seconds until the year 5138, milliseconds from there: read as
        # seconds, a millisecond file would pass as buckets of days.
        return round(number if abs(number) >= _UNIX_SECONDS_LIMIT else number * 1000)
    iso = s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        msg = f"cannot read timestamp {text!r}"
        raise ValueError(msg) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return round(dt.timestamp() * 1000)


def _value(raw: str, column: str = "value") -> int | None:
    s = raw.strip()
    if not s:
        return None
    if not _NUMBER.match(s):
        msg = f"{column} {raw!r} is not a number"
        raise ValueError(msg)
    x = float(s)
    if not math.isfinite(x) or x < 0:
        msg = f"{column} {raw!r} is not a count (negative or infinite)"
        raise ValueError(msg)
    return round(x)


def _total(raw: str, value: int | None) -> int | None:
    """A row's ``total``: blank exactly where its value is, and never below it."""
    total = _value(raw, "total")
    if (total is None) != (value is None):
        msg = f"total {raw!r} and value must both be given or both be blank"
        raise ValueError(msg)
    if total is not None and value is not None and total < value:
        msg = f"total {raw!r} is below the value {value} (negative mentions are part of all)"
        raise ValueError(msg)
    return total


def _rows(path: Path) -> Iterator[CountRow]:
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        msg = f"{path}: cannot read: {exc.strerror}"
        raise InputFileError(msg) from None
    with handle:
        try:
            delimiter = _delimiter(handle.readline())
        except UnicodeDecodeError:
            delimiter = ","  # reported below, with the line
        handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = next(reader, None)
            if header is None:
                msg = f"{path}: empty file (expected a header 'timestamp,value')"
                raise InputFileError(msg)
            names = [h.strip().lower().lstrip("\ufeff") for h in header]
            if "timestamp" not in names or "value" not in names:
                msg = f"{path}:1: header must name 'timestamp' and 'value', got {header}"
                raise InputFileError(msg)
            t_col, v_col = names.index("timestamp"), names.index("value")
            n_col = names.index("total") if "total" in names else None
            width = max(t_col, v_col, -1 if n_col is None else n_col) + 1
            for fields in reader:
                line = reader.line_num
                if not fields or all(not f.strip() for f in fields):
                    continue
                if len(fields) < width:
                    fields = fields + [""] * (width - len(fields))
                try:
                    start_ms = parse_timestamp(fields[t_col])
                    value = _value(fields[v_col])
                    total = None if n_col is None else _total(fields[n_col], value)
                except ValueError as exc:
                    msg = f"{path}:{line}: {exc}"
                    raise InputFileError(msg) from None
                yield CountRow(
                    line=line,
                    timestamp=fields[t_col],
                    raw_value=fields[v_col],
                    start_ms=start_ms,
                    value=value,
                    total=total,
                )
        except csv.Error as exc:
            msg = f"{path}:{reader.line_num}: unreadable CSV: {exc}"
            raise InputFileError(msg) from None
        except UnicodeDecodeError:
            # The text layer decodes ahead of the CSV reader, so its line count
            # says nothing about where the bad byte is: find the line itself.
            msg = f"{path}:{_undecodable_line(path)}: not UTF-8 text (save the file as UTF-8)"
            raise InputFileError(msg) from None


def _delimiter(header: str) -> str:
    """The header's field separator: a comma, else a semicolon or a tab.

    Spreadsheets in most of the languages we serve export CSV with semicolons
    (the comma is their decimal mark); their header is still plain to read.

    >>> _delimiter("timestamp;value\\r\\n"), _delimiter("timestamp,value")
    (';', ',')
    """
    for candidate in (",", ";", "\t"):
        if candidate in header:
            return candidate
    return ","


def _undecodable_line(path: Path) -> int:
    """The 1-based number of the first line that is not valid UTF-8 (0 if none)."""
    with path.open("rb") as raw:
        for number, line in enumerate(raw, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 0


def read_counts(path: Path) -> CountSeries:
    """Read and validate a counts file (see the module docstring for the rules).

    Raises:
        InputFileError: with the file and line of the first problem.
    """
    rows = tuple(_rows(path))
    if len(rows) < 2:
        msg = f"{path}: need at least two data rows to infer the bucket width"
        raise InputFileError(msg)
    for prev, row in itertools.pairwise(rows):
        if row.start_ms == prev.start_ms:
            msg = f"{path}:{row.line}: duplicate timestamp {row.timestamp!r} (line {prev.line})"
            raise InputFileError(msg)
        if row.start_ms < prev.start_ms:
            msg = (
                f"{path}:{row.line}: timestamp {row.timestamp!r} is before line "
                f"{prev.line}'s {prev.timestamp!r}: the file must be sorted"
            )
            raise InputFileError(msg)
    steps = Counter(b.start_ms - a.start_ms for a, b in itertools.pairwise(rows))
    width = max(steps.items(), key=lambda kv: (kv[1], -kv[0]))[0]
    gaps = 0
    for prev, row in itertools.pairwise(rows):
        k, rest = divmod(row.start_ms - prev.start_ms, width)
        if rest:
            msg = (
                f"{path}:{row.line}: irregular bucket width: {row.timestamp!r} is "
                f"{(row.start_ms - prev.start_ms) / 1000:g} s after line {prev.line}, "
                f"not a multiple of the file's {width / 1000:g} s"
            )
            raise InputFileError(msg)
        gaps += k - 1
    return CountSeries(path=path, rows=rows, bucket_ms=width, gaps=gaps)


def anomaly_score(score: float, threshold: float) -> float:
    """A detector score mapped onto [0, 1): 0.5 exactly at the threshold.

    >>> anomaly_score(5.0, 5.0)
    0.5
    """
    return score / (score + threshold) if score > 0 else 0.0


def _window(series: CountSeries, row: CountRow) -> WindowStats | None:
    """A row's bucket as the detector sees it; None for a missing bucket."""
    if row.value is None:
        return None
    return WindowStats(
        brand=series.brand,
        start_ms=row.start_ms,
        end_ms=row.start_ms + series.bucket_ms,
        total=row.value if row.total is None else row.total,
        negative=row.value,
    )


def write_counts(path: Path, windows: Iterable[WindowStats]) -> int:
    """Write buckets as a counts file with a ``total`` column; the rows written.

    This is the history a brand can be given at onboarding: ``value`` its
    negative mentions, ``total`` all of them, one row per bucket judged (quiet
    ones included: a zero is a count), times as ISO-8601 UTC.
    """
    rows = [
        (
            datetime.fromtimestamp(w.start_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            str(w.negative),
            str(w.total),
        )
        for w in windows
    ]
    try:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(("timestamp", "value", "total"))
            writer.writerows(rows)
    except OSError as exc:
        msg = f"{path}: cannot write: {exc.strerror}"
        raise InputFileError(msg) from None
    return len(rows)


def learn_counts(series: CountSeries, params: DetectorParams) -> DetectorState:
    """The detector state after `series` (see `learn_windows`); missing buckets skipped."""
    params = replace(params, bucket_ms=series.bucket_ms)
    windows = (_window(series, row) for row in series.rows)
    return learn_windows((w for w in windows if w is not None), params)


def learn_windows(windows: Iterable[WindowStats], params: DetectorParams) -> DetectorState:
    """The detector state after `windows`, learnt without a verdict acted on.

    A brand given its history at onboarding starts from here instead of from
    nothing: the same `detector.step` over the same buckets leaves the same
    state as watching them live would have, so its first live day is judged
    against its own daily and weekly rhythm, its spread and its peaks, while
    nothing in the history pages anyone (the alert state machine never sees it).
    """
    state = detector.initial_state(params)
    for window in windows:
        state, _ = detector.step(state, window, params)
    return state


def judge_counts(
    series: CountSeries, params: DetectorParams, policy: AlertPolicy
) -> Iterator[tuple[CountRow, float, tuple[AlertEvent, ...]]]:
    """Each row with its detector score and the alert events of its bucket."""
    params = replace(params, bucket_ms=series.bucket_ms)
    det_state = detector.initial_state(params)
    alert_state = alerting.initial_alert_state()
    for row in series.rows:
        window = _window(series, row)
        if window is None:
            yield row, 0.0, ()
            continue
        det_state, verdict = detector.step(det_state, window, params)
        alert_state, events = alerting.transition(alert_state, verdict, policy)
        yield row, verdict.score, events


def run_counts(
    path: Path,
    detector: DetectorParams,
    policy: AlertPolicy,
    scores_out: Path | None,
) -> list[AlertEvent]:
    """Backtest a counts file; optionally write ``timestamp,value,anomaly_score,alert``.

    ``detector.bucket_ms`` is replaced by the file's inferred width. A row's
    ``alert`` is 1 where its bucket opened an incident (a `firing` event: one
    page per incident); ``anomaly_score`` is the detector's score mapped by
    `anomaly_score` (0.5 at the detector's threshold).
    """
    series = read_counts(path)
    events: list[AlertEvent] = []
    out_rows: list[Sequence[str]] = []
    for row, score, new in judge_counts(series, detector, policy):
        events.extend(new)
        fired = any(e.status is AlertStatus.FIRING for e in new)
        out_rows.append(
            (
                row.timestamp,
                row.raw_value,
                f"{anomaly_score(score, detector.threshold):.6f}",
                "1" if fired else "0",
            )
        )
    if scores_out is not None:
        try:
            with scores_out.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(("timestamp", "value", "anomaly_score", "alert"))
                writer.writerows(out_rows)
        except OSError as exc:
            msg = f"{scores_out}: cannot write: {exc.strerror}"
            raise InputFileError(msg) from None
    return events
