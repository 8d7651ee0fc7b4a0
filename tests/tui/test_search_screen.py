"""Searching every message from the app: `/` in the browser, F7 anywhere, Enter opens the turn."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from pidgin_tui.experiments.synthetic import conversation_events, write_experiment, write_jsonl
from pidgin_tui.record.layout import conversation_jsonl_name
from pidgin_tui.tui.screens.search import SearchScreen
from pidgin_tui.tui.screens.transcript import TranscriptScreen
from pidgin_tui.tui.screens.transcripts import TranscriptsScreen
from pidgin_tui.tui.widgets.row_table import RowTable
from pidgin_tui.tui.widgets.transcript_view import TranscriptView

from .helpers import static_text, wait_until
from .host import HostApp

SIZE = (120, 40)


def _root(tmp_path: Path) -> Path:
    """Two experiments; 'consciousness' is said at turns 13 and 31 of one, turn 2 of the other."""
    first = write_experiment(tmp_path, "aa01", "long-run", conversations=0)
    write_jsonl(first / conversation_jsonl_name("aa01_0001"), conversation_events(
        "aa01", "aa01_0001", 40, phrases={13: "Is this consciousness?",
                                          31: "consciousness, consciousness, consciousness"}))
    second = write_experiment(tmp_path, "bb02", "long-run", conversations=0)
    write_jsonl(second / conversation_jsonl_name("bb02_0001"), conversation_events(
        "bb02", "bb02_0001", 3, phrases={2: "a stream of consciousness"}))
    return tmp_path


async def test_slash_in_the_browser_searches_everything_and_enter_opens_the_turn(
        tmp_path: Path) -> None:
    root = _root(tmp_path)
    app = HostApp(root, lambda: TranscriptsScreen(root))
    async with app.run_test(size=SIZE) as pilot:
        browser = pilot.app.screen
        assert isinstance(browser, TranscriptsScreen)
        await wait_until(pilot, lambda: bool(browser.shown), "the experiments")
        await pilot.press("slash")
        search = pilot.app.screen
        assert isinstance(search, SearchScreen)
        await pilot.press(*"consciousness")
        await wait_until(pilot, lambda: search.searched == "consciousness", "the results")
        assert search.results is not None
        found = [(h.conversation_id, h.turn) for h in search.results.hits]
        assert found[0] == ("aa01_0001", 31)  # said three times: ranked first
        assert sorted(found[1:]) == [("aa01_0001", 13), ("bb02_0001", 2)]
        assert "3 messages match 'consciousness' (best first)" in static_text(
            pilot, "#search-status")
        table = search.query_one("#search-results", RowTable)
        assert table.row_count == 3
        await pilot.press("enter", *["down"] * found.index(("aa01_0001", 13)), "enter")
        transcript = pilot.app.screen
        assert isinstance(transcript, TranscriptScreen)
        await wait_until(pilot, lambda: transcript.view is not None
                         and bool(transcript.view.hits), "the highlighted match")
        view = transcript.query_one(TranscriptView)
        hit = view.hits[view.hit_index]
        assert view.layout_data.lines[hit.line].turn == 13
        top, height = view.scroll_offset.y, view.scrollable_content_region.height
        assert top <= hit.line < top + height
        await pilot.press("escape")
        assert pilot.app.screen is search


async def test_a_query_with_only_operators_says_so(tmp_path: Path) -> None:
    root = _root(tmp_path)
    app = HostApp(root, lambda: SearchScreen(root))
    async with app.run_test(size=SIZE) as pilot:
        search = pilot.app.screen
        assert isinstance(search, SearchScreen)
        search.query_one("#search-query", Input).value = "OR"
        await wait_until(pilot, lambda: search.searched == "OR", "the answer")
        assert static_text(pilot, "#search-status") == "the query has no words to search for"


async def test_ticking_thinking_searches_what_the_agents_thought(tmp_path: Path) -> None:
    from textual.widgets import Checkbox

    from tests.search.test_search import with_thinking

    with_thinking(tmp_path, "cc03", 3, "a pangolin would know")
    app = HostApp(tmp_path, lambda: SearchScreen(tmp_path, "pangolin"))
    async with app.run_test(size=SIZE) as pilot:
        search = pilot.app.screen
        assert isinstance(search, SearchScreen)
        await wait_until(pilot, lambda: search.searched == "pangolin", "the first answer")
        assert search.results is not None and search.results.hits == []
        search.query_one("#search-thinking", Checkbox).value = True
        await wait_until(pilot, lambda: search.searched_thinking, "the search with thinking")
        assert [(h.conversation_id, h.turn) for h in search.results.hits] == [("cc03_0001", 3)]
        assert "1 message matches 'pangolin' (best first)" in static_text(pilot, "#search-status")


def test_search_results_snapshot(tmp_path: Path, snap_compare) -> None:  # type: ignore[no-untyped-def]
    """The search screen for "consciousness" over two experiments both called "long-run": the
    query box on top; three rows, best first, aa01_0001 turn 31 at the top, each with the agent
    "Bo" and a snippet whose matched word is in reverse video, the cursor on the first row; the
    status line reads "3 messages
    match 'consciousness' (best first) · Enter opens the transcript"."""
    root = _root(tmp_path)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        search = pilot.app.screen
        await wait_until(pilot, lambda: search.searched == "consciousness"
                         and search.query_one("#search-results", RowTable).row_count == 3,
                         "the results")
        await pilot.press("enter")  # to the results: no blinking cursor in the snapshot
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.3)

    assert snap_compare(HostApp(root, lambda: SearchScreen(root, "consciousness")),
                        terminal_size=SIZE, run_before=run_before)
