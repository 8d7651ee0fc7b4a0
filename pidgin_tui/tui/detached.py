"""Runs launched from the app in a browser (`pidgin-tui serve`) go detached.

A browser tab owns its app process: closing the tab ends that process. So a browser session
starts (and resumes) each run through the detached-run machinery (`experiments.daemon`), in its
own session, and follows it from the disk like any run of another process; reopening the page
lands on the monitor when runs are going.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from pidgin_tui.experiments.spec import ExperimentSpec
    from pidgin_tui.tui.app import PidginApp

DETACH_ENV = "PIDGIN_TUI_DETACH_RUNS"
"""Set (to 1) by `pidgin-tui serve` for the app processes it starts."""


def detach_requested() -> bool:
    return os.environ.get(DETACH_ENV, "") == "1"


@dataclass
class DetachedStarted(Message):
    """A detached run was started (or its process exited at once, with `exit_code`)."""

    name: str
    experiment_id: str
    exit_code: int | None
    log_path: Path
    experiment_dir: Path | None


def launch_detached(app: PidginApp, spec: ExperimentSpec) -> None:
    """Start `spec` as a detached run off the event loop; the app hears `DetachedStarted`."""
    from pidgin_tui.experiments.runner import new_experiment_id

    experiment_id = app.experiment_id_factory() if app.experiment_id_factory \
        else new_experiment_id()

    def start() -> None:
        from pidgin_tui.experiments.daemon import start_detached_spec

        started = start_detached_spec(spec, experiment_id, app.output_root)
        app.post_message(DetachedStarted(spec.name, started.experiment_id, started.exit_code,
                                         started.log_path, started.experiment_dir))

    app.run_worker(start, thread=True, group="detach", exit_on_error=False,
                   description=f"start {spec.name} detached")


def resume_detached(app: PidginApp, experiment_dir: Path, experiment_id: str,
                    name: str) -> None:
    """Resume an experiment as a detached run off the event loop (`pidgin-tui resume
    --detach`); the app hears `DetachedStarted`, and follows it from the disk."""
    def start() -> None:
        from pidgin_tui.experiments.daemon import start_detached_resume

        started = start_detached_resume(experiment_dir, experiment_id, app.output_root)
        app.post_message(DetachedStarted(name, experiment_id, started.exit_code,
                                         started.log_path, started.experiment_dir))

    app.run_worker(start, thread=True, group="detach", exit_on_error=False,
                   description=f"resume {experiment_id} detached")


def has_live_runs(root: Path) -> bool:
    from pidgin_tui.experiments.daemon import live_experiments

    return bool(live_experiments(root))
