"""`pidgin-tui list`: experiments with status and progress."""

from __future__ import annotations

import argparse
import sys

from pidgin_tui.commands.output import say, say_json
from pidgin_tui.core.safe_text import terminal_safe

NAME = "list"
HELP = "list experiments with their status and progress"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object: "
                        "output_root, experiments, hint")


def run(args: argparse.Namespace) -> int:
    from pidgin_tui.experiments.discovery import list_experiments
    from pidgin_tui.paths import output_root

    root = output_root(getattr(args, "output", None))
    infos = list_experiments(root)
    hint: str | None = None
    if not infos:
        from pidgin_tui.record.upstream import upstream_hint

        hint = upstream_hint(root)
        if hint:
            say(hint, file=sys.stderr if args.json else sys.stdout)
    if args.json:
        say_json({"output_root": str(root), "experiments": [{
            "experiment_id": i.experiment_id, "name": i.name, "status": i.status_label,
            "conversations_done": i.conversations_done,
            "total_conversations": i.total_conversations,
            "total_turns": i.manifest.total_turns, "path": str(i.path),
        } for i in infos], "hint": hint or None})
        return 0
    if not infos:
        say(f"no experiments in {root / 'experiments'}")
        return 0
    say(f"{'ID':<10} {'STATUS':<27} {'CONVS':>9} {'TURNS':>7}  NAME")
    for info in infos:
        progress = f"{info.conversations_done}/{info.total_conversations}"
        name = terminal_safe(info.name, single_line=True)  # a line per experiment
        say(f"{info.experiment_id:<10} {info.status_label:<27} {progress:>9} "
            f"{info.manifest.total_turns:>7}  {name}")
    return 0
