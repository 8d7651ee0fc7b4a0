"""The live screen's scrolling conversation area: one `ConversationView` per recently shown
conversation stays mounted, and only the one on screen is displayed.

Switching back to a kept conversation (`n`/`p`) flips which view is displayed and catches it up
with the store instead of mounting its messages again, which is most of a switch's cost. A switch
to a conversation without a view refills a mounted one (its message widgets rewritten in place):
the least recently shown view when the deck is full, else the one on screen, whose conversation
is then built again out of sight.

The container is anchored: it follows new text at the bottom, stops following when the user
scrolls up, and follows again once they scroll back to the bottom. A view mounts only its last
screenful of turns; scrolling up to the top mounts the turns before them, keeping the text under
the user's eyes where it was.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from textual.containers import VerticalScroll

from pidgin_tui.core.types import AgentId
from pidgin_tui.tui.state import ConversationState
from pidgin_tui.tui.widgets.conversation_view import ConversationView

KEPT_VIEWS = 6
"""Conversations kept mounted (the one shown and the most recently shown others); each holds
about a screenful of turns, so the deck stays as light as a few screens."""
REVEAL_AT = 1
"""Scrolled this close to the top, the view mounts the turns above."""


class ConversationDeck(VerticalScroll):
    """Shows one conversation at a time; keeps the views of recently shown ones."""

    DEFAULT_CSS = """
    ConversationDeck { padding: 0 1; }
    """

    def __init__(self, id: str | None = None, *,
                 record_file: Callable[[ConversationState], Path | None] = lambda _: None,
                 ) -> None:
        super().__init__(id=id)
        self._record_file = record_file
        """Where a conversation's record is, for the turns the store no longer holds."""
        self._views: OrderedDict[str | None, ConversationView] = OrderedDict()
        """Kept views by conversation id (None: the "nothing yet" view), least recent first."""
        self.current: ConversationView | None = None
        self.thinking_open = False
        """Thinking of every message, shown and yet to come, is unfolded."""
        self._revealing = False
        """Earlier turns are being mounted (and the scroll position kept)."""
        self._building = asyncio.Lock()
        """Held while a view is built or shown: a switch waits for a view being prepared."""

    @property
    def conversation_id(self) -> str | None:
        return None if self.current is None else self.current.conversation_id

    @property
    def revealing(self) -> bool:
        """Earlier turns are being mounted above the top (the scroll position follows)."""
        return self._revealing

    def on_mount(self) -> None:
        self.anchor()

    async def show(self, conversation: ConversationState | None) -> None:
        """Display `conversation` (None shows how to start one), reusing its view if kept."""
        async with self._building:
            key = None if conversation is None else conversation.conversation_id
            view = self._views.pop(key, None)
            if view is None:
                view = await self._refill_oldest(conversation) or \
                    await self._refill_current(conversation) or await self._build(conversation)
            elif conversation is not None:
                await view.catch_up(conversation)
            self._views[key] = view
            with self.app.batch_update():
                for kept in self._views.values():
                    kept.display = kept is view
            self.current = view
            await self._evict()
            self.follow()

    async def prepare(self, conversation: ConversationState) -> None:
        """Build the view of `conversation` out of sight, so a switch to it (`n`/`p`) finds it
        ready; it counts as shown just before the one on screen."""
        async with self._building:
            key = conversation.conversation_id
            if key in self._views or self.current is None:
                return
            self._views[key] = await self._refill_oldest(conversation) or \
                await self._build(conversation)
            self._views.move_to_end(self.current.conversation_id)
            await self._evict()

    async def _refill_oldest(self, conversation: ConversationState | None,
                             ) -> ConversationView | None:
        """With the deck full, the least recently shown view made to show `conversation`
        (refilling rewrites a view's widgets instead of mounting new ones); else None."""
        oldest = next(iter(self._views.values()), None)
        if len(self._views) < KEPT_VIEWS or oldest is None or oldest is self.current:
            return None
        del self._views[oldest.conversation_id]
        return await self._refill(oldest, conversation)

    async def _refill_current(self, conversation: ConversationState | None,
                              ) -> ConversationView | None:
        """The view on screen made to show `conversation`, the one it showed being built
        again out of sight once the switch is drawn (so a switch to a conversation without a
        view refills rather than builds, and going back still finds a view); None if there is
        no view on screen."""
        left = self.current
        if left is None:
            return None
        self._views.pop(left.conversation_id, None)
        left_conversation = left.conversation
        view = await self._refill(left, conversation)
        if left_conversation is not None:
            # Queued on this widget once the frame is drawn, not awaited by the screen's
            # after-refresh callbacks: the build must not hold up anything waiting for the frame.
            self.call_after_refresh(self.call_later, self.prepare, left_conversation)
        return view

    async def _refill(self, view: ConversationView,
                      conversation: ConversationState | None) -> ConversationView:
        view.thinking_open = self.thinking_open
        await view.show(conversation)
        return view

    async def _build(self, conversation: ConversationState | None) -> ConversationView:
        view = ConversationView(thinking_open=self.thinking_open,
                                following=lambda: not self._anchor_released,
                                record_file=self._record_file)
        view.display = False  # filled out of sight, then shown in one step
        await self.mount(view)
        if view.is_mounted:  # not when the deck is being removed (the app is closing)
            await view.show(conversation)
        return view

    async def _evict(self) -> None:
        while len(self._views) > KEPT_VIEWS:
            _, oldest = self._views.popitem(last=False)
            await oldest.close()

    async def sync(self, conversation: ConversationState) -> None:
        if self.current is not None:
            await self.current.sync(conversation)

    def show_end(self, conversation: ConversationState) -> None:
        if self.current is not None:
            self.current.show_end(conversation)

    async def add_chunks(self, conversation: ConversationState, agent_id: AgentId, turn: int,
                         chunk_index: int, texts: list[str], thinking: bool) -> None:
        if self.current is not None:
            await self.current.add_chunks(conversation, agent_id, turn, chunk_index, texts,
                                          thinking)

    async def finish_message(self, conversation: ConversationState, agent_id: AgentId,
                             turn: int) -> None:
        if self.current is not None:
            await self.current.finish_message(conversation, agent_id, turn)

    async def restart_message(self, agent_id: AgentId, turn: int) -> None:
        if self.current is not None:
            await self.current.restart_message(agent_id, turn)

    def fold_thinking(self, collapsed: bool) -> None:
        self.thinking_open = not collapsed
        for view in self._views.values():
            view.fold_thinking(collapsed)

    def follow(self) -> None:
        """Scroll to the bottom and keep following new text.

        Textual's `anchor()` alone keeps a released anchor released (it only scrolls), so the
        release flag is cleared here as well.
        """
        self._anchor_released = False
        self.anchor()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Follow new text again once the user scrolls back to the bottom (text streaming in
        moves the bottom while a scroll is on its way, so the last line counts as the bottom);
        mount the turns above once they scroll up to the top."""
        super().watch_scroll_y(old_value, new_value)
        if self._anchor_released and new_value > old_value and \
                new_value >= self.max_scroll_y - 1:
            self.follow()
        elif self._anchor_released and new_value < old_value and new_value <= REVEAL_AT and \
                not self._revealing and self.current is not None and self.current.can_reveal:
            # Only the user's own scroll: a trim while following moves the top as well.
            self._revealing = True
            self.call_later(self._reveal, self.current)

    async def _reveal(self, view: ConversationView) -> None:
        """Mount the turns above the top of `view`, then scroll by their height so the text
        the user was reading stays where it was."""
        earlier = await view.earlier_screenful() if view is self.current else {}
        if earlier and view is self.current:
            height = self.virtual_size.height
            await view.mount_earlier(earlier)
            self.call_after_refresh(self._keep_position, height)
        else:
            self._revealing = False

    def _keep_position(self, height: int) -> None:
        self.scroll_to(y=self.scroll_y + self.virtual_size.height - height, animate=False,
                       immediate=True, force=True)
        self._revealing = False
