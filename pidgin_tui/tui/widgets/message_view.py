"""One agent's message: a header, a folding thinking section and a streamed Markdown body."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Collapsible, Markdown, Static
from textual.widgets.markdown import MarkdownStream

from pidgin_tui.tui.state import MessageState
from pidgin_tui.tui.widgets.message_body import MessageBody


class MessageView(Vertical):
    """Streams fragments into its Markdown through `Markdown.get_stream()`.

    `chunk_index` makes writes idempotent: a view created from the store already holds every
    fragment received so far, and skips queued fragments it has already shown.
    """

    DEFAULT_CSS = """
    MessageView {
        height: auto;
        margin: 0 0 1 0;
        padding: 0 1;
        border-left: thick $primary;
    }
    MessageView.agent_b { border-left: thick $secondary; }
    MessageView > .message-header { color: $primary; text-style: bold; }
    MessageView.agent_b > .message-header { color: $secondary; }
    MessageView > Markdown { margin: 0; padding: 0; }
    MessageView > Collapsible { border: none; padding: 0; margin: 0; background: transparent; }
    MessageView > Collapsible Markdown { color: $text-muted; padding: 0; margin: 0; }
    MessageView.-streaming > .message-header { text-style: bold italic; }
    MessageView > .message-error { color: $text-error; text-style: bold; }
    """

    def __init__(self, state: MessageState, agent_name: str, *,
                 thinking_open: bool = False) -> None:
        super().__init__(classes=state.agent_id)
        self._stream: MarkdownStream | None = None
        self._thinking_stream: MarkdownStream | None = None
        self._take(state, agent_name, thinking_open)
        self._initial_text = state.text
        self._initial_thinking = state.thinking

    def _take(self, state: MessageState, agent_name: str, thinking_open: bool) -> None:
        """Take on the figures of `state` (drawing them is the caller's job)."""
        self.thinking_open = thinking_open
        """Thinking starts unfolded (the live screen's `t` applies to messages yet to come)."""
        self.ended_by: str | None = None
        """Why the message stopped before it was complete (its conversation failed)."""
        self.agent_id = state.agent_id
        self.turn = state.turn
        self._agent_name = agent_name
        self.written = len(state.chunks)
        self.thinking_written = len(state.thinking_chunks)
        self.complete = state.complete

    async def refill(self, state: MessageState, agent_name: str, *,
                     thinking_open: bool = False) -> None:
        """Show another message in this view, as a new view of `state` would, rewriting the
        widgets it has rather than mounting new ones (a switch to a conversation reuses the
        views of one no longer shown)."""
        await self.stop_streams()
        if self.agent_id != state.agent_id:
            self.remove_class(self.agent_id)
            self.add_class(state.agent_id)
        self._take(state, agent_name, thinking_open)
        self.set_class(not self.complete, "-streaming")
        self.query_one(".message-header", Static).update(self._header())
        await self.query(".message-error").remove()
        folds = self.query(Collapsible)
        if state.thinking:
            markdown = await self._thinking_markdown()
            await markdown.replace(state.thinking)
            self.query_one(Collapsible).collapsed = not thinking_open
        elif folds:
            await folds.remove()
        await self.query_one(".body", MessageBody).replace(state.text)

    def compose(self) -> ComposeResult:
        yield Static(self._header(), classes="message-header")
        if self._initial_thinking:
            with Collapsible(title="thinking", collapsed=not self.thinking_open):
                yield MessageBody(self._initial_thinking, classes="thinking")
        yield MessageBody(self._initial_text, classes="body")

    def on_mount(self) -> None:
        self.set_class(not self.complete, "-streaming")

    def _header(self) -> str:
        status = "" if self.complete or self.ended_by else " ▍"
        return f"{self._agent_name} · turn {self.turn}{status}"

    async def end_incomplete(self, reason: str) -> None:
        """The conversation ended while this message streamed: drop the cursor, say why."""
        await self.stop_streams()
        if self.complete or not self._live or self.ended_by is not None:
            return
        self.ended_by = reason
        self.remove_class("-streaming")
        self.query_one(".message-header", Static).update(self._header())
        await self.mount(Static(f"✗ {reason}", classes="message-error", markup=False))

    async def add_chunks(self, chunk_index: int, texts: list[str], thinking: bool) -> None:
        """Append fragments `chunk_index`… unless they are already shown."""
        written = self.thinking_written if thinking else self.written
        skip = written - chunk_index
        if skip >= len(texts) or not self._live:
            return
        text = "".join(texts[max(0, skip):])
        if thinking:
            self.thinking_written = chunk_index + len(texts)
            if self._thinking_stream is None:
                self._thinking_stream = Markdown.get_stream(await self._thinking_markdown())
            await self._thinking_stream.write(text)
            return
        self.written = chunk_index + len(texts)
        if self._stream is None:
            self._stream = Markdown.get_stream(self.query_one(".body", Markdown))
        await self._stream.write(text)

    async def _thinking_markdown(self) -> MessageBody:
        found = self.query(".thinking")
        if found:
            return found.first(MessageBody)
        markdown = MessageBody("", classes="thinking")
        await self.mount(Collapsible(markdown, title="thinking",
                                     collapsed=not self.thinking_open),
                         before=self.query_one(".body"))
        return markdown

    @property
    def _live(self) -> bool:
        """False while the view is being removed (its turn left the window, or the app is
        shutting down with messages still queued)."""
        return self.is_attached and not self._closing and bool(self.query(".body"))

    async def finish(self, state: MessageState) -> None:
        """The message is complete: flush the streams and make sure the final text is shown."""
        await self.stop_streams()
        if not self._live:
            return
        self.complete = True
        self.remove_class("-streaming")
        self.query_one(".message-header", Static).update(self._header())
        if self.written < len(state.chunks) or (not state.chunks and state.text):
            await self.query_one(".body", MessageBody).replace(state.text)
        if state.thinking and self.thinking_written == 0:
            markdown = await self._thinking_markdown()
            await markdown.replace(state.thinking)

    async def restart(self) -> None:
        """Forget everything shown: a retried request streams its message from the start."""
        await self.stop_streams()
        self.written = self.thinking_written = 0
        if not self._live:
            return
        await self.query_one(".body", MessageBody).replace("")
        await self.query(Collapsible).remove()

    async def stop_streams(self) -> None:
        for stream in (self._stream, self._thinking_stream):
            if stream is not None:
                await stream.stop()
        self._stream = self._thinking_stream = None

    def fold_thinking(self, collapsed: bool) -> None:
        self.thinking_open = not collapsed
        for collapsible in self.query(Collapsible):
            collapsible.collapsed = collapsed
