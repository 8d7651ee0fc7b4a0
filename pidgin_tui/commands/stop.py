"""`pidgin-tui stop EXPERIMENT|--all`: end runs in other processes cleanly.

The run's process gets a stop request through the experiment's control channel (an app stops
that run only and keeps going); a process that does not listen on it gets SIGTERM.
"""

from __future__ import annotations

import argparse

from pidgin_tui.commands.experiment_arg import add_experiment_argument
from pidgin_tui.commands.output import say, say_json

NAME = "stop"
HELP = ("stop a running experiment (or --all) wherever it runs, the app included: its "
        "conversations end as interrupted")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_experiment_argument(parser, optional=True)
    parser.add_argument("--all", action="store_true", help="stop every running experiment")
    parser.add_argument("--wait", type=float, default=30.0, metavar="SECONDS",
                        help="wait this long for each run to record that it stopped (default 30)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object on stdout: `stopped`, one entry per run")


def run(args: argparse.Namespace) -> int:
    from pidgin_tui.commands.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, error
    from pidgin_tui.experiments.daemon import live_experiments, stop_experiment
    from pidgin_tui.paths import output_root
    from pidgin_tui.record.layout import ExperimentNotFound

    if bool(args.experiment) == bool(args.all):
        error("give one EXPERIMENT or --all")
        return EXIT_USAGE
    root = output_root(getattr(args, "output", None))
    as_json = bool(getattr(args, "json", False))  # (callers may build args without it)
    try:
        targets = live_experiments(root) if args.all else [args.experiment]
    except OSError as exc:
        error(str(exc))
        return EXIT_FAILED
    if args.all and not targets:
        if as_json:
            say_json({"stopped": []})
        else:
            say("no running experiments")
        return EXIT_OK
    failed = False
    entries: list[dict[str, str]] = []
    for target in targets:
        try:
            result = stop_experiment(root, target, wait_s=max(0.0, args.wait))
        except ExperimentNotFound as exc:
            error(str(exc))
            return EXIT_USAGE
        failed = failed or result.outcome not in ("stopped", "signalled", "requested",
                                                  "process gone", "not running")
        if as_json:
            entries.append({"experiment_id": result.experiment_id, "path": str(result.path),
                            "outcome": result.outcome, "status": result.status,
                            "reply": result.reply})
        elif result.outcome == "stopped":
            say(f"{result.experiment_id}: stopped ({result.status})")
        elif result.outcome in ("signalled", "requested"):
            say(f"{result.experiment_id}: asked to stop; still finishing after {args.wait:g}s")
        elif result.outcome == "process gone":
            say(f"{result.experiment_id}: interrupted (process gone)")
        else:
            say(f"{result.experiment_id}: {result.outcome} ({result.status})")
    if as_json:
        say_json({"stopped": entries})
    return EXIT_FAILED if failed else EXIT_OK
