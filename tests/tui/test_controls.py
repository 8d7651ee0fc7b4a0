"""Pause/resume, stop, stop-all and quitting while a run is in progress."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import Input

from pidgin_tui.tui.screens.confirm import ConfirmScreen
from pidgin_tui.tui.screens.live import LiveScreen

from .conftest import SIZE, Pace, paced_registry, read_events, read_manifest
from .helpers import form_ready, press_now, static_text, wait_until

SLOW = 100.0
"""tokens/s of `local:test` in these tests: slow enough to act mid-conversation."""


async def launch(pilot, turns: int = 2, repetitions: int = 1) -> None:
    app = pilot.app
    await form_ready(pilot)
    app.screen.query_one("#max_turns", Input).value = str(turns)
    app.screen.query_one("#repetitions", Input).value = str(repetitions)
    await pilot.pause()
    await press_now(pilot, "ctrl+r")
    await wait_until(pilot, lambda: isinstance(app.screen, LiveScreen), "the live screen")
    await wait_until(pilot, lambda: any(
        c.turns for e in app.store.experiments.values() for c in e.conversations.values()),
        "the first streamed words")
    await wait_until(pilot, lambda: shows_a_run(app), "the live screen to show the run")


def shows_a_run(app) -> bool:  # type: ignore[no-untyped-def]
    """The live screen shows a conversation of a run of this app: its keys (space, s, i, S)
    act on that conversation from now on."""
    screen = app.screen
    return isinstance(screen, LiveScreen) and screen.conversation_id is not None and \
        screen.experiment_id in app.runs


def only_experiment(app):
    return next(iter(app.store.experiments.values()))


def chunks_so_far(app) -> int:
    conversation = next(iter(only_experiment(app).conversations.values()))
    return sum(len(m.chunks) for turn in conversation.turns.values() for m in turn.values())


async def test_space_pauses_and_resumes_the_conversation(make_app) -> None:
    app = make_app(paced_registry(SLOW))
    async with app.run_test(size=SIZE) as pilot:
        await launch(pilot)
        await press_now(pilot, "space")
        await wait_until(pilot, lambda: "paused" in static_text(pilot, "#conversation-line"),
                         "the conversation to show as paused")
        frozen = chunks_so_far(app)
        await pilot.pause(0.3)
        assert chunks_so_far(app) == frozen, "nothing streams while paused"
        await press_now(pilot, "space")
        await wait_until(pilot, lambda: "completed" in static_text(pilot, "#conversation-line"),
                         "the resumed conversation to complete")
        experiment_dir = Path(only_experiment(app).output_dir)
    kinds = [e["event_type"] for e in read_events(
        experiment_dir / "conv_exp00001_0001_events.jsonl")]
    assert "ConversationPausedEvent" in kinds and "ConversationResumedEvent" in kinds
    assert read_manifest(experiment_dir).conversations["exp00001_0001"].status == \
        "completed"


async def test_s_stops_the_conversation_on_screen(make_app) -> None:
    app = make_app(paced_registry(SLOW))
    async with app.run_test(size=SIZE) as pilot:
        await launch(pilot, turns=5)
        await press_now(pilot, "s")
        # The figures line can say so before the end note is drawn: wait for the note.
        await wait_until(pilot, lambda: "interrupted" in static_text(pilot, "#end-note"),
                         "the conversation's end note")
        line = static_text(pilot, "#conversation-line")
        end_note = static_text(pilot, "#end-note")
        experiment_dir = Path(only_experiment(app).output_dir)
        await wait_until(pilot, lambda: not app.running_runs, "the run to finish")
    assert "interrupted (stopped)" in line
    assert "Conversation interrupted: stopped" in end_note
    manifest = read_manifest(experiment_dir)
    conversation = manifest.conversations["exp00001_0001"]
    assert (conversation.status, conversation.end_reason) == ("interrupted", "stopped")
    assert conversation.turns_completed < 5


async def test_shift_s_asks_then_stops_every_conversation(make_app) -> None:
    app = make_app(paced_registry(SLOW))
    async with app.run_test(size=SIZE) as pilot:
        await launch(pilot, turns=5, repetitions=3)
        await press_now(pilot, "S")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await press_now(pilot, "y")
        await wait_until(pilot, lambda: not app.running_runs, "the experiment to stop")
        experiment_dir = Path(only_experiment(app).output_dir)
    manifest = read_manifest(experiment_dir)
    assert manifest.status == "interrupted"
    assert [c.status for c in manifest.conversations.values()] == ["interrupted"] * 3


async def test_quit_while_running_can_be_cancelled(make_app) -> None:
    pace = Pace(SLOW)
    app = make_app(paced_registry(pace))
    async with app.run_test(size=SIZE) as pilot:
        await launch(pilot, turns=3)
        await press_now(pilot, "ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the quit question")
        await press_now(pilot, "n")
        await wait_until(pilot, lambda: isinstance(app.screen, LiveScreen), "the live screen")
        assert app.return_code is None, "cancelling keeps the app open"
        pace.fast()
        await wait_until(pilot, lambda: "completed" in static_text(pilot, "#conversation-line"),
                         "the run to go on to the end")


async def test_quit_while_running_stops_cleanly_and_records_interrupted(make_app, monkeypatch
                                                                        ) -> None:
    async def still_processing(*args: object, **kwargs: object) -> None:
        await asyncio.Event().wait()  # "Quit now" must find it unfinished, however fast it is

    monkeypatch.setattr("pidgin_tui.experiments.session.run_post_processing", still_processing)
    app = make_app(paced_registry(SLOW))
    async with app.run_test(size=SIZE) as pilot:
        await launch(pilot, turns=5, repetitions=2)
        experiment_dir = Path(only_experiment(app).output_dir)
        await press_now(pilot, "ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the quit question")
        question = app.screen
        await press_now(pilot, "y")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen)
                         and app.screen is not question, "the post-processing question")
        await press_now(pilot, "n")  # quit now: the next start finishes it
        await wait_until(pilot, lambda: app.return_code is not None, "the app to exit")
    assert app.return_code == 0
    assert (experiment_dir / "post_processing.pending").exists()
    manifest = read_manifest(experiment_dir)
    assert manifest.status == "interrupted"
    statuses = {cid: (c.status, c.end_reason) for cid, c in
                manifest.conversations.items()}
    assert statuses == {"exp00001_0001": ("interrupted", "interrupted"),
                        "exp00001_0002": ("interrupted", "interrupted")}
    events = read_events(experiment_dir / "conv_exp00001_0001_events.jsonl")
    assert events[-1]["event_type"] == "ConversationEndEvent"
    assert events[-1]["reason"] == "interrupted"
    experiment_events = read_events(experiment_dir / "experiment_events.jsonl")
    [complete] = [e for e in experiment_events if e["event_type"] == "ExperimentCompleteEvent"]
    assert complete["interrupted_conversations"] == 2


async def test_sigterm_from_another_process_stops_runs_cleanly(make_app) -> None:
    """`pidgin-tui stop` from another terminal sends SIGTERM: the app records its runs as
    interrupted and exits 143 instead of dying with them half-written."""
    import os
    import signal

    app = make_app(paced_registry(SLOW), handle_sigterm=True)
    async with app.run_test(size=SIZE) as pilot:
        await launch(pilot, turns=5)
        experiment_dir = Path(only_experiment(app).output_dir)
        os.kill(os.getpid(), signal.SIGTERM)
        await wait_until(pilot, lambda: app.return_code is not None, "the app to exit")
    assert app.return_code == 143
    manifest = read_manifest(experiment_dir)
    assert manifest.status == "interrupted"
    assert [c.end_reason for c in manifest.conversations.values()] == ["interrupted"]
