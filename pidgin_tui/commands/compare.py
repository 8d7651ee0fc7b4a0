"""`pidgin-tui compare A B [C…]`: conversations side by side, aligned by turn."""

from __future__ import annotations

import argparse

NAME = "compare"
HELP = ("compare conversations (e.g. a parent and its branches, from any experiments) turn by "
        "turn: where they diverge, both messages and metric differences, ends, totals and cost")
MAX_COMPARED = 4


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("conversations", metavar="CONVERSATION", nargs="+",
                        help="EXPERIMENT:CONVERSATION, or a conversation id (or unique part of "
                             f"one) from any experiment; 2 to {MAX_COMPARED}")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    import json

    from pidgin_tui.commands.output import EXIT_OK, EXIT_USAGE, error
    from pidgin_tui.core.safe_text import terminal_safe
    from pidgin_tui.experiments.lookup import ConversationNotFound, find_conversation
    from pidgin_tui.paths import output_root
    from pidgin_tui.record.layout import ExperimentNotFound
    from pidgin_tui.reports.compare import Comparison, render_markdown

    if not 2 <= len(args.conversations) <= MAX_COMPARED:
        error(f"compare takes 2 to {MAX_COMPARED} conversations, got {len(args.conversations)}")
        return EXIT_USAGE
    root = output_root(getattr(args, "output", None))
    try:
        sources = [find_conversation(root, ref) for ref in args.conversations]
    except (ExperimentNotFound, ConversationNotFound) as exc:
        error(str(exc))
        return EXIT_USAGE
    comparison = Comparison.of(sources)
    if args.json:
        print(json.dumps(comparison.to_dict(), indent=1))  # ASCII-escaped: no control bytes
    else:
        print(terminal_safe(render_markdown(comparison)), end="")
    return EXIT_OK
