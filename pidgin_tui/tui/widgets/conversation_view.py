"""One conversation on the live screen: the last few turns mounted, older ones collapsed into
one line. `ConversationDeck` scrolls it and keeps it mounted while other conversations are shown.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from pidgin_tui.core.types import AgentId
from pidgin_tui.tui.state import ConversationState
from pidgin_tui.tui.widgets.message_view import MessageView

MOUNTED_TURNS = 6
"""Turns kept as widgets; a 1,000-turn conversation keeps the screen as light as a short one."""
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

    def __init__(self, *, thinking_open: bool = False) -> None:
        super().__init__()
        self.conversation_id: str | None = None
        self._views: dict[tuple[int, str], MessageView] = {}
        self.thinking_open = thinking_open
        """Thinking of every message, shown and yet to come, is unfolded."""

    def compose(self) -> ComposeResult:
        yield Static("", id="collapsed-note")
        yield Static(EMPTY_TEXT, id="prompt-note")
        yield Static("", id="end-note")

    async def show(self, conversation: ConversationState | None) -> None:
        """Replace what is shown by `conversation` (None shows how to start one)."""
        for view in list(self._views.values()):
            await view.stop_streams()
        await self.remove_children(MessageView)
        self._views.clear()
        self.conversation_id = None if conversation is None else conversation.conversation_id
        prompt = self.query_one("#prompt-note", Static)
        if conversation is None:
            prompt.update(EMPTY_TEXT)
            self.query_one("#end-note", Static).update("")
            self.query_one("#collapsed-note", Static).remove_class("-visible")
            return
        prompt.update(f"[b]Opening prompt[/b]\n{_escape(conversation.prompt) or '(none)'}")
        await self.sync(conversation)

    async def catch_up(self, conversation: ConversationState) -> None:
        """Show what arrived while this view was hidden: only the conversation on screen gets
        streamed text, so a message that streamed meanwhile is rewritten from the store."""
        for (turn, agent_id), view in list(self._views.items()):
            message = conversation.turns.get(turn, {}).get(agent_id)
            if message is None or view.complete or view.ended_by is not None:
                continue
            await view.restart()
            await view.add_chunks(0, list(message.thinking_chunks), True)
            await view.add_chunks(0, list(message.chunks), False)
            if message.complete:
                await view.finish(message)
        await self.sync(conversation)

    async def close(self) -> None:
        """Stop the message streams and remove this view (it left the deck)."""
        for view in list(self._views.values()):
            await view.stop_streams()
        await self.remove()

    async def sync(self, conversation: ConversationState) -> None:
        """Mount views for new messages, drop views of turns that scrolled out of the window."""
        # Snapshot first: the run keeps changing the store while this method awaits.
        turns = sorted(conversation.turns)[-MOUNTED_TURNS:]
        window = [(turn, list(conversation.turns[turn].items())) for turn in turns]
        hidden = conversation.collapsed_turns + len(conversation.turns) - len(turns)
        keep = set(turns)
        for key in [k for k in self._views if k[0] not in keep]:
            view = self._views.pop(key)
            await view.stop_streams()
            await view.remove()
        end_note = self.query_one("#end-note", Static)
        new_views = []
        for turn, messages in window:
            for agent_id, message in messages:
                if (turn, agent_id) not in self._views:
                    view = MessageView(message, conversation.agents[agent_id].name,
                                       thinking_open=self.thinking_open)
                    self._views[(turn, agent_id)] = view
                    new_views.append(view)
        if new_views:
            await self.mount_all(new_views, before=end_note)
        note = self.query_one("#collapsed-note", Static)
        note.set_class(hidden > 0, "-visible")
        note.update(f"… {hidden} earlier turn{'s' if hidden != 1 else ''} collapsed "
                    "(the full transcript is in the experiment's JSONL)")
        self.show_end(conversation)

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
