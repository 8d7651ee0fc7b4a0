"""Launching from the setup screen and watching the run: what the user sees matches the disk."""

from __future__ import annotations

from pathlib import Path

from textual.message import Message
from textual.widgets import Input, Markdown

from pidgin_tui.tui.messages import TokenStreamed
from pidgin_tui.tui.screens.live import LiveScreen
from pidgin_tui.tui.widgets.message_view import MessageView

from .conftest import SIZE, read_events, read_manifest
from .helpers import form_ready, press_now, run_instant_pair, static_text, wait_until


async def test_ctrl_r_streams_a_conversation_that_matches_the_files(make_app) -> None:
    app = make_app()
    streamed: list[TokenStreamed] = []

    def hook(message: Message) -> None:
        if isinstance(message, TokenStreamed):
            streamed.append(message)

    lines: list[str] = []
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await form_ready(pilot)
        app.screen.query_one("#max_turns", Input).value = "3"
        await pilot.pause()
        await press_now(pilot, "ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, LiveScreen), "the live screen")

        def finished() -> bool:
            lines.append(static_text(pilot, "#conversation-line"))
            return "completed" in lines[-1]

        await wait_until(pilot, finished, "the conversation to complete", step=0.01)
        await pilot.pause(0.1)
        experiment = next(iter(app.store.experiments.values()))
        shown = {(view.turn, view.agent_id): view.query_one(".body", Markdown).source
                 for view in app.screen.query(MessageView)}
        end_note = static_text(pilot, "#end-note")
        final_line = static_text(pilot, "#conversation-line")

    counters = [n for n in (1, 2, 3) if any(f"Turn {n} / 3" in line for line in lines)]
    assert counters == [1, 2, 3], "the turn counter should pass through every turn"
    assert "Turn 3 / 3" in final_line and "completed (max_turns)" in final_line
    assert "Conversation completed: max_turns" in end_note

    fragments: dict[tuple[int, str], int] = {}
    for message in streamed:
        key = (message.turn, message.agent_id)
        fragments[key] = fragments.get(key, 0) + len(message.texts)
    assert len(fragments) == 6 and all(count > 3 for count in fragments.values()), \
        "every message should arrive as many streamed fragments"

    experiment_dir = Path(experiment.output_dir)
    manifest = read_manifest(experiment_dir)
    assert manifest.status == "completed"
    conversation = manifest.conversations["exp00001_0001"]
    assert conversation.status == "completed"
    assert conversation.turns_completed == 3
    events = read_events(experiment_dir / "conv_exp00001_0001_events.jsonl")
    on_disk = {(e["turn_number"], e["agent_id"]): e["content"]
               for e in events if e["event_type"] == "MessageCompleteEvent"}
    assert len(on_disk) == 6
    assert shown == on_disk, "the screen should show exactly the recorded messages"
    assert not any(e["event_type"] == "MessageChunkEvent" for e in events)
    tokens = sum(e["input_tokens"] + e["output_tokens"] for e in events
                 if e["event_type"] == "TokenUsageEvent")
    assert experiment.tokens == tokens == manifest.total_tokens


async def test_a_long_conversation_keeps_only_the_last_screenful_mounted(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await run_instant_pair(pilot, 40)
        views = list(app.screen.query(MessageView))
        deck = app.screen.view
        filled = deck.max_scroll_y > 0
        note = static_text(pilot, "#collapsed-note")
    turns = sorted({view.turn for view in views})
    assert filled, "the mounted turns fill the screen"
    assert turns == list(range(turns[0], 41)) and len(views) == 2 * len(turns)
    assert len(turns) < 12, "only what fills the screen, not every turn in memory"
    assert f"{turns[0] - 1} earlier turns not shown" in note
