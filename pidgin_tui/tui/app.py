"""PidginApp: the full-screen app. Modes for each area, global keys, launching runs, quitting.

Screens are imported lazily by their mode factories, so start-up pays only for the screen shown
first. Runs go through the app's run session (`tui.runs`, over `experiments.session`) on the
app's loop; bridges turn their events into messages and the `RunStore` holds what the screens
show.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen

from pidgin_tui.core.types import Status
from pidgin_tui.tui.bridge import Hub
from pidgin_tui.tui.detached import DetachedStarted
from pidgin_tui.tui.inert import make_control_codes_inert
from pidgin_tui.tui.keymap import apply_user_keymap
from pidgin_tui.tui.messages import (
    ConvergenceReached,
    EndStateReached,
    ErrorRecorded,
    RunFinished,
)
from pidgin_tui.tui.modes import AREAS
from pidgin_tui.tui.post_processing import PostProcessed
from pidgin_tui.tui.settings import UiSettings, load_ui_settings, save_ui_settings
from pidgin_tui.tui.state import RunStore
from pidgin_tui.tui.toasts import ToastApp
from pidgin_tui.views.format import fmt_end_state_badge

if TYPE_CHECKING:
    from pidgin_tui.experiments.branching import BranchSource
    from pidgin_tui.experiments.spec import ExperimentSpec
    from pidgin_tui.providers.registry import Registry
    from pidgin_tui.tui.runs import AppRuns, Run

FREEZE_AFTER_S = 1.0
"""Start-up objects are frozen this long after mounting, well after the first frame."""
PRELOAD_AFTER_S = 0.3
"""A launch's modules are imported this long after the first frame, so the import (which holds
the GIL) does not slow the drawing of the setup form."""


class PidginApp(ToastApp):
    """Conduct, watch and record AI-to-AI conversations."""

    TITLE = "pidgin-tui"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    SCREENS: ClassVar[dict[str, Callable[[], Screen[Any]]]] = AREAS
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        name: name for name in SCREENS}
    DEFAULT_MODE = "setup"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", tooltip="Every key binding", priority=True, id="help"),
        Binding("f2", "switch_mode('setup')", "Setup", tooltip="Design an experiment",
                priority=True, show=False, id="setup"),
        Binding("f3", "switch_mode('live')", "Live", tooltip="Watch a conversation",
                priority=True, show=False, id="live"),
        Binding("f4", "switch_mode('monitor')", "Monitor", tooltip="Every experiment",
                priority=True, show=False, id="monitor"),
        Binding("f5", "switch_mode('transcripts')", "Transcripts",
                tooltip="Browse recorded conversations", priority=True, show=False,
                id="transcripts"),
        Binding("f6", "switch_mode('errors')", "Errors", tooltip="API errors, rate limits, "
                "failures", priority=True, show=False, id="errors"),
        Binding("f7", "search", "Search", tooltip="Search every message of every experiment",
                priority=True, show=False, id="search"),
        Binding("ctrl+r", "launch", "Launch", tooltip="Run the experiment in the setup form",
                priority=True, show=False, id="launch"),
        Binding("ctrl+p", "command_palette", "Commands", tooltip="Every action, searchable",
                priority=True, show=False, id="command_palette"),
        Binding("ctrl+t", "change_theme", "Theme", tooltip="Pick a colour theme",
                priority=True, show=False, id="theme"),
        Binding("ctrl+q", "quit", "Quit", tooltip="Quit (asks first while runs are going)",
                priority=True, id="quit"),
    ]

    unread_errors: reactive[int] = reactive(0)
    """Errors not yet seen on the error screen; every screen's badge shows it."""

    def __init__(self, output: str | Path | None = None, *,
                 experiment_id_factory: Callable[[], str] | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 ui_settings_path: Path | None = None,
                 registry: Registry | None = None, post_process: bool = True,
                 freeze_gc: bool = False, handle_sigterm: bool = False,
                 detach_runs: bool = False) -> None:
        make_control_codes_inert()  # untrusted text renders without control codes
        super().__init__()
        from pidgin_tui.paths import output_root
        from pidgin_tui.providers.registry import default_registry

        self.output_root = output_root(output)
        self.registry = registry or default_registry()
        self.experiment_id_factory = experiment_id_factory
        self.clock = clock
        self.store = RunStore(clock)
        self.hub = Hub()
        self._ui_settings_path = ui_settings_path
        self.ui_settings: UiSettings = load_ui_settings(ui_settings_path)
        self._quitting = False
        self.freeze_gc = freeze_gc
        """Freeze start-up objects out of full collections (the real app; `run_app` undoes it)."""
        self.post_process = post_process
        """Post-process every run that ends here, and on start what an earlier session left."""
        self.handle_sigterm = handle_sigterm
        """Stop runs cleanly on SIGTERM and exit 143."""
        self._signals = ExitStack()
        self.detach_runs = detach_runs
        """Launch every run detached (the app in a browser: closing the tab must not end it)."""
        self.first_frame = asyncio.Event()
        """Set once the first frame is on the terminal; what it does not show waits for it."""

    # --- lifecycle ------------------------------------------------------------------------------

    def on_mount(self) -> None:
        if self.ui_settings.theme in self.available_themes:
            self.theme = self.ui_settings.theme
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        apply_user_keymap(self)
        self.screen_change_signal.subscribe(self, self._badge_every_screen)
        self.hub.listen(self, (ErrorRecorded, ConvergenceReached, EndStateReached))
        if self.freeze_gc:
            self.set_timer(FREEZE_AFTER_S, self._freeze_startup_objects)
        if self.post_process:
            self.run_worker(self._find_left_over, thread=True, group="left-over",
                            exit_on_error=False)
        if self.detach_runs:
            self.run_worker(self._attach_to_live_runs, thread=True, group="attach",
                            exit_on_error=False)
        self.run_worker(self._point_to_upstream_data, thread=True, group="upstream",
                        exit_on_error=False)

    def on_ready(self) -> None:
        """The first frame is on the terminal: the setup form and a launch's modules follow."""
        self.first_frame.set()
        if self.handle_sigterm:  # no run can start before the first frame
            self._signals.enter_context(self.run_session.session.signals(
                self._on_sigterm, (signal.SIGTERM,)))
        self.set_timer(PRELOAD_AFTER_S, self._preload)

    @cached_property
    def run_session(self) -> AppRuns:
        """The runs of this app and the run session (launch, stop, post-processing queue).

        Made on first use on the app's loop, after the first frame: the session's modules are
        not on the start-up path."""
        from pidgin_tui.tui.runs import AppRuns

        return AppRuns(self)

    def _preload(self) -> None:
        self.run_worker(_preload_run_modules, thread=True, group="preload", exit_on_error=False)

    def _point_to_upstream_data(self) -> None:
        """An output root holding upstream Pidgin data instead of ours says how to convert it."""
        from pidgin_tui.record.layout import experiment_dirs
        from pidgin_tui.record.upstream import upstream_hint

        if not experiment_dirs(self.output_root):
            hint = upstream_hint(self.output_root)
            if hint:
                self.call_from_thread(self.notify, hint, title="Upstream Pidgin data",
                                      severity="warning", timeout=30)

    def _find_left_over(self) -> None:
        """Runs an earlier session ended without post-processing them are finished now."""
        from pidgin_tui.experiments.session import unprocessed_experiments

        paths = unprocessed_experiments(self.output_root)
        if paths:
            self.call_from_thread(lambda: self.run_session.finish_left_over(paths))

    def _attach_to_live_runs(self) -> None:
        """Reopening the page while detached runs go on shows them in the monitor."""
        from pidgin_tui.tui.detached import has_live_runs

        def show_monitor() -> None:
            self.switch_mode("monitor")

        if has_live_runs(self.output_root):
            self.call_from_thread(show_monitor)

    def on_unmount(self) -> None:
        self._signals.close()
        if "run_session" in self.__dict__:  # made: what is left is interrupted; markers stay
            self.run_session.session.close()

    def _on_sigterm(self, _signum: signal.Signals) -> None:
        """SIGTERM (the session already interrupts every run): wait for them, then exit 143.
        (`pidgin-tui stop <id>` stops one run through its control folder instead.)"""
        self.run_worker(self._terminate(), group="terminate", exit_on_error=False)

    async def _terminate(self) -> None:
        await self.stop_all_and_wait()
        self.exit(return_code=143)

    def _freeze_startup_objects(self) -> None:
        """Keep the objects made at start-up out of full garbage collections: those pauses
        grow with the heap and show up as stutter while text streams."""
        import gc

        gc.collect()
        gc.freeze()

    def _badge_every_screen(self, screen: Screen[Any]) -> None:
        """Screens without a TopBar (other areas' screens) still show the unread-error badge."""
        from textual.screen import ModalScreen

        from pidgin_tui.tui.widgets.top_bar import ErrorBadge, FloatingErrorBadge

        def ensure() -> None:
            if screen.is_attached and not screen.query(ErrorBadge):
                screen.mount(FloatingErrorBadge())

        if not isinstance(screen, ModalScreen):
            self.call_after_refresh(ensure)

    def _remember_theme(self, theme: Any) -> None:
        if theme.name != self.ui_settings.theme:
            self.ui_settings.theme = theme.name
            try:
                save_ui_settings(self.ui_settings, self._ui_settings_path)
            except OSError as exc:
                self.notify(f"Could not save the theme: {exc}", severity="warning", markup=False)

    # --- running experiments -------------------------------------------------------------------

    @property
    def runs(self) -> dict[str, Run]:
        return self.run_session.runs

    @property
    def running_runs(self) -> list[Run]:
        return self.run_session.running

    def launch(self, spec: ExperimentSpec) -> Run:
        """Start a run of `spec`; the live screen follows it."""
        return self.run_session.launch(spec)

    def launch_branch(self, source: BranchSource, *, into_parent: bool = False) -> Run:
        """Start branches of a recorded conversation (a new experiment, or new conversations
        of the parent's with `into_parent`); the live screen follows them."""
        return self.run_session.launch_branch(source, into_parent=into_parent)

    def resume_experiment(self, experiment_dir: Path) -> str:
        """Continue an experiment's paused or interrupted conversations in this app; returns
        one line saying what happened."""
        return self.run_session.resume(experiment_dir)

    def post_process_experiment(self, experiment_id: str, experiment_dir: Path) -> bool:
        """Queue post-processing (import, transcripts, README, notebook, index) again; False
        when it is already waiting."""
        return self.run_session.post_process(experiment_dir)

    def action_launch(self) -> None:
        """Validate the setup form and launch it, or show the setup screen with the problems."""
        from pidgin_tui.tui.screens.setup import SetupScreen

        setup = self.get_screen("setup", SetupScreen)
        if not setup.form_mounted:  # it mounts after the first frame; a key can come first
            if self.screen is setup:
                setup.launch_when_mounted = True  # its fields are not there to validate yet
            else:
                self.switch_mode("setup")  # never shown: show it rather than launch it unseen
            return
        spec = setup.valid_spec()
        if spec is None:
            self.switch_mode("setup")
            self.notify("Fix the marked fields first.", title="Cannot launch", severity="warning")
            return
        missing = setup.missing_key() or setup.launch_refusal(spec)
        if missing:
            self.switch_mode("setup")
            self.notify(missing, title="Cannot launch", severity="error", markup=False)
            return
        if self.detach_runs:
            from pidgin_tui.tui.detached import launch_detached

            launch_detached(self, spec)
            self.notify(f"Starting {spec.name} in the background…", title="Launching",
                        markup=False)
            return
        try:
            run = self.launch(spec)
        except Exception as exc:  # e.g. the output directory is not writable
            self.notify(f"{type(exc).__name__}: {exc}", title="Cannot launch", severity="error",
                        markup=False)
            return
        self.switch_mode("live")
        self.notify(f"Experiment {spec.name} ({run.runner.experiment_id}) started.",
                    title="Launched", markup=False)

    @on(DetachedStarted)
    def _detached_started(self, message: DetachedStarted) -> None:
        if message.exit_code not in (None, 0):
            self.notify(f"The run exited with code {message.exit_code}; see {message.log_path}",
                        title="Cannot launch", severity="error", markup=False)
            return
        self.notify(f"{message.name} ({message.experiment_id}) runs in the background: closing "
                    "this page does not stop it.", title="Launched", markup=False)
        self.switch_mode("monitor")

    @on(RunFinished)
    def _run_finished(self, message: RunFinished) -> None:
        severity: SeverityLevel = "information" if message.status == Status.COMPLETED else "warning"
        self.notify(f"{message.status}: {message.output_dir}", title="Experiment finished",
                    severity=severity, markup=False)

    @on(PostProcessed)
    def _post_processed(self, message: PostProcessed) -> None:
        from pidgin_tui.tui.post_processing import error_entries

        entries = error_entries(message)
        self.store.add_errors(entries)
        for entry in entries:
            self.post_message(ErrorRecorded(entry))
        if not entries:
            self.notify(f"{message.experiment_id}: database, transcripts and README ready.",
                        title="Post-processing done")

    def stop_experiment(self, experiment_id: str) -> bool:
        """Stop a run of this app (the monitor's stop key); False if it is not running here."""
        return self.run_session.stop(experiment_id)

    def open_live(self, experiment_id: str, conversation_id: str) -> bool:
        """Show a conversation of a run of this app on the live screen (the monitor's Enter)."""
        conversation = self.store.conversation(conversation_id)
        if conversation is None:
            return False
        self._open_live(conversation)
        return True

    @work(group="open-live", exclusive=True, exit_on_error=False)
    async def _open_live(self, conversation: Any) -> None:
        from pidgin_tui.tui.screens.live import LiveScreen

        await self.switch_mode("live")
        try:
            await self.get_screen("live", LiveScreen).show_conversation(conversation)
        except Exception as exc:  # the live screen was mid-update; it still follows the run
            self.notify(f"Could not switch the live screen: {exc}", severity="warning",
                        markup=False)

    @on(ConvergenceReached)
    def _convergence_reached(self, message: ConvergenceReached) -> None:
        what = {"stop": "the conversation stops", "pause": "paused: space resumes",
                "warn": "it goes on", "continue": "it goes on"}.get(message.action, message.action)
        self.notify(f"{message.conversation_id}, turn {message.turn}: {message.score:.2f} ≥ "
                    f"{message.threshold:.2f}; {what}.", title="High convergence",
                    severity="warning")

    @on(EndStateReached)
    def _end_state_reached(self, message: EndStateReached) -> None:
        if message.action == "continue":
            return
        what = {"stop": "the conversation stops", "pause": "paused: space resumes",
                "warn": "it goes on"}.get(message.action, message.action)
        self.notify(f"{message.conversation_id}: "
                    f"{fmt_end_state_badge(message.end_state, message.onset_turn)}; {what}.",
                    title="End state", severity="warning")

    @on(ErrorRecorded)
    def _error_recorded(self, message: ErrorRecorded) -> None:
        entry = message.entry
        if self.current_mode == "errors":
            self.store.mark_errors_read()
        self.unread_errors = self.store.unread_errors
        where = f" · {entry.model}" if entry.model else ""
        self.notify(f"{entry.message}{where}", title=entry.kind, severity="error", timeout=6,
                    markup=False)

    def mark_errors_read(self) -> None:
        self.store.mark_errors_read()
        self.unread_errors = 0

    # --- global actions -------------------------------------------------------------------------

    def action_help(self) -> None:
        from pidgin_tui.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_search(self, query: str = "") -> None:
        from pidgin_tui.tui.screens.search import SearchScreen

        if not isinstance(self.screen, SearchScreen):
            self.push_screen(SearchScreen(self.output_root, query))

    async def action_quit(self) -> None:
        if not self.running_runs and not self.run_session.session.pending_post_processing:
            self.exit(0)
            return
        if not self._quitting:
            self._ask_to_quit()

    @work(group="quit", exclusive=True)
    async def _ask_to_quit(self) -> None:
        """Stop running experiments (asks first), then offer to finish their post-processing;
        what is not finished is left marked for the next start."""
        self._quitting = True
        try:
            count = len(self.running_runs)
            if count and not await self._confirm(
                    "Quit while experiments run?",
                    f"{count} experiment{'s' if count != 1 else ''} still running. Stop them "
                    "cleanly (every unfinished conversation is recorded as interrupted) and "
                    "quit?", yes="Stop and quit", no="Cancel"):
                return
            await self.stop_all_and_wait()
            pending = len(self.run_session.session.pending_post_processing)
            if pending and await self._confirm(
                    "Finish post-processing first?",
                    f"{pending} experiment{'s' if pending != 1 else ''} still to post-process "
                    "(database import, transcripts, README, notebook). Finish now, or quit and "
                    "let the next start of pidgin-tui finish it?",
                    yes="Finish, then quit", no="Quit now"):
                self.notify("Finishing post-processing…", title="Quitting")
                await self.run_session.session.drain()
        finally:
            self._quitting = False
        self.exit(0)

    async def _confirm(self, title: str, text: str, *, yes: str, no: str) -> bool:
        from pidgin_tui.tui.screens.confirm import ConfirmScreen

        screen: Screen[Any] = ConfirmScreen(title, text, yes=yes, no=no)
        return bool(await self.push_screen_wait(screen))

    async def stop_all_and_wait(self, grace_s: float | None = None) -> None:
        """Interrupt every run, wait for safe points (`STOP_GRACE_S` unless given), then cancel
        any I/O still pending."""
        from pidgin_tui.experiments.session import STOP_GRACE_S  # not on the start-up path

        if self.running_runs:
            self.notify("Stopping: conversations finish their current write…", title="Quitting")
        await self.run_session.session.stop_all(STOP_GRACE_S if grace_s is None else grace_s)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        from pidgin_tui.tui.commands import app_commands, experiment_commands

        yield from app_commands(self, screen)
        yield from experiment_commands(self)
        yield from super().get_system_commands(screen)


def _preload_run_modules() -> None:
    """Import what a launch needs (~100 ms) off the UI loop, so ctrl+r never stalls a frame."""
    import pidgin_tui.experiments.runner  # noqa: F401
    import pidgin_tui.metrics.turn  # noqa: F401


def run_app(output: str | None = None) -> int:
    """Open the app; returns the process exit code."""
    import gc

    from pidgin_tui.tui.detached import detach_requested

    app = PidginApp(output, freeze_gc=True, handle_sigterm=True, detach_runs=detach_requested())
    try:
        result = app.run()
    finally:
        gc.unfreeze()  # let interpreter shutdown collect everything as usual
    return int(result or 0) if app.return_code is None else app.return_code
