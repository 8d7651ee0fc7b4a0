"""MonitorScreen (F4): every experiment in the output root, refreshed incrementally each second.

Experiments run in this app, headless in other processes, and finished ones all come from disk
through `MonitorState` (manifest when it changed, JSONL tails from remembered offsets), read in a
thread worker; nothing is read while the screen is not the one shown.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.markup import escape
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker, WorkerState

from pidgin_tui.core.types import Status
from pidgin_tui.experiments.monitor_rows import ExperimentRow
from pidgin_tui.experiments.monitor_state import MonitorState
from pidgin_tui.record.layout import conversation_jsonl_name
from pidgin_tui.tui.app import PidginApp
from pidgin_tui.tui.screens.stop_confirm import StopConfirmScreen
from pidgin_tui.tui.widgets.conversation_table import ConversationTable
from pidgin_tui.tui.widgets.experiment_table import ExperimentTable
from pidgin_tui.tui.widgets.top_bar import TopBar
from pidgin_tui.views.format import format_duration

REFRESH_S = 1.0
"""Seconds between refreshes while the monitor is visible."""


class MonitorScreen(Screen[None]):
    """Experiments table on top; the highlighted experiment's conversations below."""

    CSS_PATH = "monitor.tcss"
    BINDING_GROUP_TITLE = "Monitor"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", tooltip="Drill into the experiment / open the "
                "conversation live", id="monitor.open"),
        Binding("escape", "back", "Experiments", tooltip="Back to the experiments table",
                show=False, id="monitor.back"),
        Binding("s", "stop", "Stop run", tooltip="Stop the highlighted experiment (asks first)",
                id="monitor.stop"),
        Binding("f", "filter", "Filter", tooltip="Filter conversations by status",
                id="monitor.filter"),
        Binding("o", "sort", "Sort", tooltip="Sort conversations by the next column",
                id="monitor.sort"),
        Binding("t", "transcript", "Transcript", tooltip="Open the highlighted conversation's "
                "transcript", id="monitor.transcript"),
        Binding("m", "metrics", "Metrics", tooltip="Plot the highlighted experiment's metrics",
                id="monitor.metrics"),
        Binding("R", "readme", "README", tooltip="Open the experiment's generated README",
                id="monitor.readme"),
        Binding("u", "resume", "Resume", tooltip="Continue the experiment's paused or "
                "interrupted conversations in this app", id="monitor.resume"),
        Binding("P", "post_process", "Post-process", tooltip="Import, write transcripts, "
                "README, notebook and search index again", id="monitor.post_process"),
        Binding("r", "refresh_now", "Refresh", tooltip="Read the disk now", show=False,
                id="monitor.refresh"),
    ]

    pidgin = getters.app(PidginApp)

    @dataclass
    class Refreshed(Message):
        """The worker read the disk; these are the rows to show."""

        rows: list[ExperimentRow]

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, MonitorScreen.Refreshed)

    @dataclass
    class StopFinished(Message):
        """A stop request for a run in another process was sent (or could not be)."""

        experiment_id: str
        outcome: str

    def __init__(self, root: Path | None = None, *, clock: Callable[[], float] = time.time,
                 refresh_s: float = REFRESH_S, root_label: str | None = None) -> None:
        super().__init__()
        self._root = root
        self._root_label = root_label
        """Shown instead of the experiments directory's path (snapshots use a fixed one)."""
        self._clock = clock
        self._refresh_s = refresh_s
        self.state: MonitorState | None = None
        """Created on mount, once the app (and its output root) is known."""
        self.rows: list[ExperimentRow] = []
        self.selected_id: str | None = None
        self._refresh_worker: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        yield TopBar("Monitor · every experiment")
        yield Static("", id="monitor-summary", markup=False)
        yield ExperimentTable(id="experiments")
        yield Static("", id="conversations-title", markup=False)
        yield ConversationTable(id="conversations")
        yield Static("", id="conversation-preview", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.state = MonitorState(self._root or self.pidgin.output_root, clock=self._clock)
        self.set_interval(self._refresh_s, self._tick, name="monitor-refresh")

    def on_screen_resume(self) -> None:
        self._request_refresh()

    def _tick(self) -> None:
        if self.is_active:
            self._request_refresh()

    def _request_refresh(self) -> None:
        """Start a refresh unless one is still reading (a slow disk never queues them up)."""
        if self._refresh_worker is None or self._refresh_worker.is_finished:
            self._refresh_worker = self.refresh_state()

    @work(thread=True, exclusive=True, group="monitor-refresh", exit_on_error=False)
    def refresh_state(self) -> None:
        """Read what changed on disk (thread worker) and post the rows."""
        assert self.state is not None
        self.post_message(self.Refreshed(self.state.refresh()))

    def on_monitor_screen_refreshed(self, message: Refreshed) -> None:
        self.rows = message.rows
        table = self.query_one(ExperimentTable)
        table.show(message.rows)
        if self.selected_id is None or self.row(self.selected_id) is None:
            self.selected_id = table.current_key
        self._show_selected()
        running = sum(r.is_live for r in message.rows)
        assert self.state is not None
        where = self._root_label or str(self.state.root / "experiments")
        self.query_one("#monitor-summary", Static).update(
            f"{len(message.rows)} experiments · {running} running · {where}" if message.rows
            else f"No experiments yet in {where} — launch one with ctrl+r (F2) or "
            "`pidgin-tui run … --detach`.")

    def row(self, experiment_id: str | None) -> ExperimentRow | None:
        return next((r for r in self.rows if r.experiment_id == experiment_id), None)

    def _show_selected(self) -> None:
        row = self.row(self.selected_id)
        conversations = self.query_one(ConversationTable)
        title = self.query_one("#conversations-title", Static)
        if row is None:
            conversations.show([])
            title.update("Conversations")
            return
        conversations.show(row.conversations)
        order = "↓" if conversations.sort_reverse else "↑"
        eta = f" · eta {format_duration(row.eta_s)}" if row.eta_s is not None else ""
        title.update(f"Conversations of {escape(row.name)} [{row.experiment_id}] · "
                     f"{row.status_label}"
                     f"{eta} · filter: {conversations.status_filter} · sort: "
                     f"{conversations.sort_key} {order}")
        self._show_preview()

    def _show_preview(self) -> None:
        row = self.row(self.selected_id)
        key = self.query_one(ConversationTable).current_key
        conv = next((c for c in row.conversations if c.conversation_id == key), None) \
            if row else None
        text = ""
        if conv is not None:
            text = f"{conv.conversation_id}: {conv.last_message}" if conv.last_message else \
                (f"{conv.conversation_id}: {conv.last_error}" if conv.last_error else "")
        self.query_one("#conversation-preview", Static).update(text)

    @on(DataTable.RowHighlighted, "#experiments")
    def _experiment_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.selected_id = None if event.row_key.value is None else str(event.row_key.value)
        self._show_selected()

    @on(DataTable.RowHighlighted, "#conversations")
    def _conversation_highlighted(self) -> None:
        self._show_preview()

    @on(DataTable.RowSelected, "#experiments")
    def _experiment_selected(self) -> None:
        self.query_one(ConversationTable).focus()

    @on(DataTable.RowSelected, "#conversations")
    def _conversation_selected(self) -> None:
        self.open_conversation(live=True)

    def action_open(self) -> None:
        if self.query_one(ConversationTable).has_focus:
            self.open_conversation(live=True)
        else:
            self.query_one(ConversationTable).focus()

    def action_back(self) -> None:
        self.query_one(ExperimentTable).focus()

    def action_filter(self) -> None:
        self.query_one(ConversationTable).cycle_filter()
        self._show_selected()

    def action_sort(self) -> None:
        self.query_one(ConversationTable).cycle_sort()
        self._show_selected()

    def action_refresh_now(self) -> None:
        self._request_refresh()

    def action_metrics(self) -> None:
        from pidgin_tui.tui.screens.metrics import MetricsScreen

        row = self.row(self.selected_id)
        if row is not None:
            self.app.push_screen(MetricsScreen(row.path))

    def action_readme(self) -> None:
        from pidgin_tui.tui.screens.readme import open_readme

        row = self.row(self.selected_id)
        if row is not None:
            open_readme(self.app, row.path)

    def action_resume(self) -> None:
        row = self.row(self.selected_id)
        if row is None:
            return
        if row.is_live:
            self.notify(f"{row.experiment_id} is still running ({row.status_label}).")
            return
        self.notify(self.pidgin.resume_experiment(row.path), title="Resume")
        self._request_refresh()

    def action_post_process(self) -> None:
        row = self.row(self.selected_id)
        if row is None:
            return
        if row.is_live:
            self.notify(f"{row.experiment_id} is still running: it is post-processed when it "
                        "ends.")
            return
        self.pidgin.post_process_experiment(row.experiment_id, row.path)
        self.notify(f"Post-processing {row.experiment_id}…", title="Post-process")

    def action_transcript(self) -> None:
        self.open_conversation(live=False)

    def open_conversation(self, *, live: bool) -> None:
        """Open the highlighted conversation: the live screen for runs in this app, otherwise a
        transcript view that follows the JSONL while the run is live."""
        row = self.row(self.selected_id)
        key = self.query_one(ConversationTable).current_key
        conv = next((c for c in row.conversations if c.conversation_id == key), None) \
            if row else None
        if row is None or conv is None:
            self.notify("Highlight a conversation first.", severity="warning")
            return
        if live and row.in_this_process and \
                self.pidgin.open_live(row.experiment_id, conv.conversation_id):
            return
        from pidgin_tui.tui.screens.transcript import TranscriptScreen

        path = conv.jsonl or row.path / conversation_jsonl_name(conv.conversation_id)
        self.app.push_screen(TranscriptScreen(path, follow=row.is_live and conv.status in
                                              (Status.CREATED, Status.RUNNING)))

    def action_stop(self) -> None:
        row = self.row(self.selected_id)
        if row is None:
            return
        if not row.is_live:
            self.notify(f"{row.experiment_id} is not running ({row.status_label}).")
            return
        where = "in this app" if row.in_this_process else f"pid {row.pid}"

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.stop_experiment(row)

        self.app.push_screen(StopConfirmScreen(row.name, row.experiment_id, where), confirmed)

    def stop_experiment(self, row: ExperimentRow) -> None:
        if row.in_this_process:
            if self.pidgin.stop_experiment(row.experiment_id):
                self.notify(f"Stopping {row.experiment_id}…")
            else:
                self.notify(f"{row.experiment_id} runs in this app but the app cannot stop it "
                            "from here; use its live screen.", severity="warning")
            return
        self._signal_stop(row.path)

    @work(thread=True, group="monitor-stop", exit_on_error=False)
    def _signal_stop(self, path: Path) -> None:
        from pidgin_tui.experiments.daemon import stop_experiment

        assert self.state is not None
        result = stop_experiment(self.state.root, path)
        self.post_message(self.StopFinished(result.experiment_id, result.outcome))

    def on_monitor_screen_stop_finished(self, message: StopFinished) -> None:
        text = {"signalled": "asked to stop; its conversations end as interrupted",
                "requested": "asked to stop; its conversations end as interrupted",
                "process gone": "its process is gone: interrupted",
                "not running": "had already finished"}.get(message.outcome, message.outcome)
        self.notify(f"{message.experiment_id}: {text}", markup=False)
        self._request_refresh()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.notify(f"Monitor: {event.worker.error}", severity="error", timeout=8,
                        markup=False)
