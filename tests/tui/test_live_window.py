"""The live screen mounts what fills the screen, not the whole conversation: a switch to a long
conversation mounts its last screenful, and scrolling up to the top mounts the turns before."""

from __future__ import annotations

from pathlib import Path

from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.events import (
    ConversationStartEvent,
    MessageCompleteEvent,
    TurnCompleteEvent,
    TurnStartEvent,
)
from pidgin_tui.experiments.synthetic import conversation_events
from pidgin_tui.tui.bridge import Bridge
from pidgin_tui.tui.state import RESIDENT_TURNS
from pidgin_tui.tui.widgets.conversation_deck import ConversationDeck
from pidgin_tui.tui.widgets.conversation_view import ConversationView
from pidgin_tui.tui.widgets.message_view import MessageView

from .conftest import SIZE
from .helpers import run_instant_pair, static_text, wait_until

TURNS = 200
WORDS = 60
"""About six lines a message in the live screen's conversation column at SIZE."""
SHOWN = (ConversationStartEvent, TurnStartEvent, MessageCompleteEvent, TurnCompleteEvent)


async def fill(app, conversations: int = 2, *, thinking: bool = False) -> list[str]:
    """Conversations of TURNS turns in the store, published through a real Bridge."""
    ids = [f"long_{number:04d}" for number in range(1, conversations + 1)]
    app.store.add_experiment("long", "long", ids, {
        "agent_a": ("local:test", 1_000_000), "agent_b": ("local:test", 1_000_000)})
    bus = EventBus()
    Bridge(bus, app.store, app.hub)
    for conversation_id in ids:
        for event in conversation_events("long", conversation_id, TURNS, words=WORDS,
                                         ended=False, thinking=thinking):
            if isinstance(event, SHOWN):
                await bus.publish(event)
    return ids


def mounted(app) -> list[tuple[int, str]]:
    """(turn, agent) of the messages mounted for the conversation on screen, top to bottom."""
    return [(view.turn, view.agent_id) for view in app.screen.view.current.query(MessageView)]


def in_order(turns: list[int]) -> bool:
    """Consecutive turns, each with both agents, A before B (the synthetic speaking order)."""
    expected = [(turn, agent) for turn in range(turns[0], turns[-1] + 1)
                for agent in ("agent_a", "agent_b")]
    return turns == sorted(set(turns)) and expected == [
        (turn, agent) for turn in turns for agent in ("agent_a", "agent_b")]



async def reveal_earlier(pilot, app, deck: ConversationDeck) -> None:  # type: ignore[no-untyped-def]
    """Scroll to the top and wait until earlier turns are mounted: they come in order, and
    the text that was at the top stays in view (the scroll moved by the new height)."""
    top = mounted(app)[0]
    deck.scroll_home(animate=False)
    await wait_until(pilot, lambda: mounted(app)[0] != top and not deck.revealing,
                     "earlier turns to be mounted")
    await pilot.pause(0.05)
    assert in_order([turn for turn, _ in mounted(app)][::2])
    view = next(v for v in deck.current.query(MessageView) if (v.turn, v.agent_id) == top)
    assert deck.region.y <= view.region.y < deck.region.bottom, \
        "the text read before stays in view"

