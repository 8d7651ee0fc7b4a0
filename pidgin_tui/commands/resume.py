"""`pidgin-tui resume EXPERIMENT`: continue what a stop, a pause or a crash left unfinished.

For an experiment still running in another process with paused conversations, those carry on
(a resume request through its control channel); otherwise a running experiment is refused.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from pidgin_tui.commands.experiment_arg import add_experiment_argument
from pidgin_tui.commands.output import say, say_json

NAME = "resume"
HELP = ("continue an experiment's paused, interrupted or crashed conversations where they "
        "stopped, and start planned ones that never began (a running one: its paused "
        "conversations carry on)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_experiment_argument(parser)
    parser.add_argument("--json", action="store_true",
                        help="print one JSON summary on stdout; human output goes to stderr")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every message")
    parser.add_argument("--no-post-process", action="store_true",
                        help="skip the import, transcripts, README and notebook afterwards")
    parser.add_argument("--convergence-action", choices=("stop", "warn", "pause", "continue"),
                        help="override the spec's convergence action (e.g. continue past a pause)")
    parser.add_argument("--detach", action="store_true",
                        help="resume in the background; print the experiment id and its log")
    parser.add_argument("--detached-child", action="store_true", help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import sys

    from pidgin_tui.commands.execution import execute, progress_display, report
    from pidgin_tui.commands.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, error
    from pidgin_tui.experiments.resume import NotResumable
    from pidgin_tui.experiments.runner import ExperimentRunner
    from pidgin_tui.experiments.spec import SpecError
    from pidgin_tui.paths import output_root
    from pidgin_tui.providers.registry import UnknownModelError
    from pidgin_tui.record.layout import ExperimentNotFound, conversation_jsonl_name, torn_path
    from pidgin_tui.record.lock import ExperimentLocked
    from pidgin_tui.record.lookup import resolve_experiment

    human = sys.stderr if args.json else sys.stdout
    root = output_root(getattr(args, "output", None))
    try:
        path = resolve_experiment(root, args.experiment)
        runner = ExperimentRunner.for_existing(path, root)
        if args.convergence_action:
            runner.spec.convergence_action = args.convergence_action
    except (ExperimentNotFound, SpecError, UnknownModelError, NotResumable, ValueError) as exc:
        error(str(exc))
        return EXIT_USAGE
    try:
        runner.claim()
        saved = runner.resumable()
    except ExperimentLocked as exc:
        from pidgin_tui.experiments.run_requests import paused_while_running

        if paused_while_running(root, path):  # running: carry on its paused conversations
            from pidgin_tui.commands.requests import send

            return send(args, "resume", {})
        error(str(exc))
        return EXIT_FAILED
    except OSError as exc:
        error(f"cannot write {path}: {exc.strerror or exc}")
        return EXIT_FAILED
    if not saved:
        runner.release()
        if args.json:
            say_json({"experiment_id": runner.experiment_id, "experiment_dir": str(path),
                      "resumed": 0, "status": "nothing to resume"})
        say(f"nothing to resume in {path.name}: every conversation ended on purpose",
            file=human)
        return EXIT_OK
    if args.detach:
        runner.release()  # the detached child claims it
        return _detach(args, root, path, runner.experiment_id, len(saved), human)
    if not args.quiet:
        say(f"resuming {len(saved)} conversation(s): "
            + ", ".join(f"{cid}: {s.describe()}" for cid, s in saved.items()), file=human)
    try:
        with progress_display(runner, args, human):
            outcome = asyncio.run(execute(runner, resume=True,
                                          post_process=not args.no_post_process,
                                          live_text=args.detached_child))
    finally:
        if args.detached_child:
            from pidgin_tui.experiments.daemon import remove_pid_file

            remove_pid_file(root, runner.experiment_id)
    for cid, moved in runner.torn.items():
        if moved:  # reported even when quiet: it is a change to the record
            jsonl = path / conversation_jsonl_name(cid)
            say(f"{jsonl.name}: torn last line ({moved} bytes) moved to "
                f"{torn_path(jsonl).name}", file=sys.stderr)
    return report(outcome, args, human, extra={"resumed": len(saved)})


def _detach(args: argparse.Namespace, root: Path, path: Path, experiment_id: str,
            resumed: int, human: TextIO) -> int:
    """Resume in a new session (closing the terminal or the page does not stop it)."""
    from pidgin_tui.commands.output import EXIT_FAILED, EXIT_OK, error, say, say_json
    from pidgin_tui.experiments.daemon import start_detached_resume

    child_args = [flag for flag, on in (("--no-post-process", args.no_post_process),
                                        ("--verbose", args.verbose)) if on]
    if args.convergence_action:
        child_args += ["--convergence-action", args.convergence_action]
    started = start_detached_resume(path, experiment_id, root, child_args)
    if started.exit_code not in (None, 0):
        error(f"the detached resume exited with code {started.exit_code}; "
              f"see {started.log_path}")
        return EXIT_FAILED
    if args.json:
        say_json({"experiment_id": experiment_id, "pid": started.pid,
                  "experiment_dir": str(path), "log": str(started.log_path),
                  "resumed": resumed})
    else:
        say(f"resuming {resumed} conversation(s) of {experiment_id} in the background "
            f"(pid {started.pid})\n{path}\nlog: {started.log_path}\n"
            f"stop it with: pidgin-tui stop {experiment_id}", file=human)
    return EXIT_OK
