"""The offline twin of the pipeline: the same core over a file of mentions.

`Replay` feeds raw lines through exactly what the agents call (`parse`,
`enrich`, `engine.admit/accumulate/close_due`), with one source in event-time
order, so its watermark is (latest event time - allowed lateness), and a final
flush at the end of the file, as `streamproc replay` sends one at the end of
a live replay. A live run over the same file gives the same alert events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from streamproc.brands import fold
from streamproc.engine import BrandState, ListChunks, accumulate, admit, close_due
from streamproc.enrich import enrich
from streamproc.model import AlertEvent, Rejection, Verdict
from streamproc.parse import parse
from streamproc.sentiment import Scorer
from streamproc.settings import Config
from streamproc.windows import BucketAcc, bucket_of


def brand_stopwords(config: Config, brand: str) -> frozenset[str]:
    """Words of a brand's own name, keywords and handles: never a "top term"."""
    found = config.catalog.get(brand)
    if found is None:
        return frozenset({brand})
    words = {brand, *fold(found.name).split()}
    for phrase in (*found.keywords, *found.handles):
        words.update(fold(phrase).lstrip("@").split())
    return frozenset(words)


@dataclass
class ReplayStats:
    """What a replay read, for the summary line of `demo` and `backtest`."""

    lines: int = 0
    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    unmatched: int = 0
    late: int = 0
    scored: int = 0
    negative: int = 0


class Replay:
    """Feed raw mention lines; collect alert events. One instance per file."""

    def __init__(
        self,
        config: Config,
        scorer: Scorer,
        detect_language: Callable[[str], str],
        on_verdict: Callable[[Verdict], None] | None = None,
    ) -> None:
        self.config = config
        self.scorer = scorer
        self.detect_language = detect_language
        self.on_verdict = on_verdict
        self.stats = ReplayStats()
        self.rejections: list[Rejection] = []
        self._width = config.pipeline.width_ms
        self._lateness = config.pipeline.allowed_lateness_minutes * 60_000
        self._states: dict[str, BrandState] = {}
        self._accs: dict[str, dict[int, BucketAcc]] = {}
        self._chunks: dict[tuple[str, int], ListChunks] = {}
        """(brand, bucket start) -> the bucket's sealed chunks of mention ids."""
        self._stop: dict[str, frozenset[str]] = {}
        self._max_event_ms: int | None = None
        self._closed_through: int | None = None

    def feed(self, raw: bytes) -> list[AlertEvent]:
        """Process one line; return the alert events it caused (usually none)."""
        self.stats.lines += 1
        parsed = parse(raw)
        if isinstance(parsed, Rejection):
            self.stats.rejected[parsed.reason] += 1
            self.rejections.append(parsed)
            return []
        self.stats.accepted += 1
        scored = enrich(parsed, self.config.catalog, self.scorer, self.detect_language)
        if not scored:
            self.stats.unmatched += 1
        for item in scored:
            self.stats.scored += 1
            self.stats.negative += item.sentiment.label == "negative"
            state = self._states.get(item.brand) or BrandState.new(
                self.config.params_for(item.brand)
            )
            admitted = admit(state, parsed.created_at_ms, self._width)
            if admitted is None:
                self.stats.late += 1
                continue
            self._states[item.brand] = admitted
            accs = self._accs.setdefault(item.brand, {})
            start, _ = bucket_of(parsed.created_at_ms, self._width)
            stop = self._stop.get(item.brand)
            if stop is None:
                stop = self._stop[item.brand] = brand_stopwords(self.config, item.brand)
            chunks = self._chunks.setdefault((item.brand, start), ListChunks())
            accs[start] = accumulate(accs.get(start), item, stop, self._width, chunks)
        if self._max_event_ms is None or parsed.created_at_ms > self._max_event_ms:
            self._max_event_ms = parsed.created_at_ms
        return self._advance(self._max_event_ms - self._lateness)

    def _advance(self, watermark_ms: int) -> list[AlertEvent]:
        boundary = watermark_ms - watermark_ms % self._width
        if self._closed_through is not None and boundary <= self._closed_through:
            return []
        self._closed_through = boundary
        events: list[AlertEvent] = []
        for brand in sorted(self._states):
            judged = close_due(
                self._states[brand],
                brand,
                watermark_ms,
                self._accs.get(brand, {}),
                self.config.params_for(brand),
            )
            self._states[brand] = judged.state
            accs = self._accs.get(brand, {})
            for start in judged.closed_starts:
                accs.pop(start, None)
                self._chunks.pop((brand, start), None)
            if self.on_verdict is not None:
                for verdict in judged.verdicts:
                    self.on_verdict(verdict)
            events.extend(judged.events)
        return events

    def flush_watermark(self) -> int | None:
        """The watermark that closes every bucket holding data: end of the last one."""
        if self._max_event_ms is None:
            return None
        return bucket_of(self._max_event_ms, self._width)[1]

    def finish(self) -> list[AlertEvent]:
        """End of the file: judge every remaining bucket."""
        flush = self.flush_watermark()
        return [] if flush is None else self._advance(flush)


def run(
    lines: Iterable[bytes],
    config: Config,
    scorer: Scorer,
    detect_language: Callable[[str], str],
    on_verdict: Callable[[Verdict], None] | None = None,
) -> Iterator[AlertEvent]:
    """Alert events of a whole file of raw mention lines, in order."""
    replay = Replay(config, scorer, detect_language, on_verdict)
    for raw in lines:
        stripped = raw.rstrip(b"\r\n")
        if stripped:
            yield from replay.feed(stripped)
    yield from replay.finish()
