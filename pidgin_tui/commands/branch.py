"""`pidgin-tui branch EXPERIMENT CONVERSATION --turn N …`: continue a conversation differently.

The branches share turns 1..N with the parent (copied into their record, marked inherited) and
then continue, with any spec option changed. They are written as a new experiment, or into the
parent's experiment with `--into-parent`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pidgin_tui.commands.experiment_arg import add_conversation_argument, add_experiment_argument
from pidgin_tui.core.types import RECIPIENT_CHOICES, SPEAKER_CHOICES, Speaker

NAME = "branch"
HELP = ("branch a conversation after turn N into a new experiment (or into its own with "
        "--into-parent): same first N turns, then any spec option changed (options not given "
        "keep the parent's values)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from pidgin_tui.commands.run import add_spec_flags
    from pidgin_tui.commands.run_flags import add_launch_flags

    add_experiment_argument(parser)
    add_conversation_argument(parser)
    parser.add_argument("--turn", type=int, required=True, metavar="N",
                        help="the last turn the branch shares with the parent (1-based)")
    parser.add_argument("--inject", metavar="TEXT",
                        help="text put in at the branch point, before the next message")
    parser.add_argument("--as", dest="speaker", choices=tuple(SPEAKER_CHOICES),
                        default="narrator", help="who the injected text speaks as")
    parser.add_argument("--to", choices=tuple(RECIPIENT_CHOICES), default="both",
                        help="who is sent the injected text")
    parser.add_argument("--replace", action="store_true",
                        help="the injected text replaces the parent's message at the branch "
                             "point (the last message of turn N, sent by --as a|b) instead of "
                             "being added after it")
    add_spec_flags(parser, skip=frozenset({"repetitions"}))
    parser.add_argument("-r", "--branches", type=int, default=1, metavar="R",
                        help="how many branches (the first keeps the parent's seed)")
    parser.add_argument("--into-parent", action="store_true",
                        help="write the branches into the parent's experiment (numbered after "
                             "its conversations) instead of a new experiment")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the branch plan and its changes; run nothing")
    add_launch_flags(parser)
    parser.add_argument("--detach", action="store_true",
                        help="run in the background (into the parent too: the background "
                             "run holds its lock); print the experiment id and directory")
    parser.add_argument("--experiment-id", help=argparse.SUPPRESS)


def child_arguments(args: argparse.Namespace, parent_dir: Path,
                    conversation_id: str) -> list[str]:
    """The arguments of a detached branch: the same branch of the same (resolved) parent, with
    every option given, each value one `--flag=value` argument."""
    from pidgin_tui.commands.run_flags import (
        launch_flag_arguments,
        option,
        spec_flag_arguments,
    )

    argv = [str(parent_dir.resolve()), conversation_id, option("--turn", args.turn)]
    if args.inject is not None:
        argv += [option("--inject", args.inject), option("--as", args.speaker),
                 option("--to", args.to)]
        if args.replace:
            argv.append("--replace")
    argv += [*spec_flag_arguments(args), option("--branches", args.branches)]
    if args.into_parent:
        argv.append("--into-parent")
    return [*argv, *launch_flag_arguments(args)]


def run(args: argparse.Namespace) -> int:
    from pidgin_tui.commands.output import EXIT_USAGE, error
    from pidgin_tui.commands.run_flags import spec_overrides
    from pidgin_tui.commands.run_headless import launch
    from pidgin_tui.core.awareness import AwarenessError
    from pidgin_tui.experiments.branching import BranchError, plan_branch
    from pidgin_tui.experiments.lookup import ConversationNotFound, resolve_conversation
    from pidgin_tui.experiments.runner import ExperimentRunner
    from pidgin_tui.experiments.spec import SpecError
    from pidgin_tui.paths import output_root
    from pidgin_tui.providers.registry import UnknownModelError
    from pidgin_tui.record.layout import ExperimentNotFound
    from pidgin_tui.record.lock import ExperimentLocked
    from pidgin_tui.record.lookup import resolve_experiment

    if args.branches < 1:
        error(f"-r counts branches from 1, got {args.branches}")
        return EXIT_USAGE
    root = output_root(getattr(args, "output", None))
    inject = None if args.inject is None else (
        args.inject, Speaker.named(args.speaker), RECIPIENT_CHOICES[args.to])
    try:
        parent_dir = resolve_experiment(root, args.experiment)
        conversation_id = resolve_conversation(parent_dir, args.conversation)
        source = plan_branch(parent_dir, conversation_id, args.turn, spec_overrides(args),
                             repetitions=args.branches, inject=inject,
                             replace=args.replace)
        runner = ExperimentRunner.into_parent(source, root) if args.into_parent \
            else ExperimentRunner(source.spec, root, branch=source,
                                  experiment_id=args.experiment_id)
        if args.into_parent:
            runner.claim()  # the parent experiment must not be running
            if args.detach and not args.dry_run:
                runner.release()  # the background run claims it; it waits to be named writer
    except ExperimentLocked as exc:
        error(str(exc))
        return EXIT_USAGE
    except (ExperimentNotFound, ConversationNotFound, BranchError, SpecError,
            UnknownModelError, AwarenessError) as exc:
        error(str(exc))
        return EXIT_USAGE
    human = sys.stderr if args.json else sys.stdout
    return launch(runner, args, human,
                  detached=("branch", child_arguments(args, parent_dir, conversation_id)))
