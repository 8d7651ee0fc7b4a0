"""The safe points of a conversation, where the control object's requests take effect.

Between messages a conversation waits out a pause, ends on a stop or interrupt, and delivers
the interjections waiting for it; nothing is cancelled mid-write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.control import ConversationControl
from pidgin_tui.core.events import (
    ConversationPausedEvent,
    ConversationResumedEvent,
    InterjectionEvent,
    InterruptRequestEvent,
)
from pidgin_tui.core.history import interjection_entry
from pidgin_tui.core.outcome import ConversationIds, EndConversation
from pidgin_tui.core.types import EndReason, HistoryEntry


@dataclass(slots=True)
class SafePoint:
    bus: EventBus
    control: ConversationControl
    ids: ConversationIds
    remember: Callable[[HistoryEntry], None]
    """Adds an entry to the conversation's history (an interjection, once delivered)."""

    async def reached(self, turn: int) -> None:
        """Wait out a pause, end if a stop or interrupt was requested, and deliver the
        interjections waiting. A pause for a human (`pause_before_turn`) waits for an
        interjection or a resume."""
        control = self.control
        if control.pause_before_turn == turn:
            control.pause_before_turn = None
            control.wait_for_human()
        if control.paused and control.end_requested is None:
            reason = "human" if control.waiting_for_human else "user"
            await self.bus.publish(ConversationPausedEvent(**self.ids, turn_number=turn,
                                                           reason=reason))
            await control.wait_while_paused()
            if control.end_requested is None:
                await self.bus.publish(ConversationResumedEvent(**self.ids, turn_number=turn))
        await self.end_if_requested(turn)
        while control.pending:  # each leaves the queue once recorded: if recording fails,
            pending = control.pending[0]  # the end reports it undelivered
            await self.deliver(InterjectionEvent(
                **self.ids, turn_number=turn, text=pending.text, speaker=pending.speaker,
                to=list(pending.to)))
            if control.pending and control.pending[0] is pending:
                control.pending.pop(0)
            control.delivered(pending, turn)

    async def end_if_requested(self, turn: int) -> None:
        reason = self.control.end_requested
        if reason is not None:
            kind = "stop" if reason is EndReason.STOPPED else "interrupt"
            await self.bus.publish(InterruptRequestEvent(**self.ids, turn_number=turn,
                                                         kind=kind))
            raise EndConversation(reason)

    async def deliver(self, event: InterjectionEvent) -> None:
        await self.bus.publish(event)
        self.remember(interjection_entry(event.text, event.speaker, event.to,
                                         event.turn_number))
