"""`pidgin-tui resume EXPERIMENT`: continue conversations that ended paused or interrupted."""

from __future__ import annotations

import argparse

NAME = "resume"
HELP = "continue an experiment's paused or interrupted conversations where they stopped"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("experiment", metavar="EXPERIMENT",
                        help="name, id, unique id prefix or directory")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON summary on stdout; human output goes to stderr")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every message")
    parser.add_argument("--no-post-process", action="store_true",
                        help="skip the import, transcripts, README and notebook afterwards")
    parser.add_argument("--convergence-action", choices=("stop", "warn", "pause", "continue"),
                        help="override the spec's convergence action (e.g. continue past a pause)")


def run(args: argparse.Namespace) -> int:
    import asyncio
    import sys

    from pidgin_tui.cli import EXIT_OK, EXIT_USAGE, error
    from pidgin_tui.commands.execution import execute, progress_display, report
    from pidgin_tui.experiments.resume import NotResumable
    from pidgin_tui.experiments.runner import ExperimentRunner
    from pidgin_tui.experiments.spec import SpecError
    from pidgin_tui.paths import output_root
    from pidgin_tui.providers.registry import UnknownModelError
    from pidgin_tui.record.layout import ExperimentNotFound, resolve_experiment

    human = sys.stderr if args.json else sys.stdout
    root = output_root(getattr(args, "output", None))
    try:
        path = resolve_experiment(root, args.experiment)
        runner = ExperimentRunner.for_existing(path, root)
        if args.convergence_action:
            runner.spec.convergence_action = args.convergence_action
        saved = runner.resumable()
    except (ExperimentNotFound, SpecError, UnknownModelError, NotResumable, ValueError) as exc:
        error(str(exc))
        return EXIT_USAGE
    if not saved:
        if args.json:
            import json

            print(json.dumps({"experiment_id": runner.experiment_id,
                              "experiment_dir": str(path), "resumed": 0,
                              "status": "nothing to resume"}, ensure_ascii=False))
        print(f"nothing to resume in {path.name}: no conversation ended paused or interrupted",
              file=human)
        return EXIT_OK
    if not args.quiet:
        print(f"resuming {len(saved)} conversation(s): "
              + ", ".join(f"{cid} at turn {s.point.turn + 1}" for cid, s in saved.items()),
              file=human)
    with progress_display(runner, args, human):
        outcome = asyncio.run(execute(runner, resume=True,
                                      post_process=not args.no_post_process))
    return report(outcome, args, human, extra={"resumed": len(saved)})