async def test_a_switch_to_a_200_turn_conversation_mounts_only_the_last_screenful(
        make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await fill(app)
        await pilot.pause(0.1)
        await pilot.press("n")
        await pilot.pause(0.1)
        assert "Conversation 2 of 2" in static_text(pilot, "#conversation-line")
        shown = mounted(app)
        deck = app.screen.query_one(ConversationDeck)
        # A screenful is 36 rows; a message takes 8: five messages fill it, and the turn that
        # crosses the top is mounted whole.
        assert len(shown) <= 8, f"{len(shown)} messages mounted for one screen"
        assert shown[-1] == (TURNS, "agent_b")
        assert in_order([turn for turn, _ in shown][::2])
        assert len(app.screen.view.current.query("*")) <= 40
        assert deck.max_scroll_y > 0 and deck.scroll_y == deck.max_scroll_y, \
            "the screen is full and shows the newest text"


async def test_scrolling_up_reveals_the_earlier_turns_in_order(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        [conversation_id, _] = await fill(app)
        await pilot.pause(0.1)
        await app.screen.show_conversation(app.store.conversation(conversation_id))
        await pilot.pause(0.1)
        deck = app.screen.query_one(ConversationDeck)
        first = mounted(app)
        first_turn = first[0][0]
        assert "scroll up for turns" in static_text(pilot, "#collapsed-note")
        resident = sorted(app.store.conversation(conversation_id).turns)
        reveals = 0
        while mounted(app)[0][0] > resident[0]:
            await reveal_earlier(pilot, app, deck)
            reveals += 1
            assert mounted(app)[-len(first):] == first, "the turns shown before stay, below"
            assert deck.scroll_y > 0
        assert reveals >= 2, "a screenful at a time, not everything at once"
        assert mounted(app)[0] == (resident[0], "agent_a")
        assert len(resident) == RESIDENT_TURNS and first_turn > resident[0]
        note = static_text(pilot, "#collapsed-note")
        assert f"{resident[0] - 1} earlier turns not shown" in note
        assert "scroll up" not in note and "JSONL" in note


async def test_coming_back_to_a_conversation_shows_its_last_screenful_again(make_app) -> None:
    """Turns revealed by scrolling up are let go once the conversation is left: a switch back
    costs a screenful, whatever the user scrolled through before."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await fill(app)
        await pilot.pause(0.1)
        first = mounted(app)
        deck = app.screen.query_one(ConversationDeck)
        top = first[0]
        deck.scroll_home(animate=False)
        await wait_until(pilot, lambda: mounted(app)[0] != top and not deck.revealing,
                         "earlier turns to be mounted")
        assert len(mounted(app)) > len(first)
        await pilot.press("n")
        await pilot.press("p")
        await pilot.pause(0.1)
        assert mounted(app) == first
        assert deck.scroll_y == deck.max_scroll_y


async def test_the_next_conversation_is_built_while_the_user_reads(make_app) -> None:
    """Left on a conversation for a moment, the screen builds the views `n` and `p` show, out
    of sight: the switch then flips to a ready view instead of building one."""

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        ids = await fill(app, conversations=4)
        await pilot.pause(0.1)
        deck = app.screen.query_one(ConversationDeck)

        def kept() -> dict[str | None, ConversationView]:
            return {view.conversation_id: view for view in deck.query(ConversationView)}

        await wait_until(pilot, lambda: {ids[1], ids[3]} <= set(kept()),
                         "the neighbours' views to be built")
        prepared = kept()[ids[1]]
        assert not prepared.display
        await pilot.press("n")
        await pilot.pause(0.1)
        assert deck.current is prepared and prepared.display
        # Built when it was shorter or not: it is caught up with the store, a screenful.
        assert mounted(app)[-1] == (TURNS, "agent_b") and len(mounted(app)) <= 8
        assert "Conversation 2 of 4" in static_text(pilot, "#conversation-line")
        await wait_until(pilot, lambda: ids[2] in kept(), "the next neighbour's view")


async def test_turns_revealed_after_t_show_their_thinking_unfolded(make_app) -> None:
    from textual.widgets import Collapsible

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await fill(app, thinking=True)
        await pilot.pause(0.1)
        deck = app.screen.query_one(ConversationDeck)
        await pilot.press("t")
        folds = len(app.screen.view.current.query(Collapsible))
        top = mounted(app)[0]
        deck.scroll_home(animate=False)
        await wait_until(pilot, lambda: mounted(app)[0] != top and not deck.revealing,
                         "earlier turns to be mounted")
        revealed = list(app.screen.view.current.query(Collapsible))
        assert len(revealed) > folds and not any(fold.collapsed for fold in revealed)


async def test_a_view_built_before_its_conversation_started_shows_its_prompt(make_app) -> None:
    from .scripted import EXPERIMENT_ID, STAMP, Script

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        script = Script(app, conversations=2)
        await script.start()
        second = f"{EXPERIMENT_ID}_0002"
        deck = app.screen.query_one(ConversationDeck)
        await wait_until(pilot, lambda: any(view.conversation_id == second
                                            for view in deck.query(ConversationView)),
                         "the next conversation's view to be built")
        await script.bus.publish(ConversationStartEvent(
            experiment_id=EXPERIMENT_ID, conversation_id=second, timestamp=STAMP,
            agent_a_model="local:test", agent_b_model="local:test",
            initial_prompt="A second opening, about tides.", max_turns=3))
        await pilot.press("n")
        await pilot.pause(0.1)
        assert deck.current is not None and deck.current.conversation_id == second
        assert "about tides" in str(deck.current.query_one("#prompt-note").render())


def shown_text(app) -> dict[tuple[int, str], tuple[str, str]]:
    """(header, text drawn by the body's blocks) of each message of the conversation on
    screen."""
    from textual.widgets.markdown import MarkdownBlock

    return {(view.turn, view.agent_id): (
        static_text_of(view.query_one(".message-header")),
        " ".join(static_text_of(block) for block in view.query_one(".body").query(MarkdownBlock)))
        for view in app.screen.view.current.query(MessageView)}


def static_text_of(widget) -> str:
    return str(widget.render())


async def test_switches_without_a_kept_view_refill_the_widgets_with_the_right_messages(
        make_app, monkeypatch) -> None:
    """A switch to a conversation that has no view rewrites message widgets already mounted
    (the ones on screen while the deck has room, else the least recently shown view's)
    instead of mounting new ones; every switch shows exactly the new conversation's last
    screenful, thinking folds and error lines of the old one gone."""
    from textual.widgets import Collapsible

    from pidgin_tui.tui.screens import live
    from pidgin_tui.tui.widgets.conversation_deck import KEPT_VIEWS

    monkeypatch.setattr(live, "PREPARE_AFTER_S", 3600.0)  # every switch finds no view
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        ids = await fill(app, conversations=KEPT_VIEWS + 3, thinking=True)
        # One conversation without thinking, whose view is refilled from one with it.
        store = app.store.conversation(ids[1])
        for messages in store.turns.values():
            for message in messages.values():
                message.thinking_chunks.clear()
        await pilot.pause(0.1)
        deck = app.screen.query_one(ConversationDeck)
        refilled = 0
        for conversation_id in ids[1:]:
            before = {id(view) for view in deck.query(MessageView)}
            await pilot.press("n")
            await wait_until(pilot, lambda c=conversation_id: deck.conversation_id == c,
                             "the switch")
            await pilot.pause(0.05)
            conversation = app.store.conversation(conversation_id)
            shown = shown_text(app)
            assert list(shown)[-1] == (TURNS, "agent_b")
            assert in_order([turn for turn, _ in shown][::2])
            for (turn, agent_id), (header, text) in shown.items():
                message = conversation.turns[turn][agent_id]
                name = "Ada" if agent_id == "agent_a" else "Bo"
                assert header == f"{name} · turn {turn}" and text == message.text
            folds = app.screen.view.current.query(Collapsible)
            assert len(folds) == (0 if conversation_id == ids[1] else len(shown))
            current = {id(view) for view in app.screen.view.current.query(MessageView)}
            refilled += bool(current & before)
        assert refilled == len(ids) - 1, "every switch reused mounted message widgets"


async def test_scrolling_up_past_the_turns_in_memory_reads_them_from_the_record(
        make_app) -> None:
    """The store keeps the last 12 turns of a 40-turn conversation; scrolling up past them
    reads the turns before from the conversation's JSONL, a screenful at a time, keeping the
    text being read in view, until turn 1 is on screen, as recorded."""
    from .conftest import read_events

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await run_instant_pair(pilot, 40)
        deck = app.screen.query_one(ConversationDeck)
        conversation = app.store.conversation(deck.conversation_id)
        assert min(conversation.turns) == 40 - RESIDENT_TURNS + 1
        assert "scroll up for turns 1–" in static_text(pilot, "#collapsed-note")
        reveals = 0
        while mounted(app)[0] != (1, "agent_a") and deck.current.can_reveal and reveals < 40:
            await reveal_earlier(pilot, app, deck)
            reveals += 1
        assert mounted(app)[0] == (1, "agent_a"), "scrolling up reaches turn 1"
        assert reveals > 2, "a screenful at a time"
        deck.scroll_home(animate=False)
        await pilot.pause(0.1)
        first = next(v for v in deck.current.query(MessageView) if v.turn == 1)
        assert deck.region.y <= first.region.y < deck.region.bottom, "turn 1 is on screen"
        header, _ = shown_text(app)[(1, "agent_a")]
        text = next(v for v in deck.current.query(MessageView)
                    if (v.turn, v.agent_id) == (1, "agent_a")).query_one(".body").source
        assert not deck.current.can_reveal
        assert not deck.current.query_one("#collapsed-note").has_class("-visible")
        experiment_dir = Path(app.store.experiments[conversation.experiment_id].output_dir)
    recorded = [event for event in read_events(
        experiment_dir / f"conv_{conversation.conversation_id}_events.jsonl")
        if event["event_type"] == "MessageCompleteEvent"]
    assert header.endswith("· turn 1")
    assert text == next(e["content"] for e in recorded
                        if e["turn_number"] == 1 and e["agent_id"] == "agent_a")
