"""`pidgin-tui query "SQL"`: a read-only query on the analysis database, as a table or JSON."""

from __future__ import annotations

import argparse

NAME = "query"
HELP = "run a read-only SQL query on the analysis database (tables: experiments, " \
       "conversations, messages, turn_metrics_wide, events; long-form view turn_metrics)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sql", metavar="SQL")
    parser.add_argument("--json", action="store_true", help="print rows as a JSON array")
    parser.add_argument("--max-width", type=int, default=60, metavar="N",
                        help="cut table cells longer than N characters (default 60)")


def run(args: argparse.Namespace) -> int:
    from pidgin_tui.cli import error
    from pidgin_tui.database.connection import DatabaseError
    from pidgin_tui.database.event_store import EventStore
    from pidgin_tui.paths import output_root
    from pidgin_tui.record.layout import database_path

    root = output_root(getattr(args, "output", None))
    try:
        result = EventStore(database_path(root)).query(args.sql)
    except DatabaseError as exc:
        error(str(exc))
        return 1
    print(result.to_json() if args.json else result.to_table(args.max_width))
    return 0
