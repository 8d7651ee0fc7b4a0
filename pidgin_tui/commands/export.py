"""`pidgin-tui export EXPERIMENT --format parquet|csv|jsonl|md`: tables out through DuckDB."""

from __future__ import annotations

import argparse
from pathlib import Path

from pidgin_tui.cli import say

NAME = "export"
HELP = "export an experiment's tables (parquet, csv, jsonl) or a Markdown digest (md)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("experiment", metavar="EXPERIMENT")
    parser.add_argument("--format", dest="fmt", required=True,
                        choices=("parquet", "csv", "jsonl", "md"))
    parser.add_argument("--to", dest="target", metavar="DIR",
                        help="output directory (default: <experiment dir>/export/<format>)")


def run(args: argparse.Namespace) -> int:
    from pidgin_tui.cli import error
    from pidgin_tui.database.connection import DatabaseError
    from pidgin_tui.database.event_store import EventStore
    from pidgin_tui.paths import output_root
    from pidgin_tui.record.layout import ExperimentNotFound, database_path, resolve_experiment
    from pidgin_tui.record.manifest import read_manifest

    root = output_root(getattr(args, "output", None))
    try:
        exp_dir = resolve_experiment(root, args.experiment)
    except ExperimentNotFound as exc:
        error(str(exc))
        return 2
    store = EventStore(database_path(root))
    experiment_id = str((read_manifest(exp_dir) or {}).get("experiment_id") or "")
    target = Path(args.target) if args.target else exp_dir / "export" / args.fmt
    try:
        if not experiment_id or not store.has_experiment(experiment_id):
            report = store.import_experiment(exp_dir)
            experiment_id = report.experiment_id
            say(f"imported first: {report.summary()}")
        written = store.export(experiment_id, args.fmt, target)
    except DatabaseError as exc:
        error(str(exc))
        return 1
    for path in written:
        say(path)
    return 0
