"""One conversation on the live screen: only what fills the screen is mounted.

Opening or switching to a conversation mounts its last turns until they fill the visible height
(measured from the text, before layout), whatever the conversation's length; scrolling up to the
top mounts the turns before them, a screenful at a time: from the store's resident turns, then
from the conversation's record on disk (read through `ConversationRecord`, as the transcript
view reads it, on a worker thread) for the turns the store no longer holds. A line above the
messages says how many turns are not shown. `ConversationDeck` scrolls the view and keeps it
mounted while other conversations are shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

from pidgin_tui.core.events import FIRST_TURN
from pidgin_tui.core.types import AgentId
from pidgin_tui.tui.recorded_turns import RecordedTurns
from pidgin_tui.tui.state import ConversationState, MessageState
from pidgin_tui.tui.widgets.message_view import MessageView

HEADER_LINES = 2
"""Rows of a message besides its text: the header line and the margin below."""
MESSAGE_CHROME = 3
"""Columns of a message besides its text: the left border and the padding."""
EMPTY_TEXT = ("No conversation yet.\n\nPress [b]F2[/b] to design an experiment, or "
              "[b]ctrl+r[/b] to launch the setup form as it is (local:test × local:test).")


class ConversationView(Vertical):
    """Messages of one conversation, kept in step with the `RunStore`."""

    DEFAULT_CSS = """
    ConversationView { height: auto; }
    ConversationView > #collapsed-note { color: $text-muted; text-style: italic; display: none; }
    ConversationView > #collapsed-note.-visible { display: block; }
    ConversationView > #prompt-note { color: $text-muted; padding: 0 1; margin-bottom: 1;
                                      border-left: thick $foreground 30%; }
    ConversationView > #end-note { color: $text-warning; text-style: bold; padding: 0 1; }
    """

    def __init__(self, *, thinking_open: bool = False,
                 following: Callable[[], bool] = lambda: True,
                 record_file: Callable[[ConversationState], Path | None] = lambda _: None,
                 ) -> None:
        super().__init__()
        self._following = following
        """Whether the scrolling parent shows the bottom and follows new text."""
        self._record_file = record_file
        """Where a conversation's record is (None: nowhere to read the turns the store let go)."""
        self._recorded: RecordedTurns | None = None
        """The record read for the turns before the store's, once scrolling up needed them."""
        self._record_exhausted = False
        """The record holds no turn before the mounted ones."""
        self.conversation_id: str | None = None
        self._views: dict[tuple[int, str], MessageView] = {}
        self._spares: list[MessageView] = []
        """Views of the conversation shown before, top to bottom, while `show` refills them."""
        self._first_turn = 0
        """The earliest mounted turn (0 before any)."""
        self._conversation: ConversationState | None = None
        self._prompt_text = ""
        self.thinking_open = thinking_open
        """Thinking of every message, shown and yet to come, is unfolded."""

    @property
    def conversation(self) -> ConversationState | None:
        """The conversation shown (None: how to start one)."""
        return self._conversation

    def compose(self) -> ComposeResult:
        yield Static("", id="collapsed-note")
        yield Static(EMPTY_TEXT, id="prompt-note")
        yield Static("", id="end-note")

    async def show(self, conversation: ConversationState | None) -> None:
        """Replace what is shown by `conversation` (None shows how to start one). The message
        views shown so far are refilled with the new messages rather than mounted anew."""
        self._spares = list(self.query_children(MessageView))
        self._views.clear()
        self._first_turn = 0
        self._prompt_text = ""
        self._recorded, self._record_exhausted = None, False
        self._conversation = conversation
        self.conversation_id = None if conversation is None else conversation.conversation_id
        if conversation is None:
            self.query_one("#prompt-note", Static).update(EMPTY_TEXT)
            self.query_one("#end-note", Static).update("")
            self.query_one("#collapsed-note", Static).remove_class("-visible")
        else:
            await self.sync(conversation, trim=True)
        spares, self._spares = self._spares, []
        for view in spares:
            await view.stop_streams()
        if spares:
            await self.remove_children(spares)

    def _show_prompt(self, conversation: ConversationState) -> None:
        """The opening prompt (a view built before its conversation started has none yet)."""
        prompt = self.query_one("#prompt-note", Static)
        text = f"[b]Opening prompt[/b]\n{_escape(conversation.prompt) or '(none)'}"
        if text != self._prompt_text:
            self._prompt_text = text
            prompt.update(text)

    async def catch_up(self, conversation: ConversationState) -> None:
        """Show what arrived while this view was hidden: only the conversation on screen gets
        streamed text, so a message that streamed meanwhile is rewritten from the store. The
        view is shown at its bottom, so turns above the last screenful are unmounted."""
        for (turn, agent_id), view in list(self._views.items()):
            message = conversation.turns.get(turn, {}).get(agent_id)
            if message is None or view.complete or view.ended_by is not None:
                continue
            await view.restart()
            await view.add_chunks(0, list(message.thinking_chunks), True)
            await view.add_chunks(0, list(message.chunks), False)
            if message.complete:
                await view.finish(message)
        await self.sync(conversation, trim=True)

    async def close(self) -> None:
        """Stop the message streams and remove this view (it left the deck)."""
        for view in list(self._views.values()):
            await view.stop_streams()
        await self.remove()

    def _viewport(self) -> tuple[int, int]:
        """(width, height) the messages' text is laid out in: the scrolling parent's, or the
        screen's before the first layout (larger, so never too few turns are mounted)."""
        parent = self.parent
        size = parent.scrollable_content_region.size \
            if isinstance(parent, Widget) and parent.size else self.app.size
        return max(1, size.width - MESSAGE_CHROME), size.height

    def _screenful(self, messages: Mapping[int, Mapping[str, MessageState]],
                   turns: list[int]) -> list[int]:
        """The last of `turns` (ascending, keys of `messages`) that fill the view's height. A
        turn takes at least a header and margin per message, and a line of text per `width`
        characters (a line never holds more)."""
        width, need = self._viewport()
        for index in range(len(turns) - 1, -1, -1):
            need -= sum(HEADER_LINES + len(message.text) // width
                        for message in messages[turns[index]].values())
            if need <= 0:
                return turns[index:]
        return turns

    async def sync(self, conversation: ConversationState, *, trim: bool | None = None) -> None:
        """Mount views for new messages; with `trim` (by default: while the view follows its
        bottom), drop the views of turns above the last screenful. Turns mounted above the
        store's stay while the user reads them (their text is complete)."""
        if trim is None:
            trim = self._following()
        # Snapshot first: the run keeps changing the store while this method awaits.
        self._conversation = conversation
        resident = sorted(conversation.turns)
        last_screen = self._screenful(conversation.turns, resident)
        if trim or not self._first_turn or not last_screen:
            first = last_screen[0] if last_screen else 0
        else:
            first = min(self._first_turn, last_screen[0])
        turns = [turn for turn in resident if turn >= first]
        window = [(turn, list(conversation.turns[turn].items())) for turn in turns]
        self._first_turn = first
        for key in [k for k in self._views if k[0] < first]:
            view = self._views.pop(key, None)
            if view is None:
                continue  # another call removed it while this one awaited
            await view.stop_streams()
            await view.remove()
        new_views = await self._new_views(conversation, window)
        notes = self.query("#end-note")
        if not notes:  # composed, so gone only while the view is removed (the app is closing)
            return
        if new_views:
            await self.mount_all(new_views, before=notes.first(Static))
        self._show_prompt(conversation)
        self._update_note(conversation)
        self.show_end(conversation)

    @property
    def can_reveal(self) -> bool:
        """Turns before the mounted ones are in the store, or may be in the record (scrolling
        up shows them)."""
        conversation = self._conversation
        if conversation is None or not self._first_turn or self._spares:
            return False  # (spares: `show` is refilling the view with another conversation)
        return any(turn < self._first_turn for turn in conversation.turns) or (
            self._first_turn > FIRST_TURN and not self._record_exhausted and
            self._record_file(conversation) is not None)

    async def earlier_screenful(self) -> dict[int, dict[str, MessageState]]:
        """The screenful of turns just before the mounted ones (empty: there are none), from
        the store, else from the record."""
        conversation = self._conversation
        if conversation is None or not self.can_reveal:
            return {}
        source: Mapping[int, Mapping[str, MessageState]] = {
            turn: messages for turn, messages in conversation.turns.items()
            if turn < self._first_turn}
        if not source:
            source = await self._recorded_before(conversation, self._first_turn)
            self._record_exhausted = not source
            if conversation is not self._conversation:
                return {}  # the view was refilled with another conversation meanwhile
        turns = self._screenful(source, sorted(source))
        return {turn: dict(source[turn]) for turn in turns}

    async def mount_earlier(self, earlier: dict[int, dict[str, MessageState]]) -> None:
        """Mount the turns of `earlier_screenful` above the mounted ones."""
        conversation = self._conversation
        if conversation is None or not earlier or min(earlier) >= self._first_turn:
            return
        self._first_turn = min(earlier)
        new_views = await self._new_views(
            conversation, [(turn, list(earlier[turn].items())) for turn in sorted(earlier)])
        above = self.query_children(MessageView)
        await self.mount_all(new_views, before=above.first() if above else
                             self.query_one("#end-note", Static))
        self._update_note(conversation)

    async def _recorded_before(self, conversation: ConversationState,
                               turn: int) -> dict[int, dict[str, MessageState]]:
        """The turns before `turn` in the conversation's record (none without one)."""
        path = self._record_file(conversation)
        if path is None:
            return {}
        recorded = self._recorded
        if recorded is None or recorded.path != path:
            recorded = RecordedTurns(path)
        turns = await recorded.before(turn)
        if conversation is self._conversation:
            self._recorded = recorded
        return turns

    async def _new_views(self, conversation: ConversationState,
                         window: list[tuple[int, list[tuple[str, MessageState]]]],
                         ) -> list[MessageView]:
        """Views for the messages of `window` that have none yet: spare views refilled in
        their order (they are mounted, top to bottom), then new ones (registered, not
        mounted)."""
        new_views: list[MessageView] = []
        for turn, messages in window:
            for agent_id, message in messages:
                if (turn, agent_id) in self._views:
                    continue
                name = conversation.agents[agent_id].name
                if self._spares and not new_views:
                    view = self._spares.pop(0)
                    await view.refill(message, name, thinking_open=self.thinking_open)
                else:
                    view = MessageView(message, name, thinking_open=self.thinking_open)
                    new_views.append(view)
                self._views[(turn, agent_id)] = view
        return new_views

    def _update_note(self, conversation: ConversationState) -> None:
        """One line above the messages: how many turns are not shown, and where they are."""
        above = sorted(turn for turn in conversation.turns if turn < self._first_turn)
        resident_first = min(conversation.turns, default=self._first_turn)
        recorded_shown = len({turn for turn, _ in self._views if turn < resident_first})
        collapsed = max(0, conversation.collapsed_turns - recorded_shown)
        hidden = collapsed + len(above)
        note = self.query_one("#collapsed-note", Static)
        note.set_class(hidden > 0, "-visible")
        text = f"… {hidden} earlier turn{'s' if hidden != 1 else ''} not shown"
        if collapsed and self.can_reveal:
            text += f" · scroll up for turns {self._first_turn - hidden}–{self._first_turn - 1}"
        elif above:
            text += f" · scroll up for turns {above[0]}–{above[-1]}"
        if collapsed and not self.can_reveal:
            text += " · the full transcript is in the experiment's JSONL"
        note.update(text)

    def show_end(self, conversation: ConversationState) -> None:
        text = ""
        if conversation.finished:
            text = f"■ Conversation {conversation.status}: {conversation.end_reason}"
            if conversation.error:
                text += f" — {_escape(conversation.error)}"
            reason = conversation.error or f"{conversation.status}: {conversation.end_reason}"
            for view in self._views.values():
                if not view.complete:
                    self.run_worker(view.end_incomplete(reason), group="end-incomplete",
                                    exit_on_error=False)
        self.query_one("#end-note", Static).update(text)

    async def add_chunks(self, conversation: ConversationState, agent_id: AgentId, turn: int,
                         chunk_index: int, texts: list[str], thinking: bool) -> None:
        view = self._views.get((turn, agent_id))
        if view is None:
            await self.sync(conversation)
            view = self._views.get((turn, agent_id))
            if view is None:
                return  # a turn already outside the window
        await view.add_chunks(chunk_index, texts, thinking)

    async def finish_message(self, conversation: ConversationState, agent_id: AgentId,
                             turn: int) -> None:
        view = self._views.get((turn, agent_id))
        if view is None:
            await self.sync(conversation)
            view = self._views.get((turn, agent_id))
        message = conversation.turns.get(turn, {}).get(agent_id)
        if view is not None and message is not None:
            await view.finish(message)

    async def restart_message(self, agent_id: AgentId, turn: int) -> None:
        """A retry: clear what the failed attempt streamed."""
        view = self._views.get((turn, agent_id))
        if view is not None:
            await view.restart()

    def fold_thinking(self, collapsed: bool) -> None:
        self.thinking_open = not collapsed
        for view in self._views.values():
            view.fold_thinking(collapsed)


def _escape(text: str) -> str:
    from textual.markup import escape

    return escape(text)
