"""The app's runs: experiments launched or resumed in the app, through one run session.

`AppRuns` holds the app's `RunSession` (`experiments.session`: launch, stop, interrupt, control
requests, the post-processing queue) and, per experiment, the bridge that turns its events into
messages for the screens. The session's callbacks run on the app's loop and become messages or
toasts: `RunFinished`, `PostProcessed`, and a toast for each request another process sent (e.g.
`pidgin-tui stop <id>`, which stops that run only).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual.notifications import SeverityLevel

from pidgin_tui.core.bus import EventBus
from pidgin_tui.experiments.session import RunSession, SessionRun
from pidgin_tui.record.layout import experiment_id_of_dir
from pidgin_tui.tui.bridge import Bridge
from pidgin_tui.tui.error_entries import ErrorEntry
from pidgin_tui.tui.messages import ErrorRecorded, RunFinished
from pidgin_tui.tui.post_processing import PostProcessed

if TYPE_CHECKING:
    from pidgin_tui.experiments.branching import BranchSource
    from pidgin_tui.experiments.post_processor import PostProcessingResult
    from pidgin_tui.experiments.runner import ExperimentRunner
    from pidgin_tui.experiments.spec import ExperimentSpec
    from pidgin_tui.record.control_channel import ControlReply, ControlRequest
    from pidgin_tui.tui.app import PidginApp


@dataclass
class Run:
    """One experiment launched or resumed in the app."""

    runner: ExperimentRunner
    bridge: Bridge
    session_run: SessionRun

    @property
    def finished(self) -> bool:
        return self.session_run.finished


class AppRuns:
    """Every run of one app and the session that drives them."""

    def __init__(self, app: PidginApp) -> None:
        self.app = app
        self.session = RunSession("app", post_process=app.post_process,
                                  on_finished=self._finished,
                                  on_post_processed=self._post_processed,
                                  on_request=self._request_answered)
        self.runs: dict[str, Run] = {}

    @property
    def running(self) -> list[Run]:
        return [run for run in self.runs.values() if not run.finished]

    def launch(self, spec: ExperimentSpec) -> Run:
        """Start a run of `spec`; raises `OSError` when its directory cannot be created."""
        from pidgin_tui.experiments.runner import ExperimentRunner

        app = self.app
        bus = EventBus()
        experiment_id = app.experiment_id_factory() if app.experiment_id_factory else None
        runner = ExperimentRunner(spec, app.output_root, bus=bus, registry=app.registry,
                                  interactive=True, experiment_id=experiment_id)
        return self._start(runner, bus, resume=False)

    def launch_branch(self, source: BranchSource, *, into_parent: bool = False) -> Run:
        """Start branches of a recorded conversation: a new experiment, or new conversations of
        the parent's with `into_parent` (raises `ExperimentLocked` while the parent runs)."""
        from pidgin_tui.experiments.runner import ExperimentRunner

        app = self.app
        bus = EventBus()
        if into_parent:
            runner = ExperimentRunner.into_parent(source, app.output_root, bus=bus,
                                                  registry=app.registry, interactive=True)
        else:
            experiment_id = app.experiment_id_factory() if app.experiment_id_factory else None
            runner = ExperimentRunner(source.spec, app.output_root, bus=bus,
                                      registry=app.registry, interactive=True,
                                      experiment_id=experiment_id, branch=source)
        return self._start(runner, bus, resume=False)

    def resume(self, experiment_dir: Path) -> str:
        """Continue an experiment's paused or interrupted conversations in this app; returns one
        line saying what happened."""
        from pidgin_tui.experiments.resume import NotResumable
        from pidgin_tui.experiments.runner import ExperimentRunner
        from pidgin_tui.experiments.spec import SpecError
        from pidgin_tui.providers.registry import UnknownModelError
        from pidgin_tui.record.lock import ExperimentLocked

        app = self.app
        bus = EventBus()
        try:
            runner = ExperimentRunner.for_existing(experiment_dir, app.output_root, bus=bus,
                                                   registry=app.registry, interactive=True)
            saved = runner.resumable()
        except (SpecError, UnknownModelError, NotResumable, ValueError, OSError) as exc:
            return f"cannot resume {experiment_dir.name}: {exc}"
        live = self.runs.get(runner.experiment_id)
        if live is not None and not live.finished:
            return f"{runner.experiment_id} is already running in this app"
        if not saved:
            return f"nothing to resume in {runner.experiment_id}: no conversation ended " \
                   "paused or interrupted"
        if app.detach_runs:  # in a browser: closing the page must not end the resumed run
            from pidgin_tui.tui.detached import resume_detached

            resume_detached(app, experiment_dir, runner.experiment_id, runner.spec.name)
            return f"resuming {len(saved)} conversation(s) of {runner.experiment_id} in the " \
                   "background: closing this page does not stop them"
        try:
            self._start(runner, bus, resume=True)
        except (ExperimentLocked, OSError) as exc:
            return f"cannot resume {runner.experiment_id}: {exc}"
        return f"resuming {len(saved)} conversation(s) of {runner.experiment_id}"

    def _start(self, runner: ExperimentRunner, bus: EventBus, *, resume: bool) -> Run:
        session_run = self.session.start(runner, resume=resume)
        # the run's task has not run yet: the bridge hears its first event
        self.app.store.add_experiment(
            runner.experiment_id, runner.spec.name, runner.conversation_ids(),
            {agent.value: (info.ref, info.context_window) for agent, info in runner.models.items()},
            output_dir=str(runner.experiment_dir))
        run = Run(runner, Bridge(bus, self.app.store, self.app.hub), session_run)
        self.runs[runner.experiment_id] = run
        return run

    def stop(self, experiment_id: str) -> bool:
        return self.session.stop(experiment_id)

    def post_process(self, experiment_dir: Path) -> bool:
        """Queue post-processing (again); False when it is already waiting."""
        return self.session.post_process(experiment_dir)

    def finish_left_over(self, paths: list[Path]) -> None:
        """Queue the experiments an earlier session ended but did not post-process."""
        queued = [path for path in paths if self.session.post_process(path)]
        if queued:
            self.app.notify(f"Finishing the post-processing of {len(queued)} experiment(s) an "
                            "earlier session left.", title="Post-processing")

    # --- session callbacks (on the app's loop) ---------------------------------------------

    def _finished(self, session_run: SessionRun) -> None:
        run = self.runs.get(session_run.experiment_id)
        if run is not None:
            run.bridge.close()
        if session_run.crash is not None:
            self._record_crash(session_run.experiment_id, session_run.crash)
        self.app.post_message(RunFinished(session_run.experiment_id, session_run.status,
                                          str(session_run.experiment_dir or "")))

    def _record_crash(self, experiment_id: str, exc: BaseException) -> None:
        from pidgin_tui.core.events import utc_now

        entry = ErrorEntry(time=utc_now()[11:19], kind="Run failed",
                           message=f"{type(exc).__name__}: {exc}", experiment_id=experiment_id,
                           details=repr(exc))
        self.app.store.add_errors([entry])
        self.app.post_message(ErrorRecorded(entry))

    def _post_processed(self, result: PostProcessingResult) -> None:
        self.app.post_message(PostProcessed(
            experiment_id_of_dir(result.experiment_dir), str(result.experiment_dir),
            list(result.succeeded), dict(result.failed), result.duration_ms))

    def _request_answered(self, run: SessionRun, request: ControlRequest,
                          reply: ControlReply) -> None:
        severity: SeverityLevel = "information" if reply.ok else "warning"
        self.app.notify(f"{run.experiment_id}: {reply.outcome}", severity=severity,
                        title=f"Request from another process: {request.type}", markup=False)
