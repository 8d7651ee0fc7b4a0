"""`pidgin-tui show EXPERIMENT`: one experiment's state and conversations."""

from __future__ import annotations

import argparse

from pidgin_tui.commands.experiment_arg import add_experiment_argument
from pidgin_tui.commands.output import say, say_json
from pidgin_tui.core.safe_text import terminal_safe
from pidgin_tui.views.format import format_cost, format_tokens

NAME = "show"
HELP = "show one experiment (by name, id, unique prefix or directory)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_experiment_argument(parser)
    parser.add_argument("--json", action="store_true", help="print the manifest as JSON")


def run(args: argparse.Namespace) -> int:
    from pidgin_tui.commands.experiment_arg import named_experiment
    from pidgin_tui.commands.output import EXIT_USAGE, error
    from pidgin_tui.experiments.discovery import describe

    root, path = named_experiment(args)
    if path is None:
        return EXIT_USAGE
    info = describe(path, root)
    if info.damage and not info.manifest_read:
        error(f"{path.name} is damaged: {info.damage} (see: pidgin-tui doctor {path.name})")
        return 1
    m = info.manifest
    if args.json:
        import msgspec  # not at import: `--help` loads no decoder

        say_json({**msgspec.to_builtins(m), "status": info.status_label}, indent=1)
        return 0
    cost = format_cost(m.total_cost_usd, bool(m.unpriced_requests))
    say(f"{terminal_safe(info.name, single_line=True)}  ({info.experiment_id})\n{path}\n"
        f"status {info.status_label} · {info.conversations_done}/{info.total_conversations} "
        f"conversations · {m.total_turns} turns · "
        f"{format_tokens(m.total_tokens)} tokens "
        f"· {cost} · {m.error_count} errors")
    # By id, as the monitor lists them and the transcripts are named: the manifest keeps
    # them in the order its state file was last compacted.
    for conv_id, conv in sorted(m.conversations.items()):
        conv_cost = format_cost(conv.cost_usd, conv.unpriced)
        convergence = conv.convergence
        conv_text = "-" if convergence is None else f"{convergence:.2f}"
        say(f"  {conv_id}  {conv.status:<11} turn {conv.turns_completed}"
            f"/{conv.max_turns:<5} conv {conv_text:<5} {conv_cost:<10} "
            f"{conv.end_reason or ''}"
            + (f"  error: {terminal_safe(conv.last_error, single_line=True)}"
               if conv.last_error else ""))
    return 0
