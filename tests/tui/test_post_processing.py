"""Experiments that end in the app are post-processed in a thread worker; the monitor shows it
and failures reach the error panel."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.message import Message

from pidgin_tui.experiments import post_processor
from pidgin_tui.experiments.spec import parse_spec
from pidgin_tui.tui.post_processing import PostProcessed
from pidgin_tui.tui.screens.monitor import MonitorScreen

from .conftest import SIZE, fast_registry
from .helpers import wait_until

SPEC = {"name": "pp", "agent_a": "local:instant", "agent_b": "local:instant", "max_turns": 2,
        "repetitions": 2}


async def test_an_experiment_ending_in_the_app_is_post_processed(make_app) -> None:
    messages: list[Message] = []
    app = make_app(fast_registry())
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        run = app.launch(parse_spec(dict(SPEC)))
        await wait_until(pilot, lambda: any(isinstance(m, PostProcessed) for m in messages),
                         "post-processing to finish")
        done = next(m for m in messages if isinstance(m, PostProcessed))
        assert done.experiment_id == run.runner.experiment_id and done.failed == {}
        assert "import" in done.succeeded and "readme" in done.succeeded
        experiment_dir = Path(done.experiment_dir)
        assert (experiment_dir / "README.md").is_file()
        await pilot.press("f4")
        await wait_until(pilot, lambda: isinstance(app.screen, MonitorScreen)
                         and bool(app.screen.rows), "the monitor")
        screen = app.screen
        assert isinstance(screen, MonitorScreen)
        await wait_until(pilot, lambda: screen.rows[0].post_processing == "done",
                         "the monitor to show it processed")
        assert screen.rows[0].status == "completed"


async def test_a_failing_post_processing_step_reaches_the_error_panel(
        make_app, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_context: object) -> str:
        raise RuntimeError("README template missing")

    monkeypatch.setitem(post_processor.STEP_FUNCTIONS, "readme", broken)
    messages: list[Message] = []
    app = make_app(fast_registry())
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        app.launch(parse_spec(dict(SPEC)))
        await wait_until(pilot, lambda: any(isinstance(m, PostProcessed) for m in messages),
                         "post-processing to finish")
        await wait_until(pilot, lambda: any(e.kind == "Post-processing failed"
                                            for e in app.store.errors), "the error entry")
        entry = next(e for e in app.store.errors if e.kind == "Post-processing failed")
        assert entry.message == "readme: README template missing"
        assert app.unread_errors >= 1
        await pilot.press("f4")
        screen = app.screen
        assert isinstance(screen, MonitorScreen)
        await wait_until(pilot, lambda: bool(screen.rows)
                         and screen.rows[0].post_processing == "failed", "the monitor")
