"""Errors reach the user: a toast, a badge on every screen, the error screen, copyable details."""

from __future__ import annotations

from textual.widgets import Input

from pidgin_tui.tui.screens.error_detail import ErrorDetailScreen
from pidgin_tui.tui.screens.live import LiveScreen
from pidgin_tui.tui.widgets.error_table import ErrorTable
from pidgin_tui.tui.widgets.top_bar import ErrorBadge

from .conftest import SIZE, FrozenClock
from .helpers import form_ready, press_now, wait_until
from .scripted import Script


def badge_text(app) -> str:
    badge = app.screen.query_one(ErrorBadge)
    return str(badge.render()) if badge.has_class("-visible") else ""


async def test_a_failing_model_shows_a_toast_a_badge_and_a_row(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await form_ready(pilot)
        app.screen.query_one("#agent_a-input", Input).value = "local:instant"
        app.screen.query_one("#agent_b-input", Input).value = "local:fail-at-1"
        app.screen.query_one("#max_turns", Input).value = "3"
        await pilot.pause()
        await press_now(pilot, "ctrl+r")
        await wait_until(pilot, lambda: not app.running_runs and app.runs, "the run to end")
        await wait_until(pilot, lambda: isinstance(app.screen, LiveScreen), "the live screen")
        await pilot.pause(0.1)
        toasts = [n.title for n in app._notifications]
        assert "API error" in toasts and "Conversation failed" in toasts
        assert badge_text(app) == "⚠ 2 unread errors · F6"
        await pilot.press("f2")
        assert badge_text(app) == "⚠ 2 unread errors · F6", "the badge is on every screen"

        await pilot.press("f6")
        await pilot.pause()
        table = app.screen.query_one(ErrorTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert [row[1] for row in rows] == ["API error", "Conversation failed"]
        assert rows[0][4] == "local:fail-at-1" and rows[0][6] == "exp00001_0001"
        assert "local model failed" in rows[0][2]
        detail = str(app.screen.query_one("#error-detail").render())
        assert "local model failed on purpose at turn 1" in detail
        assert badge_text(app) == "", "opening the error screen marks everything read"

        await pilot.press("c")
        assert "local:fail-at-1" in app.clipboard and "exp00001_0001" in app.clipboard
        await pilot.press("enter")
        assert isinstance(app.screen, ErrorDetailScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, ErrorDetailScreen)


async def test_rate_limit_rows_count_down_to_the_retry(make_app) -> None:
    clock = FrozenClock()
    app = make_app(clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        script = Script(app)
        await script.start()
        await script.errors()
        await pilot.press("f6")
        await pilot.pause()
        table = app.screen.query_one(ErrorTable)
        kinds = [table.get_row_at(i)[1] for i in range(table.row_count)]
        assert kinds == ["API error", "Rate limit", "Conversation failed",
                         "Post-processing failed"]
        assert str(table.get_row_at(1)[2]).startswith("⏳ retry in 30s")
        clock.now += 12
        app.screen.refresh_table()
        assert str(table.get_row_at(1)[2]).startswith("⏳ retry in 18s")
        clock.now += 60
        app.screen.refresh_table()
        assert str(table.get_row_at(1)[2]).startswith("↻ retrying")
        assert "duckdb is locked" in str(table.get_row_at(3)[2])


async def test_the_badge_is_also_on_the_monitor_and_transcript_screens(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        script = Script(app)
        await script.start()
        await script.errors()
        for key in ("f4", "f5", "f3"):
            await pilot.press(key)
            await pilot.pause(0.1)
            assert badge_text(app) == "⚠ 4 unread errors · F6", key


def _past_errors(root) -> None:
    """Two experiments on disk from other processes, with recorded API errors."""
    from pidgin_tui.core.events import APIErrorEvent
    from pidgin_tui.experiments.synthetic import write_experiment, write_jsonl
    from pidgin_tui.record.layout import conversation_jsonl_name

    for exp_id, name, count in (("hd01", "headless-night", 2), ("dt02", "detached-day", 1)):
        path = write_experiment(root, exp_id, name, conversations=1, turns=2)
        write_jsonl(path / conversation_jsonl_name(f"{exp_id}_0001"), [APIErrorEvent(
            experiment_id=exp_id, conversation_id=f"{exp_id}_0001", provider="openai",
            model="openai:gpt-x", error_type="rate_limit", status_code=429,
            error_message=f"[keys] quota {n} exceeded", timestamp=f"2026-01-15T09:0{n}:00+00:00",
            event_id=f"{exp_id}-err{n}") for n in range(count)])


async def test_f6_lists_errors_of_every_experiment_on_disk_grouped(make_app, output_root) -> None:
    _past_errors(output_root)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6")
        table = app.screen.query_one(ErrorTable)
        await wait_until(pilot, lambda: table.row_count == 3, "the errors on disk")
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert [(row[5], row[1]) for row in rows] == [
            ("dt02", "Rate limit"), ("hd01", "Rate limit"), ("hd01", "Rate limit")]
        assert rows[0][2].startswith("rate_limit (HTTP 429): [keys] quota 0")
        summary = str(app.screen.query_one("#errors-summary").render())
        assert summary == "3 errors in 2 experiments: 3 rate limit"
