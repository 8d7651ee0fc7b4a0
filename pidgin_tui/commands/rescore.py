"""`pidgin-tui rescore EXPERIMENT`: recompute metrics, convergence and end states with the
current metric definitions (see `experiments/rescore.py`), then refresh the database and the
reports. The recorded events are never rewritten."""

from __future__ import annotations

import argparse

from pidgin_tui.commands.experiment_arg import add_experiment_argument
from pidgin_tui.commands.output import say

NAME = "rescore"
HELP = ("recompute an experiment's metrics, convergence and end states with the current "
        "metrics version (the recorded events are kept)")
REFRESHED_STEPS = ("import", "transcripts", "readme", "notebook")
"""Post-processing steps that show scores (the search index holds only messages)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from pidgin_tui.metrics.convergence import PROFILES

    add_experiment_argument(parser)
    parser.add_argument("--profile", choices=list(PROFILES),
                        help="convergence profile (default: the one each conversation ran with)")
    parser.add_argument("--no-post-process", action="store_true",
                        help="only write the rescored events; skip the database import and "
                             "the transcripts, README and notebook")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON "
                        "object")


def run(args: argparse.Namespace) -> int:
    from pidgin_tui.commands.experiment_arg import named_experiment
    from pidgin_tui.commands.output import EXIT_FAILED, EXIT_USAGE, error, say_json
    from pidgin_tui.experiments.rescore import RescoreError, rescore_experiment

    root, exp_dir = named_experiment(args)
    if exp_dir is None:
        return EXIT_USAGE
    try:
        report = rescore_experiment(exp_dir, args.profile)
    except RescoreError as exc:
        error(str(exc))
        return EXIT_FAILED
    summary = report.as_dict()
    failed: dict[str, str] = {}
    if not args.no_post_process:
        from pidgin_tui.experiments.post_processor import run_post_processing_sync

        failed = run_post_processing_sync(exp_dir, steps=REFRESHED_STEPS).failed
    summary["post_processing_failed"] = failed
    if args.json:
        say_json(summary)
    else:
        _print(summary)
    if failed:
        steps = "; ".join(f"{step}: {message}" for step, message in failed.items())
        error(f"rescored into {report.output_dir}, but refreshing the database and reports "
              f"failed ({steps})")
        return EXIT_FAILED
    return 0


def _print(summary: dict[str, object]) -> None:
    say(f"rescored {summary['conversations']} conversation(s), {summary['turns']} turns with "
        f"metrics_version {summary['metrics_version']} into {summary['output_dir']}")
    counts = summary["end_states"]
    if isinstance(counts, dict) and counts:
        say("end states: " + ", ".join(f"{name} {n}" for name, n in counts.items()))
    say(f"end states changed in {summary['changed_end_states']} conversation(s)")
