"""TranscriptsScreen (F5): browse experiments and conversations, filter and sort them, open
transcripts.

The list comes from the experiments' manifests (read in a thread worker); a conversation opens
in `TranscriptScreen`, an experiment's metrics in `MetricsScreen`, its README in `ReadmeScreen`.
What each column shows and how it sorts is `experiments.browse_columns`; `o` sorts the focused
table by its next column, `O` reverses it (clicking a header sorts by that column).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from pidgin_tui.core.types import Status
from pidgin_tui.experiments.browse_columns import (
    CONVERSATION_COLUMNS,
    EXPERIMENT_COLUMNS,
    Column,
    SortOrder,
    cells,
    sort_rows,
)
from pidgin_tui.experiments.monitor_rows import ConversationRow, ExperimentRow
from pidgin_tui.experiments.monitor_state import MonitorState
from pidgin_tui.experiments.row_filter import filter_rows
from pidgin_tui.record.layout import conversation_jsonl_name
from pidgin_tui.tui.app import PidginApp
from pidgin_tui.tui.widgets.row_table import Cell, RowTable
from pidgin_tui.tui.widgets.top_bar import TopBar


def _spec(columns: tuple[Column[Any], ...]) -> list[tuple[str, str]]:
    return [(column.label, column.key) for column in columns]


class TranscriptsScreen(Screen[None]):
    """Experiments above, the highlighted one's (filtered) conversations below."""

    CSS_PATH = "transcripts.tcss"
    BINDING_GROUP_TITLE = "Transcripts"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", tooltip="Open the conversation's transcript",
                id="browse.open"),
        Binding("slash", "search", "Search", tooltip="Search every message of every experiment",
                id="browse.search"),
        Binding("f", "focus_filter", "Filter", tooltip="Filter by words, or name: model: "
                "status: end: state: prompt:", id="browse.filter"),
        Binding("o", "sort", "Sort", tooltip="Sort the focused table by its next column",
                id="browse.sort"),
        Binding("O", "reverse_sort", "Reverse", tooltip="Reverse the focused table's order",
                show=False, id="browse.reverse"),
        Binding("m", "metrics", "Metrics", tooltip="Plot metrics of the experiment or "
                "conversation", id="browse.metrics"),
        Binding("R", "readme", "README", tooltip="Open the experiment's generated README",
                id="browse.readme"),
        Binding("T", "tree", "Family tree", tooltip="The family tree of the experiment's "
                "conversations (or of the highlighted conversation)", id="browse.tree"),
        Binding("c", "compare", "Compare", tooltip="The experiment's first conversations side "
                "by side (2 to 4)", id="browse.compare"),
        Binding("r", "reload", "Reload", tooltip="Read the experiments again", id="browse.reload"),
        Binding("escape", "back", "Back", tooltip="Leave the filter / back to experiments",
                id="browse.back"),
    ]

    pidgin = getters.app(PidginApp)

    @dataclass
    class Listed(Message):
        """The worker read the experiments."""

        rows: list[ExperimentRow]
        database_problem: str | None = None

    def __init__(self, root: Path | None = None, *, root_label: str | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self._root = root
        self._clock = clock
        self._root_label = root_label
        """Shown instead of the experiments directory's path (snapshots use a fixed one)."""
        self.rows: list[ExperimentRow] = []
        self.shown: list[tuple[ExperimentRow, list[ConversationRow]]] = []
        self.selected_id: str | None = None
        self.database_note = ""
        self._state: MonitorState | None = None
        """Kept between reloads (by the load worker only), so a reload reads what changed."""
        self.experiment_order = SortOrder()
        self.conversation_order = SortOrder()

    def compose(self) -> ComposeResult:
        yield TopBar("Transcripts · browse recorded conversations")
        yield Input(placeholder="filter: words, or name: model: status: end: state: prompt:  "
                    "(f to focus, o to sort)", id="browse-filter")
        with Vertical(id="browse-tables"):
            yield RowTable(_spec(EXPERIMENT_COLUMNS), id="browse-experiments")
            yield RowTable(_spec(CONVERSATION_COLUMNS), id="browse-conversations")
        yield Static("", id="browse-status", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#browse-experiments", RowTable).focus()

    def on_screen_resume(self) -> None:
        self.load()

    @property
    def root(self) -> Path:
        if self._root is None:
            self._root = self.pidgin.output_root
        return self._root

    @work(thread=True, exclusive=True, group="browse-load", exit_on_error=False)
    def load(self) -> None:
        """Experiments from their manifests; conversations of imported ones from DuckDB."""
        from pidgin_tui.database.browse import imported_catalog
        from pidgin_tui.experiments.monitor_rows import apply_imported
        from pidgin_tui.record.layout import database_path

        if self._state is None:
            self._state = MonitorState(self.root, clock=self._clock, tail_jsonl=False)
        rows = self._state.refresh()
        catalog = imported_catalog(database_path(self.root))
        rows = apply_imported(rows, catalog.experiments, catalog.conversations)
        self.post_message(self.Listed(rows, catalog.problem))

    def on_transcripts_screen_listed(self, message: Listed) -> None:
        self.rows = message.rows
        self.database_note = "" if message.database_problem in (None, "nothing imported yet") \
            else f" · database not read ({message.database_problem}): listed from JSONL"
        self._apply_filter()

    @on(Input.Changed, "#browse-filter")
    def _filter_changed(self) -> None:
        self._apply_filter()

    @on(Input.Submitted, "#browse-filter")
    def _filter_submitted(self) -> None:
        self.query_one("#browse-conversations", RowTable).focus()

    def _apply_filter(self) -> None:
        query = self.query_one("#browse-filter", Input).value
        found = filter_rows(self.rows, query)
        by_id = {row.experiment_id: (row, convs) for row, convs in found}
        self.shown = [by_id[row.experiment_id] for row in sort_rows(
            [row for row, _ in found], EXPERIMENT_COLUMNS, self.experiment_order)]
        table = self.query_one("#browse-experiments", RowTable)
        table.set_rows([(row.experiment_id, self._cells(table, row, EXPERIMENT_COLUMNS, convs))
                        for row, convs in self.shown])
        if self.selected_id not in {row.experiment_id for row, _ in self.shown}:
            self.selected_id = table.current_key
        self._show_conversations()
        total = sum(len(c) for _, c in self.shown)
        order = self.experiment_order.label(EXPERIMENT_COLUMNS)
        self.query_one("#browse-status", Static).update(
            f"{len(self.shown)} experiments, {total} conversations"
            + (f" matching “{query}”" if query.strip() else "")
            + (f" · by {order}" if order else "")
            + f" · {self._root_label or self.root / 'experiments'}{self.database_note}")

    @staticmethod
    def _cells(table: RowTable, row: Any, columns: tuple[Column[Any], ...],
               convs: list[ConversationRow] | None = None) -> list[Cell]:
        """A row's cells; its status in the status colour, an experiment's conversations as
        "listed/total" (a filter lists fewer)."""
        out: list[Cell] = list(cells(row, columns))
        for index, column in enumerate(columns):
            if column.key == "status":
                out[index] = table.status_text(row.status, str(out[index]))
            elif column.key == "convs" and convs is not None:
                out[index] = f"{len(convs)}/{row.total}"
        return out

    def _selected(self) -> tuple[ExperimentRow, list[ConversationRow]] | None:
        return next(((r, c) for r, c in self.shown if r.experiment_id == self.selected_id), None)

    def _show_conversations(self) -> None:
        table = self.query_one("#browse-conversations", RowTable)
        found = self._selected()
        convs = sort_rows(found[1] if found else [], CONVERSATION_COLUMNS,
                          self.conversation_order)
        table.set_rows([(c.conversation_id, self._cells(table, c, CONVERSATION_COLUMNS))
                        for c in convs])

    @on(DataTable.RowHighlighted, "#browse-experiments")
    def _experiment_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.selected_id = None if event.row_key.value is None else str(event.row_key.value)
        self._show_conversations()

    @on(DataTable.RowSelected, "#browse-experiments")
    def _experiment_selected(self) -> None:
        self.query_one("#browse-conversations", RowTable).focus()

    @on(DataTable.RowSelected, "#browse-conversations")
    def _conversation_selected(self) -> None:
        self.open_transcript()

    def _conversation(self) -> tuple[ExperimentRow, ConversationRow] | None:
        found = self._selected()
        key = self.query_one("#browse-conversations", RowTable).current_key
        if found is None or key is None:
            return None
        conv = next((c for c in found[1] if c.conversation_id == key), None)
        return None if conv is None else (found[0], conv)

    def open_transcript(self) -> None:
        from pidgin_tui.tui.screens.transcript import TranscriptScreen

        found = self._conversation()
        if found is None:
            self.notify("Highlight a conversation first.", severity="warning")
            return
        row, conv = found
        path = conv.jsonl or row.path / conversation_jsonl_name(conv.conversation_id)
        self.app.push_screen(TranscriptScreen(path, follow=conv.status == Status.RUNNING))

    def action_open(self) -> None:
        if self.query_one("#browse-conversations", RowTable).has_focus:
            self.open_transcript()
        else:
            self.query_one("#browse-conversations", RowTable).focus()

    def _focused_table(self) -> tuple[RowTable, tuple[Column[Any], ...], bool]:
        conversations = self.query_one("#browse-conversations", RowTable)
        if conversations.has_focus:
            return conversations, CONVERSATION_COLUMNS, False
        return self.query_one("#browse-experiments", RowTable), EXPERIMENT_COLUMNS, True

    def _set_order(self, experiments: bool, order: SortOrder) -> None:
        if experiments:
            self.experiment_order = order
        else:
            self.conversation_order = order
        for table_id, current in (("#browse-experiments", self.experiment_order),
                                  ("#browse-conversations", self.conversation_order)):
            self.query_one(table_id, RowTable).mark_sorted(current.key, current.reverse)
        self._apply_filter()

    def action_sort(self) -> None:
        _, columns, experiments = self._focused_table()
        current = self.experiment_order if experiments else self.conversation_order
        self._set_order(experiments, current.next_column(columns))

    def action_reverse_sort(self) -> None:
        _, _, experiments = self._focused_table()
        current = self.experiment_order if experiments else self.conversation_order
        self._set_order(experiments, current.reversed())

    @on(DataTable.HeaderSelected)
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        """Clicking a header sorts by it; clicking it again reverses the order."""
        experiments = event.data_table.id == "browse-experiments"
        current = self.experiment_order if experiments else self.conversation_order
        key = str(event.column_key.value)
        self._set_order(experiments, current.reversed() if current.key == key
                        else SortOrder(key))

    def action_search(self) -> None:
        from pidgin_tui.tui.screens.search import SearchScreen

        self.app.push_screen(SearchScreen(self.root))

    def action_focus_filter(self) -> None:
        self.query_one("#browse-filter", Input).focus()

    def action_back(self) -> None:
        filter_input = self.query_one("#browse-filter", Input)
        if filter_input.has_focus and filter_input.value:
            filter_input.value = ""
        self.query_one("#browse-experiments", RowTable).focus()

    def action_reload(self) -> None:
        self.load()

    def action_metrics(self) -> None:
        from pidgin_tui.tui.screens.metrics import MetricsScreen

        found = self._selected()
        if found is None:
            return
        row = found[0]
        conv = self._conversation() if self.query_one("#browse-conversations",
                                                      RowTable).has_focus else None
        paths = [conv[1].jsonl or row.path / conversation_jsonl_name(conv[1].conversation_id)] \
            if conv else None
        self.app.push_screen(MetricsScreen(row.path, paths))

    def action_readme(self) -> None:
        from pidgin_tui.tui.screens.readme import open_readme

        found = self._selected()
        if found is not None:
            open_readme(self.app, found[0].path)

    def action_tree(self) -> None:
        from pidgin_tui.tui.screens.tree import TreeScreen

        found = self._selected()
        if found is None:
            return
        conv = self._conversation() if self.query_one("#browse-conversations",
                                                      RowTable).has_focus else None
        self.app.push_screen(TreeScreen(self.root, found[0].path,
                                        conv[1].conversation_id if conv else None),
                             self._open_chosen)

    def _open_chosen(self, path: Path | None) -> None:
        """A conversation chosen in the family tree: its transcript."""
        from pidgin_tui.tui.screens.transcript import TranscriptScreen

        if path is not None:
            self.app.push_screen(TranscriptScreen(path))

    def action_compare(self) -> None:
        from pidgin_tui.tui.screens.compare import CompareScreen
        from pidgin_tui.tui.screens.tree import MAX_COMPARED

        found = self._selected()
        if found is None or len(found[1]) < 2:
            self.notify("Compare needs an experiment with 2 or more conversations (or mark "
                        "them in the family tree, T).", severity="warning")
            return
        row, convs = found
        self.app.push_screen(CompareScreen([(row.path, c.conversation_id)
                                            for c in convs[:MAX_COMPARED]]))
