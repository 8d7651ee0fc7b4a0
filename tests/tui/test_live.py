"""The live screen on its own: retries, thinking folds, switching conversations, following."""

from __future__ import annotations

from textual.widgets import Collapsible, Markdown

from pidgin_tui.core.events import MessageChunkEvent, MessageCompleteEvent, MessageRequestEvent
from pidgin_tui.tui.widgets.conversation_view import ConversationView
from pidgin_tui.tui.widgets.message_view import MessageView

from .conftest import SIZE
from .helpers import form_ready, static_text, wait_until
from .scripted import Script


def bodies(app) -> dict[tuple[int, str], str]:
    """The message texts of the conversation on screen (kept, hidden ones are left out)."""
    return {(v.turn, v.agent_id): v.query_one(".body", Markdown).source
            for v in app.screen.view.current.query(MessageView)}


async def test_a_retry_replaces_the_failed_attempts_text(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        script = Script(app)
        await script.start()
        ids = script.ids
        for attempt, pieces in ((1, ["PARTIAL ", "text "]), (2, ["Clean ", "reply."])):
            await script.bus.publish(MessageRequestEvent(
                **ids, agent_id="agent_a", turn_number=1, model="local:test", message_count=1,
                payload_sha256="0", attempt=attempt))
            for index, piece in enumerate(pieces):
                await script.bus.publish(MessageChunkEvent(
                    **ids, agent_id="agent_a", turn_number=1, chunk=piece, chunk_index=index))
            await pilot.pause()
        await script.bus.publish(MessageCompleteEvent(
            **ids, agent_id="agent_a", turn_number=1, content="Clean reply."))
        await pilot.pause(0.1)
        assert bodies(app) == {(1, "agent_a"): "Clean reply."}


async def test_thinking_is_folded_and_t_unfolds_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        script = Script(app)
        await script.start()
        await script.turn(1)
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
        await script.turn(1)
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


async def test_switching_back_reuses_the_view_and_shows_what_arrived_meanwhile(make_app) -> None:
    """n/p keep a view of the conversation they leave: coming back shows it (nothing built
    on the key press), caught up with the text, turns and end that arrived while another
    conversation was on screen (the screen gets no streamed text for hidden ones)."""
    from pidgin_tui.core.events import ConversationEndEvent

    from .scripted import REPLIES, words

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        script = Script(app, max_turns=2, conversations=2)
        await script.start()
        await script.turn(1, partial_b=3)
        await pilot.pause(0.1)
        kept = {(v.turn, v.agent_id): v for v in app.screen.view.current.query(MessageView)}
        assert set(kept) == {(1, "agent_a"), (1, "agent_b")}
        await pilot.press("n")
        await pilot.pause(0.1)
        assert bodies(app) == {}
        deck = app.screen.view

        def kept_views() -> list[ConversationView]:
            return [view for view in deck.query(ConversationView)
                    if view.conversation_id == script.ids["conversation_id"]]

        await wait_until(pilot, lambda: bool(kept_views()), "the view of the one left")
        [left] = kept_views()
        assert not left.display
        kept = {(v.turn, v.agent_id): v for v in left.query(MessageView)}
        assert set(kept) == {(1, "agent_a"), (1, "agent_b")}
        pieces = words(REPLIES[(1, "agent_b")])
        for index, piece in enumerate(pieces[3:], start=3):
            await script.bus.publish(MessageChunkEvent(
                **script.ids, agent_id="agent_b", turn_number=1, chunk=piece,
                chunk_index=index))
        await script.bus.publish(MessageCompleteEvent(
            **script.ids, agent_id="agent_b", turn_number=1, content=REPLIES[(1, "agent_b")]))
        await script.turn(2)
        await script.bus.publish(ConversationEndEvent(**script.ids, reason="max_turns",
                                                      total_turns=2, status="completed"))
        await pilot.pause(0.1)
        await pilot.press("p")
        await pilot.pause(0.1)
        assert "Conversation 1 of 2" in static_text(pilot, "#conversation-line")
        assert deck.current is left
        shown = {(v.turn, v.agent_id): v for v in left.query(MessageView)}
        assert all(shown[key] is view for key, view in kept.items())
        assert bodies(app) == {key: text for key, text in REPLIES.items() if key[0] <= 2}
        assert all(view.complete for view in shown.values())
        end = app.screen.view.current.query_one("#end-note")
        assert "completed" in str(end.render())


async def test_the_live_screen_keeps_only_a_few_conversations_mounted(make_app) -> None:
    from pidgin_tui.tui.widgets.conversation_deck import KEPT_VIEWS

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        script = Script(app, conversations=KEPT_VIEWS + 2)
        await script.start()
        for _ in range(KEPT_VIEWS + 2):
            await pilot.press("n")
        await pilot.pause(0.1)
        views = list(app.screen.query(ConversationView))
        assert len(views) == KEPT_VIEWS
        assert [view for view in views if view.display] == [app.screen.view.current]
        assert "Conversation 1 of" in static_text(pilot, "#conversation-line")


async def test_while_nothing_changes_only_the_clock_is_redrawn(make_app) -> None:
    """A running experiment redraws its figures on every tick; with nothing new in the store
    the agent panels are left alone (a redraw lays the whole screen out again), while the
    header's clock keeps moving."""
    from pidgin_tui.tui.widgets.agent_panel import AgentPanel

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        script = Script(app)
        await script.start()
        await script.turn(1)
        await pilot.pause(0.3)
        redrawn: list[str] = []
        for panel in app.screen.query(AgentPanel):
            panel.update = lambda *args, _id=panel.agent_id, **kwargs: redrawn.append(_id)
        app.clock.now += 65
        await pilot.pause(0.5)  # a few refresh ticks
        assert "00:01:05" in static_text(pilot, "#experiment-stats")
        assert redrawn == []
        await script.turn(2)
        await pilot.pause(0.3)
        assert sorted(set(redrawn)) == ["agent_a", "agent_b"]


async def test_high_convergence_pauses_and_says_so(make_app) -> None:
    from textual.widgets import Input

    from .helpers import press_now, wait_until

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await form_ready(pilot)
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


async def test_a_failed_turn_ends_its_cursor_and_says_why_inline(make_app) -> None:
    from pidgin_tui.core.events import ConversationEndEvent

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        script = Script(app)
        await script.start()
        await script.turn(1, partial_b=3)
        await pilot.pause(0.1)
        [streaming] = [v for v in app.screen.query(MessageView) if not v.complete]
        assert "▍" in str(streaming.query_one(".message-header").render())
        await script.bus.publish(ConversationEndEvent(
            **script.ids, reason="error", total_turns=0, status="failed",
            error="anthropic: overloaded [keys] (HTTP 529)"))
        await pilot.pause(0.2)
        assert "▍" not in str(streaming.query_one(".message-header").render())
        assert str(streaming.query_one(".message-error").render()) == \
            "✗ anthropic: overloaded [keys] (HTTP 529)"


async def test_unfolded_thinking_stays_unfolded_for_new_turns(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        script = Script(app, max_turns=3)
        await script.start()
        await script.turn(1)
        await pilot.pause(0.1)
        await pilot.press("t")
        await script.bus.publish(MessageRequestEvent(
            **script.ids, agent_id="agent_a", turn_number=2, model="local:test",
            message_count=3, payload_sha256="0" * 64))
        await script.message(2, "agent_b", thinking=True)
        await pilot.pause(0.2)
        folds = list(app.screen.query(Collapsible))
        assert len(folds) == 2 and not any(fold.collapsed for fold in folds)


async def test_the_convergence_panel_says_no_data_yet_instead_of_a_full_bar(make_app) -> None:
    from textual.widgets import Sparkline

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        script = Script(app)
        await script.start()
        await pilot.pause(0.1)
        empty = app.screen.query_one("#convergence-empty")
        sparkline = app.screen.query_one(Sparkline)
        assert empty.display and not sparkline.display
        assert str(empty.render()) == "no data yet"
        await script.turn(1)
        await pilot.pause(0.1)
        assert sparkline.display and not empty.display and sparkline.data == [0.21]


async def test_following_resumes_at_the_bottom(make_app) -> None:
    from pidgin_tui.tui.widgets.conversation_deck import ConversationDeck

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        script = Script(app, max_turns=3)
        await script.start()
        await script.turn(1)
        await script.bus.publish(MessageRequestEvent(
            **script.ids, agent_id="agent_a", turn_number=2, model="local:test",
            message_count=3, payload_sha256="0" * 64))
        chunks = iter(range(1000))

        async def stream(lines: int) -> None:
            await script.bus.publish(MessageChunkEvent(
                **script.ids, agent_id="agent_a", turn_number=2, chunk="A line.\n\n" * lines,
                chunk_index=next(chunks)))
            await pilot.pause(0.2)

        await stream(60)
        view = app.screen.query_one(ConversationDeck)
        assert view.max_scroll_y > 0 and view.scroll_y == view.max_scroll_y
        view.scroll_home(animate=False)  # the user scrolls up: following stops
        await pilot.pause(0.1)
        await stream(20)
        assert view.scroll_y == 0
        # The user scrolls back down; text streaming in meanwhile leaves them a line short.
        view.scroll_to(y=view.max_scroll_y - 1, animate=False)
        await pilot.pause(0.1)
        await stream(20)
        assert view.scroll_y == view.max_scroll_y


async def test_an_end_state_shows_as_a_badge_with_its_onset_and_pauses(make_app) -> None:
    """The setup form's end-state action reaches the run: local:instant loops, the loop
    detector pauses the conversation, and the live screen shows the badge with its onset."""
    from textual.widgets import Input

    from pidgin_tui.tui.screens.live import LiveScreen
    from pidgin_tui.views.format import fmt_end_state_badge

    from .helpers import press_now, wait_until

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await form_ready(pilot)
        app.screen.query_one("#agent_a-input", Input).value = "local:instant"
        app.screen.query_one("#agent_b-input", Input).value = "local:instant"
        app.screen.query_one("#max_turns", Input).value = "30"
        app.screen.query_one("#convergence_threshold", Input).value = ""
        app.screen.query_one("#end_state_action", Input).value = "continue, loop=pause"
        await pilot.pause()
        await press_now(pilot, "ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, LiveScreen), "the live screen")
        await wait_until(pilot, lambda: "loop since turn" in static_text(
            pilot, "#conversation-line"), "the loop badge on the live screen")
        await wait_until(pilot, lambda: any(n.title.startswith("End state")
                                            for n in app._notifications), "the end-state toast")
        conversation = next(iter(app.store.experiments["exp00001"].conversations.values()))
        name, onset = conversation.end_states[0]
        assert name == "loop" and fmt_end_state_badge(name, onset) in static_text(
            pilot, "#conversation-line")
        await wait_until(pilot, lambda: "paused" in static_text(pilot, "#conversation-line"),
                         "the conversation to pause on the loop")
        await app.stop_all_and_wait()


async def test_the_live_line_names_the_turn_under_way_as_the_monitor_does(make_app) -> None:
    """Turn 1 of 40 begun: "Turn 1 / 40" (the monitor's "turn 1 / 40"), not "turn 0"."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        script = Script(app, max_turns=40)
        await script.start()
        await script.message(1, "agent_a", upto=2)
        await pilot.pause(0.1)
        assert "Turn 1 / 40 · running" in static_text(pilot, "#conversation-line")


async def test_a_rate_limited_conversation_shows_its_countdown_until_the_retry(make_app) -> None:
    from pidgin_tui.core.events import RateLimitEvent

    from .conftest import FrozenClock

    clock = FrozenClock()
    app = make_app(clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        script = Script(app)
        await script.start()
        await script.bus.publish(RateLimitEvent(
            **script.ids, agent_id="agent_a", provider="openai", model="openai:x", wait_s=8.0,
            attempt=1, turn_number=1))
        await pilot.pause()
        app.screen.refresh_figures()
        assert "rate limited · retry in 8 s" in static_text(pilot, "#conversation-line")
        clock.now += 5
        app.screen.refresh_figures()
        assert "rate limited · retry in 3 s" in static_text(pilot, "#conversation-line")
        await script.bus.publish(MessageRequestEvent(  # the retry goes out
            **script.ids, agent_id="agent_a", turn_number=1, model="openai:x",
            message_count=1, payload_sha256="0", attempt=2))
        await pilot.pause()
        app.screen.refresh_figures()
        assert "rate limited" not in static_text(pilot, "#conversation-line")
