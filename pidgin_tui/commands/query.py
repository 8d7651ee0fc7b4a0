"""`pidgin-tui query "SQL"`: a read-only query on the analysis database, as a table or JSON."""

from __future__ import annotations

import argparse

from pidgin_tui.commands.output import say

NAME = "query"
HELP = "run a read-only SQL query on the analysis database (tables: experiments, " \
       "conversations, messages, turn_metrics_wide, events; long-form view turn_metrics). " \
       "Sandboxed: one SELECT/WITH/DESCRIBE/SHOW/SUMMARIZE/EXPLAIN, no files, no network"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sql", metavar="SQL")
    parser.add_argument("--json", action="store_true", help="print one JSON object: "
                        "columns, rows (as objects), row_count, truncated")
    parser.add_argument("--max-width", type=int, default=60, metavar="N",
                        help="cut table cells longer than N characters (default 60)")
    parser.add_argument("--limit", type=_positive_int, default=None, metavar="ROWS",
                        help="return at most ROWS rows (default 1000)")
    parser.add_argument("--timeout", type=_positive_float, default=None, metavar="SECONDS",
                        help="interrupt the query after SECONDS (default 30)")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def run(args: argparse.Namespace) -> int:
    from pidgin_tui.commands.output import error
    from pidgin_tui.database.connection import DatabaseError
    from pidgin_tui.database.event_store import EventStore
    from pidgin_tui.database.sandbox import DEFAULT_LIMIT, DEFAULT_TIMEOUT_S
    from pidgin_tui.paths import output_root
    from pidgin_tui.record.layout import database_path

    root = output_root(getattr(args, "output", None))
    limit = args.limit or DEFAULT_LIMIT
    timeout_s = args.timeout or DEFAULT_TIMEOUT_S
    try:
        result = EventStore(database_path(root)).query(args.sql, limit=limit,
                                                       timeout_s=timeout_s)
    except DatabaseError as exc:
        error(str(exc))
        return 1
    say(result.to_json() if args.json else result.to_table(args.max_width))
    return 0
