"""`pidgin-tui metrics [NAME]`: what a stored metric means, found by its name or a prefix."""

from __future__ import annotations

import argparse

from pidgin_tui.commands.output import say

NAME = "metrics"
HELP = "describe per-turn metrics: every one, or those whose name starts with NAME"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", metavar="NAME", nargs="?", default="",
                        help="a stored name (a_ttr, tfidf_cosine), a prefix of one (mimicry, "
                             "endstate_) or a per-agent name without its a_/b_ (ttr)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object: query, metrics")


def run(args: argparse.Namespace) -> int:
    import difflib

    from pidgin_tui.commands.output import EXIT_USAGE, error, say_json
    from pidgin_tui.metrics.lookup import all_metrics, find_metrics

    found = find_metrics(args.query)
    if not found:
        keys = [m.key for m in all_metrics()]
        close = difflib.get_close_matches(args.query.strip().lower(), keys, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        error(f"no metric is named or starts with {args.query!r}{hint}; "
              "`pidgin-tui metrics` lists them all")
        return EXIT_USAGE
    if args.json:
        say_json({"query": args.query, "metrics": [m.as_dict() for m in found]})
        return 0
    for metric in found:
        say(f"{metric.key}  ({metric.scope}, {metric.range})")
        say(f"    {metric.definition}")
    return 0
