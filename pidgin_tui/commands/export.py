"""`pidgin-tui export EXPERIMENT --format parquet|csv|jsonl|md`: tables out through DuckDB;
`md` writes the experiment's Markdown transcripts into its `transcripts/` folder (the same files
post-processing and the app write)."""

from __future__ import annotations

import argparse
from pathlib import Path

from pidgin_tui.commands.experiment_arg import add_experiment_argument
from pidgin_tui.commands.output import say

NAME = "export"
HELP = "export an experiment's tables (parquet, csv, jsonl) or its Markdown transcripts (md)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_experiment_argument(parser)
    parser.add_argument("--format", dest="fmt", required=True,
                        choices=("parquet", "csv", "jsonl", "md"))
    parser.add_argument("--to", dest="target", metavar="DIR",
                        help="output directory for tables (default: <experiment dir>/export/"
                        "<format>); md transcripts always go to <experiment dir>/transcripts")


def run(args: argparse.Namespace) -> int:
    from pidgin_tui.commands.experiment_arg import named_experiment
    from pidgin_tui.commands.output import EXIT_USAGE, error
    from pidgin_tui.database.connection import DatabaseError
    from pidgin_tui.database.event_store import EventStore
    from pidgin_tui.record.layout import database_path, transcripts_dir
    from pidgin_tui.record.manifest import read_manifest

    root, exp_dir = named_experiment(args)
    if exp_dir is None:
        return EXIT_USAGE
    if args.fmt == "md":
        if args.target:
            error("--to does not apply to md: transcripts are written to "
                  f"{transcripts_dir(exp_dir)}")
            return 2
        from pidgin_tui.reports.transcript import write_transcripts

        for path in write_transcripts(exp_dir):
            print(path)
        return 0
    store = EventStore(database_path(root))
    manifest = read_manifest(exp_dir, conversations=False)
    experiment_id = manifest.experiment_id if manifest is not None else ""
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
