"""The live screen on its own: retries, thinking folds, switching conversations, following."""

from __future__ import annotations

from textual.widgets import Collapsible, Markdown

from pidgin_tui.core.events import MessageChunkEvent, MessageCompleteEvent, MessageRequestEvent
from pidgin_tui.tui.widgets.message_view import MessageView

from .conftest import SIZE
from .helpers import static_text
from .scripted import Script


def bodies(app) -> dict[tuple[int, str], str]:
    return {(v.turn, v.agent_id): v.query_one(".body", Markdown).source
            for v in app.screen.query(MessageView)}


async def test_a_retry_replaces_the_failed_attempts_text(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        script = Script(app)
        await script.start()
        ids = script.ids
        for attempt, pieces in ((1, ["PARTIAL ", "text "]), (2, ["Clean ", "reply."])):
            await script.bus.publish(MessageRequestEvent(
                **ids, agent_id="agent_a", turn_number=0, model="local:test", message_count=1,
                payload_sha256="0", attempt=attempt))
            for index, piece in enumerate(pieces):
                await script.bus.publish(MessageChunkEvent(
                    **ids, agent_id="agent_a", turn_number=0, chunk=piece, chunk_index=index))
            await pilot.pause()
        await script.bus.publish(MessageCompleteEvent(
            **ids, agent_id="agent_a", turn_number=0, content="Clean reply."))
        await pilot.pause(0.1)
        assert bodies(app) == {(0, "agent_a"): "Clean reply."}


async def test_thinking_is_folded_and_t_unfolds_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        script = Script(app)
        await script.start()
        await script.turn(0)
        await pilot.pause(0.1)
        folds = list(app.screen.query(Collapsible))
        assert len(folds) == 1 and folds[0].collapsed
        assert "connect it to borrowing" in folds[0].query_one(Markdown).source
        await pilot.press("t")
        assert not folds[0].collapsed
        await pilot.press("t")
        assert folds[0].collapsed


async def test_n_and_p_move_between_conversations(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        script = Script(app, conversations=2)
        await script.start()
        await script.turn(0)
        await pilot.pause(0.1)
        assert "Conversation 1 of 2" in static_text(pilot, "#conversation-line")
        await pilot.press("n")
        await pilot.pause(0.1)
        line = static_text(pilot, "#conversation-line")
        assert "Conversation 2 of 2" in line and "pinned" in line
        assert bodies(app) == {}
        await pilot.press("p")
        await pilot.pause(0.1)
        assert "Conversation 1 of 2" in static_text(pilot, "#conversation-line")
        assert len(bodies(app)) == 2


async def test_high_convergence_pauses_and_says_so(make_app) -> None:
    from textual.widgets import Input

    from .helpers import press_now, wait_until

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.screen.query_one("#agent_a-input", Input).value = "local:instant"
        app.screen.query_one("#agent_b-input", Input).value = "local:instant"
        app.screen.query_one("#convergence_threshold", Input).value = "0.01"
        app.screen.query_one("#convergence_action").value = "pause"
        await pilot.pause()
        await press_now(pilot, "ctrl+r")
        await wait_until(pilot, lambda: "paused" in static_text(pilot, "#conversation-line"),
                         "the conversation to pause on convergence")
        assert "High convergence" in [n.title for n in app._notifications]
        assert "Turn 1 / 10" in static_text(pilot, "#conversation-line")
        conversation = next(iter(app.store.experiments["exp00001"].conversations.values()))
        assert conversation.turns_completed == 1
        await press_now(pilot, "space")
        await wait_until(pilot, lambda: conversation.turns_completed > 1,
                         "the conversation to go on after resuming")
        await app.stop_all_and_wait()


async def test_an_end_state_shows_as_a_badge_with_its_onset_and_pauses(make_app) -> None:
    """The setup form's end-state action reaches the run: local:instant loops, the loop
    detector pauses the conversation, and the live screen shows the badge with its onset."""
    from textual.widgets import Input

    from pidgin_tui.experiments.monitor_rows import fmt_end_state_badge

    from .helpers import press_now, wait_until

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.screen.query_one("#agent_a-input", Input).value = "local:instant"
        app.screen.query_one("#agent_b-input", Input).value = "local:instant"
        app.screen.query_one("#max_turns", Input).value = "30"
        app.screen.query_one("#convergence_threshold", Input).value = ""
        app.screen.query_one("#end_state_action", Input).value = "continue, loop=pause"
        await pilot.pause()
        await press_now(pilot, "ctrl+r")
        await wait_until(pilot, lambda: "loop since turn" in static_text(
            pilot, "#conversation-line"), "the loop badge on the live screen")
        conversation = next(iter(app.store.experiments["exp00001"].conversations.values()))
        name, onset = conversation.end_states[0]
        assert name == "loop" and fmt_end_state_badge(name, onset) in static_text(
            pilot, "#conversation-line")
        await wait_until(pilot, lambda: "paused" in static_text(pilot, "#conversation-line"),
                         "the conversation to pause on the loop")
        assert "End state" in [n.title for n in app._notifications]
        await app.stop_all_and_wait()
