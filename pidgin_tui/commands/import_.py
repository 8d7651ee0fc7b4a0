"""`pidgin-tui import [EXPERIMENT ... | --all]`: load experiments' JSONL into the database."""

from __future__ import annotations

import argparse

from pidgin_tui.cli import say

NAME = "import"
HELP = "import experiments into the analysis database (DuckDB); re-importing replaces"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("experiments", metavar="EXPERIMENT", nargs="*",
                        help="name, id, unique prefix or directory")
    parser.add_argument("--all", action="store_true", help="import every experiment")


def run(args: argparse.Namespace) -> int:
    from pidgin_tui.cli import error
    from pidgin_tui.database.connection import DatabaseError
    from pidgin_tui.database.event_store import EventStore
    from pidgin_tui.paths import output_root
    from pidgin_tui.record.layout import (
        ExperimentNotFound,
        database_path,
        experiment_dirs,
        resolve_experiment,
    )

    root = output_root(getattr(args, "output", None))
    if args.all == bool(args.experiments):
        error("name one or more experiments, or use --all (not both)")
        return 2
    try:
        dirs = experiment_dirs(root) if args.all else \
            [resolve_experiment(root, ref) for ref in args.experiments]
    except ExperimentNotFound as exc:
        error(str(exc))
        return 2
    if not dirs:
        say(f"no experiments in {root / 'experiments'}")
        return 0
    database = database_path(root)
    try:
        reports = EventStore(database).import_many(dirs)
    except DatabaseError as exc:
        error(str(exc))
        return 1
    for report in reports:
        say(report.summary())
        for problem in report.problems:
            say(f"  skipped: {problem}")
    events = sum(r.events for r in reports)
    seconds = sum(r.duration_s for r in reports)
    say(f"{len(reports)} experiment(s), {events} events into {database} in {seconds:.2f}s")
    return 0
