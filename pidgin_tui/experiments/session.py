"""One run session: the lifecycle of the experiments a process runs, shared by the CLI and the app.

A `RunSession` launches and resumes runs as tasks on the running event loop, stops one or all
of them (at safe points, then cancelling in-flight I/O after `STOP_GRACE_S`), turns SIGINT and
SIGTERM into a clean interrupt, answers the control requests other processes drop in a live
run's `control/` folder (`record.control_channel`: stop, pause, resume, interject, ...), and
post-processes every ended run through one first-in, first-out queue.

A run that ends leaves `post_processing.pending` in its directory until its post-processing
finished; `unprocessed_experiments` finds the ones a process left behind (quit, killed), so the
next start can finish them.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.types import EndReason, Status
from pidgin_tui.experiments.control_handlers import (
    DEFAULT_HANDLERS,
    Accepted,
    Handler,
    RequestRefused,
    delivered_line,
    undelivered_line,
)
from pidgin_tui.experiments.discovery import process_alive
from pidgin_tui.experiments.post_processor import PostProcessingResult, run_post_processing
from pidgin_tui.record import control_channel
from pidgin_tui.record.layout import MANIFEST_NAME, experiment_dirs, unprocessed_marker
from pidgin_tui.record.live_text import clear_live_text

if TYPE_CHECKING:
    from pidgin_tui.core.control import Interjection
    from pidgin_tui.experiments.runner import ExperimentResult, ExperimentRunner
    from pidgin_tui.record.control_channel import ControlReply, ControlRequest

STOP_GRACE_S = 5.0
"""After a stop of everything (quit, a signal), how long conversations may take to reach a safe
point before their in-flight requests are cancelled."""
CONTROL_POLL_S = 0.25
"""How often a live run's control folder is looked at."""
SIGNAL_EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}


@dataclass
class SessionRun:
    """One run (a launch or a resume) of a session."""

    runner: ExperimentRunner
    resume: bool
    task: asyncio.Task[None] | None = None
    result: ExperimentResult | None = None
    crash: BaseException | None = None
    """What the run raised instead of ending (recorded, never re-raised into the session)."""
    stop_requested: bool = False
    """Another process asked it to stop (`pidgin-tui stop`) through the control channel."""

    @property
    def experiment_id(self) -> str:
        return self.runner.experiment_id

    @property
    def experiment_dir(self) -> Path | None:
        return self.runner.experiment_dir

    @property
    def finished(self) -> bool:
        return self.task is not None and self.task.done()

    @property
    def status(self) -> Status | None:
        """The final status (`failed` for a crash); None while running."""
        if self.result is not None:
            return self.result.status
        return Status.FAILED if self.crash is not None else None


