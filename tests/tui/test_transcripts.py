"""The transcript browser: listing and filtering, a 2,000-turn transcript, search, jumps, export."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from pidgin_tui.experiments.synthetic import conversation_events, write_experiment, write_jsonl
from pidgin_tui.tui.screens.metrics import MetricsScreen
from pidgin_tui.tui.screens.readme import ReadmeScreen
from pidgin_tui.tui.screens.transcript import TranscriptScreen
from pidgin_tui.tui.screens.transcripts import TranscriptsScreen
from pidgin_tui.tui.widgets.row_table import RowTable
from pidgin_tui.tui.widgets.transcript_view import TranscriptView

from .helpers import press_now, static_text, wait_until
from .host import HostApp

SIZE = (120, 40)
PHRASE = "the purple kangaroo sings"
LATE_TURN = 1874
"""The turn that holds PHRASE."""


@pytest.fixture
def big_root(tmp_path: Path) -> Path:
    """One experiment whose single conversation has 2,000 turns, PHRASE in a late one."""
    path = write_experiment(tmp_path, "big01", "long-talk", conversations=1, turns=2)
    jsonl = path / "conv_big01_0001_events.jsonl"
    jsonl.unlink()
    write_jsonl(jsonl, conversation_events("big01", "big01_0001", 2000, words=60, thinking=True,
                                           phrases={LATE_TURN: PHRASE}))
    return tmp_path


async def _open_first(pilot: Pilot) -> TranscriptView:
    browser = pilot.app.screen
    assert isinstance(browser, TranscriptsScreen)
    await wait_until(pilot, lambda: bool(browser.shown), "the experiments to be listed")
    await pilot.press("enter", "enter")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, TranscriptScreen)
                     and pilot.app.screen.view is not None
                     and bool(pilot.app.screen.view.layout_data.lines), "the transcript")
    view = pilot.app.screen.query_one(TranscriptView)
    return view


async def test_2000_turn_transcript_search_finds_a_late_phrase(big_root: Path) -> None:
    app = HostApp(big_root, lambda: TranscriptsScreen(big_root))
    async with app.run_test(size=SIZE) as pilot:
        view = await _open_first(pilot)
        assert view.transcript.turns_completed == 2000
        assert len(pilot.app.screen.query("*")) < 40  # no widget per message
        await pilot.press("slash", *"Purple Kangaroo", "enter")
        await pilot.pause()
        assert len(view.hits) == 1
        hit = view.hits[0]
        top, height = view.scroll_offset.y, view.scrollable_content_region.height
        assert top <= hit.line < top + height  # the hit is on screen
        assert view.layout_data.lines[hit.line].turn == LATE_TURN
        assert "turn 1874" in static_text(pilot, "#tx-status")
        await pilot.press("n")  # wraps around to the only hit
        assert view.hit_index == 0
        await pilot.press("slash", *"no such words here", "enter")
        assert view.hits == [] and "not found" in static_text(pilot, "#tx-status")


async def test_jump_to_turn_thinking_and_export(big_root: Path) -> None:
    app = HostApp(big_root, lambda: TranscriptsScreen(big_root))
    async with app.run_test(size=SIZE) as pilot:
        view = await _open_first(pilot)
        await pilot.press("g", "1", "2", "enter")
        assert view.turn_at(view.scroll_offset.y) == 12  # "Turn 12" header at the top
        folded = len(view.layout_data.lines)
        await pilot.press("t")
        assert view.show_thinking and len(view.layout_data.lines) > folded
        assert view.turn_at(view.scroll_offset.y) == 12  # still at the same turn
        await pilot.press("e")
        exported = next((big_root / "experiments").glob("*/transcripts/conv_big01_0001.md"))
        text = exported.read_text(encoding="utf-8")
        assert "## Turn 2000" in text and PHRASE in text
        await pilot.press("g", "9", "9", "9", "9", "enter")
        assert "no turn 9999" in static_text(pilot, "#tx-status")


async def test_browser_filters_by_status_model_and_end_reason(tmp_path: Path) -> None:
    write_experiment(tmp_path, "aa01", "alpha", conversations=2, model="local:test")
    write_experiment(tmp_path, "bb02", "beta", conversations=1, running=1,
                     model="local:instant", pid=2**22 + 1)
    app = HostApp(tmp_path, lambda: TranscriptsScreen(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        browser = pilot.app.screen
        assert isinstance(browser, TranscriptsScreen)
        await wait_until(pilot, lambda: len(browser.shown) == 2, "both experiments")
        browser.query_one("#browse-filter", Input).value = "model:instant status:interrupted"
        await pilot.pause()
        assert [(r.experiment_id, [c.conversation_id for c in convs])
                for r, convs in browser.shown] == [("bb02", ["bb02_0002"])]
        conversations = browser.query_one("#browse-conversations", RowTable)
        assert conversations.row_count == 1
        browser.query_one("#browse-filter", Input).value = "end:max_turns alpha"
        await pilot.pause()
        assert [r.experiment_id for r, _ in browser.shown] == ["aa01"]


async def test_metrics_and_readme_from_the_browser(tmp_path: Path) -> None:
    path = write_experiment(tmp_path, "mm01", "plotted", conversations=3, turns=6)
    app = HostApp(tmp_path, lambda: TranscriptsScreen(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        browser = pilot.app.screen
        assert isinstance(browser, TranscriptsScreen)
        await wait_until(pilot, lambda: bool(browser.shown), "the experiment")
        await pilot.press("R")  # no README yet: a notification, no screen
        assert isinstance(pilot.app.screen, TranscriptsScreen)
        (path / "README.md").write_text("# Plotted\n\nGenerated summary.\n", encoding="utf-8")
        await pilot.press("R")
        assert isinstance(pilot.app.screen, ReadmeScreen)
        await pilot.press("escape", "m")
        metrics = pilot.app.screen
        assert isinstance(metrics, MetricsScreen)
        await wait_until(pilot, lambda: metrics.series is not None, "the metric series")
        assert metrics.series is not None
        assert metrics.series.metric_names[0] == "convergence_score"
        assert len(metrics.series.lines("convergence_score")) == 3
        turns, mean = metrics.series.mean("convergence_score")
        assert turns == [1, 2, 3, 4, 5, 6] and len(mean) == 6
        await pilot.press("m")
        assert metrics.metric == metrics.series.metric_names[1]


async def test_imported_experiments_are_listed_from_duckdb(tmp_path: Path) -> None:
    from pidgin_tui.database.event_store import EventStore
    from pidgin_tui.record.layout import database_path

    imported = write_experiment(tmp_path, "db01", "imported", conversations=2, turns=4)
    write_experiment(tmp_path, "js02", "not-imported", conversations=1, turns=3)
    EventStore(database_path(tmp_path)).import_experiment(imported)
    app = HostApp(tmp_path, lambda: TranscriptsScreen(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        browser = pilot.app.screen
        assert isinstance(browser, TranscriptsScreen)
        await wait_until(pilot, lambda: len(browser.shown) == 2, "both experiments")
        sources = {row.experiment_id: row.source for row, _ in browser.shown}
        assert sources == {"db01": "duckdb", "js02": "jsonl"}
        row = next(r for r, _ in browser.shown if r.experiment_id == "db01")
        assert [(c.conversation_id, c.turns, c.status) for c in row.conversations] == \
            [("db01_0001", 4, "completed"), ("db01_0002", 4, "completed")]
        assert "database not read" not in static_text(pilot, "#browse-status")


async def test_browser_columns_sort_with_o_and_tell_same_names_apart(tmp_path: Path) -> None:
    from datetime import timedelta

    from pidgin_tui.experiments.synthetic import EPOCH

    write_experiment(tmp_path, "aa01", "long-run", conversations=2, prompt="Talk about rivers")
    write_experiment(tmp_path, "bb02", "long-run", conversations=3, turns=7,
                     start=EPOCH + timedelta(days=2), model="local:instant")
    app = HostApp(tmp_path, lambda: TranscriptsScreen(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        browser = pilot.app.screen
        assert isinstance(browser, TranscriptsScreen)
        await wait_until(pilot, lambda: len(browser.shown) == 2, "both experiments")
        table = browser.query_one("#browse-experiments", RowTable)

        def column(label: str) -> list[str]:
            index = [str(c.label).split(" ")[0] for c in table.columns.values()].index(label)
            return [str(table.get_row_at(row)[index]) for row in range(table.row_count)]

        assert column("Date") == ["2026-01-17 09:00", "2026-01-15 09:00"]  # newest first
        assert column("Models") == ["local:instant", "local:test"]
        await pilot.press("o", "o")  # by name, then by date
        assert column("Date") == ["2026-01-15 09:00", "2026-01-17 09:00"]
        assert "by Date ▲" in static_text(pilot, "#browse-status")
        assert [str(c.label) for c in table.columns.values()][1] == "Date ▲"
        await pilot.press("O")
        assert column("Date") == ["2026-01-17 09:00", "2026-01-15 09:00"]
        await pilot.press("enter")  # into bb02's conversations
        conversations = browser.query_one("#browse-conversations", RowTable)
        assert conversations.has_focus and conversations.row_count == 3
        await pilot.press("o", "O")  # conversations by id, descending
        assert [str(conversations.get_row_at(i)[0]) for i in range(3)] == \
            ["bb02_0003", "bb02_0002", "bb02_0001"]
        browser.query_one("#browse-filter", Input).value = "prompt:rivers"
        await pilot.pause()
        assert [r.experiment_id for r, _ in browser.shown] == ["aa01"]


async def test_the_transcript_view_shows_awareness_injections(tmp_path: Path) -> None:
    """An awareness turn prompt is in the app's transcript where the Markdown has it: before
    the message it was sent with, under its turn."""
    import asyncio

    from tests.analysis_fixtures import run_experiment

    awareness = tmp_path / "aware.yaml"
    awareness.write_text("base: basic\nturn_prompts:\n  2: {agent_b: 'Try disagreeing now.'}\n")
    exp_dir = await asyncio.to_thread(run_experiment, tmp_path, repetitions=1, max_turns=3,
                                      think=False, awareness=str(awareness))
    path = next(exp_dir.glob("conv_*_events.jsonl"))
    app = HostApp(tmp_path, lambda: TranscriptScreen(path))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: pilot.app.screen.view is not None
                         and bool(pilot.app.screen.view.layout_data.lines), "the transcript")
        lines = pilot.app.screen.view.layout_data.lines
        note = next(i for i, line in enumerate(lines) if line.kind == "note")
        assert lines[note].turn == 2 and lines[note].text.startswith("Injection sent to ")
        assert lines[note + 1].text == "Try disagreeing now."
        following = next(line for line in lines[note:] if line.kind == "speaker")
        assert following.agent_id == "agent_b" and following.turn == 2


async def test_i_interjects_in_a_followed_run_of_another_process(tmp_path: Path) -> None:
    """Following a run the app does not drive (a headless or detached one, or the browser's),
    `i` sends the text through the run's control channel; the run delivers and records it,
    and the run's answer shows as a notice. Once the conversation ended, `i` is gone."""
    from pidgin_tui.experiments.session import RunSession
    from pidgin_tui.tui.screens.interject_dialog import InterjectDialog
    from tests.experiments.test_session import runner

    session = RunSession("cli", post_process=False, poll_s=0.02)
    run = session.start(runner(tmp_path, "far", turns=6, pace=150.0, experiment_id="far00001"))
    assert run.experiment_dir is not None
    path = run.experiment_dir / "conv_far00001_0001_events.jsonl"
    await wait_for_file(path)
    app = HostApp(tmp_path, lambda: TranscriptScreen(path, follow=True))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = pilot.app.screen
        await wait_until(pilot, lambda: screen.transcript is not None, "the transcript")
        assert screen.check_action("interject", ()) is True
        await press_now(pilot, "i")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, InterjectDialog)
                         and bool(pilot.app.screen.query("#interject-text")), "the input")
        pilot.app.screen.query_one("#interject-text", Input).value = "From far away."
        await press_now(pilot, "enter")
        await wait_until(pilot, lambda: any(n.title == "Interjection"
                                            for n in pilot.app._notifications), "the answer")
        assert "interjection queued for far00001_0001" in next(
            n.message for n in pilot.app._notifications if n.title == "Interjection")
        await session.wait(run)
        await wait_until(pilot, lambda: screen.transcript.ended, "the end")
        assert screen.check_action("interject", ()) is False
        notes = [line.text for line in screen.view.layout_data.lines if line.kind == "note"]
        assert notes == ["Interjection by the researcher as the narrator, sent to test (A) and "
                         "test (B):"]
    session.close()


async def wait_for_file(path: Path) -> None:
    import asyncio

    for _ in range(1000):
        if path.exists():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{path.name} never appeared")
