"""`pidgin-tui tree EXPERIMENT [CONVERSATION]`: the family tree of conversations and branches."""

from __future__ import annotations

import argparse

from pidgin_tui.commands.experiment_arg import add_experiment_argument

NAME = "tree"
HELP = ("print the family tree of an experiment's conversations: parents, siblings and branches "
        "(from any experiment) with their branch turns, end reasons and final convergence")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_experiment_argument(parser)
    parser.add_argument("conversation", metavar="CONVERSATION", nargs="?",
                        help="only this conversation's family (id, unique part of it, or "
                             "repetition number); marked with *")
    parser.add_argument("--json", action="store_true", help="print the trees as JSON")


def run(args: argparse.Namespace) -> int:
    import json

    from pidgin_tui.commands.output import EXIT_OK, EXIT_USAGE, error
    from pidgin_tui.core.safe_text import terminal_safe
    from pidgin_tui.experiments.lookup import ConversationNotFound, resolve_conversation
    from pidgin_tui.paths import output_root
    from pidgin_tui.record.layout import ExperimentNotFound
    from pidgin_tui.record.lineage import Lineage
    from pidgin_tui.record.lookup import resolve_experiment

    root = output_root(getattr(args, "output", None))
    try:
        exp_dir = resolve_experiment(root, args.experiment)
        mark = None if args.conversation is None \
            else resolve_conversation(exp_dir, args.conversation)
    except (ExperimentNotFound, ConversationNotFound) as exc:
        error(str(exc))
        return EXIT_USAGE
    lineage = Lineage.scan(root)
    families = lineage.families(exp_dir)
    if mark is not None:
        families = [lineage.tree(mark)]
    if args.json:
        print(json.dumps([family.to_dict() for family in families], indent=1))
        return EXIT_OK
    for number, family in enumerate(families):
        if number:
            print()
        print(terminal_safe("\n".join(family.lines(mark))))
    return EXIT_OK
