"""`pidgin-tui transcript EXPERIMENT [CONVERSATION]`: write transcripts, or print one."""

from __future__ import annotations

import argparse

from pidgin_tui.commands.experiment_arg import add_conversation_argument, add_experiment_argument
from pidgin_tui.commands.output import say

NAME = "transcript"
HELP = "write an experiment's Markdown transcripts, or print one conversation's"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_experiment_argument(parser)
    add_conversation_argument(parser, optional=True)


def run(args: argparse.Namespace) -> int:
    from pidgin_tui.commands.experiment_arg import named_experiment
    from pidgin_tui.commands.output import EXIT_USAGE, error
    from pidgin_tui.experiments.lookup import pick_conversations
    from pidgin_tui.record.experiment import ExperimentRecord
    from pidgin_tui.reports.transcript import render_transcript, write_transcripts

    root, exp_dir = named_experiment(args)
    if exp_dir is None:
        return EXIT_USAGE
    experiment = ExperimentRecord.load(exp_dir)
    if args.conversation is None:
        for path in write_transcripts(exp_dir, experiment=experiment):
            say(path)
        for problem in experiment.problems:
            say(f"  skipped: {problem}")
        return 0
    found = pick_conversations(list(experiment.conversations), args.conversation)
    if len(found) != 1:
        known = ", ".join(list(experiment.conversations)[:5])
        what = "no conversation" if not found else f"{len(found)} conversations"
        error(f"{what} of {experiment.name} match {args.conversation!r} (e.g. {known})")
        return 2
    write_transcripts(exp_dir, conversation_id=found[0], experiment=experiment)
    say(render_transcript(experiment.conversations[found[0]], experiment), end="")
    return 0