class RunSession:
    """The runs of one process (`host` is `app` or `cli`) and their post-processing queue.

    Callbacks run on the session's event loop: `on_finished(run)` when a run ended,
    `on_post_processed(result)` after each queued job, `on_request(run, request, reply)` after a
    control request was answered, `on_undelivered(run, line)` when an interjection never reached
    its conversation (it had ended first; a request's sender also gets it as the late reply).
    """

    def __init__(self, host: str, *, post_process: bool = True,
                 on_finished: Callable[[SessionRun], None] | None = None,
                 on_post_processed: Callable[[PostProcessingResult], None] | None = None,
                 on_request: Callable[[SessionRun, ControlRequest, ControlReply], None]
                 | None = None,
                 on_undelivered: Callable[[SessionRun, str], None] | None = None,
                 poll_s: float = CONTROL_POLL_S) -> None:
        self.host = host
        self.post_process_runs = post_process
        """Queue every ended run for post-processing (off: `--no-post-process`)."""
        self.on_finished = on_finished
        self.on_post_processed = on_post_processed
        self.on_request = on_request
        self.on_undelivered = on_undelivered
        self.poll_s = poll_s
        self.handlers: dict[str, Handler] = dict(DEFAULT_HANDLERS)
        """Control request type → handler; `register_handler` adds one."""
        self.runs: dict[str, SessionRun] = {}
        self.signal_received: signal.Signals | None = None
        self._queue: deque[tuple[Path, EventBus | None]] = deque()
        self._processing: asyncio.Task[None] | None = None
        self._watcher: asyncio.Task[None] | None = None
        self.processed: list[PostProcessingResult] = []

    # --- runs -----------------------------------------------------------------------------------

    @property
    def running(self) -> list[SessionRun]:
        return [run for run in self.runs.values() if not run.finished]

    def start(self, runner: ExperimentRunner, *, resume: bool = False) -> SessionRun:
        """Start (or resume) `runner` as a task; raises `ExperimentLocked` when another process
        writes the experiment and `OSError` when its directory cannot be created."""
        live = self.runs.get(runner.experiment_id)
        if live is not None and not live.finished:
            raise ValueError(f"{runner.experiment_id} is already running")
        if resume:
            runner.claim()
        else:
            runner.prepare()
        assert runner.experiment_dir is not None
        clear_live_text(runner.experiment_dir)  # what a killed writer left is stale now
        control_channel.listen(runner.experiment_dir, self.host)
        runner.interactive = True  # a policy `pause` waits for an interjection, resume or stop
        run = SessionRun(runner, resume)
        runner.control.on_undelivered = lambda conversation_id, interjections, reason: \
            self._undelivered(run, conversation_id, interjections, reason)
        runner.control.on_delivered = lambda conversation_id, interjection, turn: \
            self._delivered(run, conversation_id, interjection, turn)
        self.runs[runner.experiment_id] = run
        run.task = asyncio.create_task(self._drive(run), name=f"run {runner.experiment_id}")
        if self._watcher is None or self._watcher.done():
            self._watcher = asyncio.create_task(self._watch(), name="control requests")
        return run

    async def _drive(self, run: SessionRun) -> None:
        runner = run.runner
        try:
            run.result = await (runner.resume() if run.resume else runner.run())
        except Exception as exc:  # a crash is reported by the host, never kills the session
            run.crash = exc
            runner.release()
        finally:
            if runner.experiment_dir is not None:
                control_channel.stop_listening(runner.experiment_dir)
        storage_error = run.result is not None and run.result.storage_error is not None
        if self.post_process_runs and not storage_error and runner.experiment_dir is not None:
            self.post_process(runner.experiment_dir, runner.bus)
        if self.on_finished is not None:
            self.on_finished(run)

    async def wait(self, run: SessionRun) -> None:
        """Until `run` ended (its task never raises)."""
        if run.task is not None:
            await asyncio.shield(run.task)

    def stop(self, experiment_id: str) -> bool:
        """A user stop of one experiment: its conversations end as `stopped`. False when it is
        not running in this session."""
        run = self.runs.get(experiment_id)
        if run is None or run.finished:
            return False
        run.runner.stop()
        return True

    def interrupt_all(self) -> None:
        """Every run ends as `interrupted` at its next safe point."""
        for run in self.running:
            run.runner.interrupt()

    def cancel_in_flight(self) -> None:
        """Stop waiting for safe points: cancel every run's pending provider I/O."""
        for run in self.running:
            run.runner.cancel_in_flight()

    async def stop_all(self, grace_s: float = STOP_GRACE_S) -> None:
        """Interrupt every run, wait up to `grace_s` for safe points, then cancel in-flight I/O
        and wait for the runs to record their end."""
        runs = self.running
        self.interrupt_all()
        tasks = [run.task for run in runs if run.task is not None]
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=grace_s)
        if pending:
            self.cancel_in_flight()
            await asyncio.wait(pending, timeout=grace_s)

    # --- signals --------------------------------------------------------------------------------

    @contextmanager
    def signals(self, on_signal: Callable[[signal.Signals], None] | None = None,
                which: tuple[signal.Signals, ...] = tuple(SIGNAL_EXIT_CODES)) -> Iterator[None]:
        """While inside, a first signal interrupts every run (in-flight I/O is cancelled after
        `STOP_GRACE_S`) and calls `on_signal`; a second one cancels in-flight I/O at once."""
        loop = asyncio.get_running_loop()

        def received(signum: signal.Signals) -> None:
            if self.signal_received is not None:
                self.cancel_in_flight()
                return
            self.signal_received = signum
            self.interrupt_all()
            loop.call_later(STOP_GRACE_S, self.cancel_in_flight)
            if on_signal is not None:
                on_signal(signum)

        for signum in which:
            loop.add_signal_handler(signum, received, signum)
        try:
            yield
        finally:
            for signum in which:
                loop.remove_signal_handler(signum)

    # --- control requests -----------------------------------------------------------------------

    def register_handler(self, type_: str, handler: Handler) -> None:
        """Answer control requests of `type_` with `handler` (replacing any earlier one)."""
        self.handlers[type_] = handler

    def handle_requests(self, run: SessionRun) -> list[ControlReply]:
        """Take and answer the requests waiting for `run` (the watcher calls this)."""
        experiment_dir = run.experiment_dir
        if experiment_dir is None:
            return []
        replies = []
        for request in control_channel.take_requests(experiment_dir):
            handler = self.handlers.get(request.type)
            try:
                if handler is None:
                    raise RequestRefused(f"unknown request type {request.type!r}")
                outcome = handler(run.runner, request)
                reply = control_channel.answer(experiment_dir, request, True, outcome,
                                               pending=isinstance(outcome, Accepted))
            except RequestRefused as exc:
                reply = control_channel.answer(experiment_dir, request, False, f"refused: {exc}")
            replies.append(reply)
            run.stop_requested = run.stop_requested or (reply.ok and request.type == "stop")
            if self.on_request is not None:
                self.on_request(run, request, reply)
        return replies

    def _undelivered(self, run: SessionRun, conversation_id: str,
                     interjections: list[Interjection], end_reason: EndReason) -> None:
        """Interjections that never reached their conversation: a late reply to each request
        they came in (it replaces the reply that queued them), and the host is told."""
        line = undelivered_line(conversation_id, end_reason)
        experiment_dir = run.experiment_dir
        for interjection in interjections:
            if interjection.request_id and experiment_dir is not None:
                control_channel.answer(experiment_dir, control_channel.ControlRequest(
                    interjection.request_id, "interject"), False, line)
        if self.on_undelivered is not None:
            self.on_undelivered(run, line)

    def _delivered(self, run: SessionRun, conversation_id: str, interjection: Interjection,
                   turn: int) -> None:
        """An interjection reached its conversation: the final reply to the request it came
        in (it replaces the pending one)."""
        if interjection.request_id and run.experiment_dir is not None:
            control_channel.answer(run.experiment_dir, control_channel.ControlRequest(
                interjection.request_id, "interject"), True,
                delivered_line(conversation_id, turn))

    async def _watch(self) -> None:
        while self.running:
            await asyncio.sleep(self.poll_s)
            for run in self.running:
                self.handle_requests(run)

    # --- post-processing ------------------------------------------------------------------------

    def post_process(self, experiment_dir: Path, bus: EventBus | None = None) -> bool:
        """Queue `experiment_dir` for post-processing (first in, first out); False when it is
        already waiting in the queue."""
        if any(queued == experiment_dir for queued, _ in self._queue):
            return False
        mark_unprocessed(experiment_dir)  # until done: a process that exits leaves it marked
        self._queue.append((experiment_dir, bus))
        if self._processing is None or self._processing.done():
            self._processing = asyncio.create_task(self._process_queue(), name="post-processing")
        return True

    @property
    def pending_post_processing(self) -> list[Path]:
        """Being processed (first) or waiting in the queue."""
        return [path for path, _ in self._queue]

    async def _process_queue(self) -> None:
        while self._queue:
            experiment_dir, bus = self._queue[0]
            try:
                result = await run_post_processing(experiment_dir, bus=bus)
            except Exception as exc:  # the step runner itself failed: still reported
                result = PostProcessingResult(experiment_dir,
                                              failed={"post-processing": str(exc) or
                                                      type(exc).__name__})
            self._queue.popleft()
            unprocessed_marker(experiment_dir).unlink(missing_ok=True)
            self.processed.append(result)
            if self.on_post_processed is not None:
                self.on_post_processed(result)

    async def drain(self) -> list[PostProcessingResult]:
        """Wait until the queue is empty; the results of the jobs finished meanwhile."""
        done = len(self.processed)
        while self._processing is not None and not self._processing.done():
            await asyncio.shield(self._processing)
        return self.processed[done:]

    def close(self) -> None:
        """Abandon what is still going (the process is exiting): markers stay for next time."""
        for task in (self._watcher, self._processing,
                     *(run.task for run in self.runs.values())):
            if task is not None and not task.done():
                task.cancel()


def mark_unprocessed(experiment_dir: Path) -> None:
    """Leave the marker that says this run still needs post-processing (with our pid)."""
    unprocessed_marker(experiment_dir).write_text(f"{os.getpid()}\n", encoding="ascii")


def unprocessed_experiments(root: Path) -> list[Path]:
    """Experiments whose run ended but whose post-processing never finished, and that no live
    process is still working on."""
    found = []
    for path in experiment_dirs(root):
        try:
            pid = int(unprocessed_marker(path).read_text(encoding="ascii").strip() or 0)
        except FileNotFoundError:
            continue
        except (OSError, ValueError):
            pid = 0
        if pid != os.getpid() and process_alive(pid):
            continue  # that process is still post-processing it
        if (path / MANIFEST_NAME).exists():
            found.append(path)
    return found
