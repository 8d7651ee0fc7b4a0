"""`pidgin-tui pause EXPERIMENT [CONVERSATION] [--before-turn N]`: pause a running conversation.

Without `--before-turn` the conversation pauses at its next safe point; with it, it pauses for
a human when turn N is about to start and waits there for an interjection (`interject`) or a
resume (`resume`). The request reaches the process running the experiment through its control
channel.
"""

from __future__ import annotations

import argparse

from pidgin_tui.commands.experiment_arg import add_experiment_argument

NAME = "pause"
HELP = ("pause a running conversation (or every one) now, or for a human before turn N: it "
        "waits for an interjection or a resume")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_experiment_argument(parser)
    parser.add_argument("conversation", metavar="CONVERSATION", nargs="?",
                        help="conversation id, unique part of it, or repetition number "
                             "(1-based); every conversation when left out")
    parser.add_argument("--before-turn", type=int, metavar="N",
                        help="pause when turn N (1-based) is about to start, not now")


def run(args: argparse.Namespace) -> int:
    from pidgin_tui.commands.output import EXIT_USAGE, error
    from pidgin_tui.commands.requests import send

    if args.before_turn is not None and args.before_turn < 1:
        error(f"--before-turn counts from 1, got {args.before_turn}")
        return EXIT_USAGE
    payload = {} if args.before_turn is None else {"before_turn": args.before_turn}
    return send(args, "pause", payload, conversation=args.conversation)
