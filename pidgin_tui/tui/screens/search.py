"""SearchScreen: one search over every message of every experiment (the full-text index).

Typing searches after a short pause; the index is brought up to date first (in the worker), so
messages of live runs are found once complete. A checkbox beside the query searches the agents'
thinking too. Enter opens the transcript at the hit's turn with the matched words highlighted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Checkbox, DataTable, Footer, Input, Static

from pidgin_tui.core.safe_text import terminal_safe
from pidgin_tui.search.query import SearchHit, SearchResults
from pidgin_tui.tui.app import PidginApp
from pidgin_tui.tui.widgets.row_table import RowTable
from pidgin_tui.tui.widgets.top_bar import TopBar

COLUMNS = (("Experiment", "experiment"), ("Conversation", "conversation"), ("Turn", "turn"),
           ("Agent", "agent"), ("Match", "snippet"))
TYPING_PAUSE_S = 0.25
"""Typing this long without a key starts the search."""


def snippet_text(hit: SearchHit, match_style: str = "bold reverse") -> Text:
    """The snippet as Rich Text (never markup), the matched words in `match_style`."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for piece, matched in hit.parts():
        text.append(piece, match_style if matched else "")
    return text


class SearchScreen(Screen[None]):
    """A query box above ranked results (experiment, conversation, turn, agent, snippet)."""

    CSS_PATH = "search.tcss"
    BINDING_GROUP_TITLE = "Search"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", tooltip="Open the transcript at this turn",
                id="search.open"),
        Binding("slash", "focus_query", "Query", tooltip="Edit the query", id="search.query"),
        Binding("escape", "close", "Back", tooltip="Close the search", id="search.close"),
    ]

    pidgin = getters.app(PidginApp)

    @dataclass
    class Found(Message):
        query: str
        results: SearchResults | None
        problem: str | None = None
        thinking: bool = False

    def __init__(self, root: Path | None = None, query: str = "") -> None:
        super().__init__()
        self._root = root
        self._initial = query
        self.results: SearchResults | None = None
        self.searched = ""
        """The query the shown results are for."""
        self.searched_thinking = False
        """The shown results searched thinking as well as replies."""
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield TopBar("Search · every message of every experiment")
        with Horizontal(id="search-bar"):
            yield Input(self._initial, placeholder='words, "a phrase", prefix*  (OR, NOT '
                        "between terms)", id="search-query")
            yield Checkbox("thinking too", id="search-thinking")
        yield RowTable(COLUMNS, id="search-results")
        yield Static("Type to search.", id="search-status", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#search-query", Input).focus()
        if self._initial.strip():
            self.run_search(self._initial)

    @property
    def root(self) -> Path:
        if self._root is None:
            self._root = self.pidgin.output_root
        return self._root

    @on(Input.Changed, "#search-query")
    def _typed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(TYPING_PAUSE_S, lambda: self.run_search(event.value))

    @on(Checkbox.Changed, "#search-thinking")
    def _thinking_toggled(self) -> None:
        self.run_search(self.query_one("#search-query", Input).value)

    @property
    def thinking(self) -> bool:
        """Search the agents' thinking as well as their replies."""
        return self.query_one("#search-thinking", Checkbox).value

    @on(Input.Submitted, "#search-query")
    def _submitted(self, event: Input.Submitted) -> None:
        if self._timer is not None:
            self._timer.stop()
        if event.value != self.searched or self.thinking != self.searched_thinking \
                or self.results is None:
            self.run_search(event.value)
        self.query_one("#search-results", RowTable).focus()

    def run_search(self, query: str) -> None:
        self._search(query, self.thinking)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(self, query: str, thinking: bool) -> None:
        from pidgin_tui.search.index import refresh
        from pidgin_tui.search.query import QueryError, search

        if not query.strip():
            self.post_message(self.Found(query, None, thinking=thinking))
            return
        try:
            refresh(self.root)
            self.post_message(self.Found(query, search(self.root, query, thinking=thinking),
                                         thinking=thinking))
        except QueryError as exc:
            self.post_message(self.Found(query, None, str(exc), thinking=thinking))

    def on_search_screen_found(self, message: Found) -> None:
        if message.query != self.query_one("#search-query", Input).value \
                or message.thinking != self.thinking:
            return  # the user typed on or ticked the box: a newer search is on its way
        self.searched, self.results = message.query, message.results
        self.searched_thinking = message.thinking
        table = self.query_one("#search-results", RowTable)
        hits = message.results.hits if message.results else []
        table.set_rows([(str(number), [
            terminal_safe(f"{hit.experiment_name} [{hit.experiment_id}]", single_line=True),
            hit.conversation_id, str(hit.turn), terminal_safe(hit.agent_name, single_line=True),
            snippet_text(hit)]) for number, hit in enumerate(hits)])
        if message.problem:
            status = message.problem
        elif message.results is None:
            status = "Type to search."
        else:
            status = message.results.describe(message.query) + (
                " · Enter opens the transcript" if hits else "")
        self.query_one("#search-status", Static).update(status)

    def selected(self) -> SearchHit | None:
        key = self.query_one("#search-results", RowTable).current_key
        if self.results is None or key is None:
            return None
        return self.results.hits[int(key)]

    @on(DataTable.RowSelected, "#search-results")
    def _row_selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        from pidgin_tui.search.query import terms
        from pidgin_tui.tui.screens.transcript import TranscriptScreen

        hit = self.selected()
        if hit is None:
            self.query_one("#search-results", RowTable).focus()
            return
        words = terms(self.searched)
        self.app.push_screen(TranscriptScreen(Path(hit.path), turn=hit.turn,
                                              highlight=words[0] if words else None))

    def action_focus_query(self) -> None:
        self.query_one("#search-query", Input).focus()

    def action_close(self) -> None:
        self.dismiss()
