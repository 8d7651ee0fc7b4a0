"""`pidgin-tui monitor`: every experiment's progress as plain text (for scripts and no-TTY use)."""

from __future__ import annotations

import argparse

from pidgin_tui.commands.output import say, say_json

NAME = "monitor"
HELP = "print the progress of every experiment (--once for a single summary)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="print one summary and exit")
    parser.add_argument("--conversations", action="store_true",
                        help="also list each experiment's conversations")
    parser.add_argument("--json", action="store_true", help="print one JSON object: "
                        "output_root, experiments (implies --once)")
    parser.add_argument("--interval", type=float, default=2.0, metavar="SECONDS",
                        help="refresh interval without --once (default 2)")


def run(args: argparse.Namespace) -> int:
    import sys
    import time

    from pidgin_tui.experiments.monitor_rows import summary_text
    from pidgin_tui.experiments.monitor_state import MonitorState
    from pidgin_tui.paths import output_root

    root = output_root(getattr(args, "output", None))
    state = MonitorState(root)
    if args.json:
        say_json({"output_root": str(root),
                  "experiments": [_as_json(row) for row in state.refresh()]})
        return 0
    if args.once:
        say(summary_text(state.refresh(), root, conversations=args.conversations))
        return 0
    tty = sys.stdout.isatty()
    while True:
        text = summary_text(state.refresh(), root, conversations=args.conversations)
        if tty:
            sys.stdout.write("\x1b[H\x1b[2J")  # our own clear-screen; the text is made inert
        say(text, flush=True)
        time.sleep(max(0.2, args.interval))


def _as_json(row: object) -> dict[str, object]:
    from dataclasses import asdict

    data = asdict(row)  # type: ignore[call-overload]
    data["path"] = str(data["path"])
    for conv in data["conversations"]:
        conv["jsonl"] = None if conv["jsonl"] is None else str(conv["jsonl"])
    return data
