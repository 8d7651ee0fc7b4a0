"""The control object through which pause, resume, stop and interrupt requests reach a conductor.

Requests only set flags; the conductor acts on them at safe points (between messages, and
between chunks of a streaming message), never in the middle of a write.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from pidgin_tui.core.abort import AbortSignal
from pidgin_tui.core.types import AgentId, EndReason, Speaker


@dataclass(slots=True, frozen=True)
class Interjection:
    """Researcher text waiting for the next safe point of a conversation."""

    text: str
    speaker: Speaker = Speaker.NARRATOR
    to: tuple[AgentId, ...] = (AgentId.A, AgentId.B)
    request_id: str = ""
    """The control request it came in (`pidgin-tui interject`); empty from the app's input."""


Undelivered = Callable[[list[Interjection], EndReason], None]
"""Told about interjections that never reached their conversation, with its end reason."""
Delivered = Callable[[Interjection, int], None]
"""Told about an interjection once it is recorded in its conversation, with its turn."""


class ConversationControl:
    """Pause/resume/stop flags for one conversation, polled by its conductor."""

    def __init__(self) -> None:
        self._resumed = asyncio.Event()
        self._resumed.set()
        self._end_reason: EndReason | None = None
        self._wake = asyncio.Event()
        self.abort = AbortSignal(self._wake)
        """True once a stop or interrupt was requested; awaitable, so a backoff or a provider's
        pause ends at once instead of at its end."""
        self.pending: list[Interjection] = []
        """Interjections not delivered yet; the conductor takes them at its next safe point."""
        self.pause_before_turn: int | None = None
        """Pause-for-human: pause when this turn (as in events) is about to start."""
        self.waiting_for_human = False
        """Paused for a human (`pause_before_turn`): an interjection lets it carry on."""
        self.ended: EndReason | None = None
        """The conversation's end reason once it ended: nothing more can be delivered."""
        self.on_undelivered: Undelivered | None = None
        self.on_delivered: Delivered | None = None

    @property
    def paused(self) -> bool:
        return not self._resumed.is_set()

    @property
    def end_requested(self) -> EndReason | None:
        """`stopped` or `interrupted` once a stop or interrupt was requested."""
        return self._end_reason

    def pause(self) -> None:
        self._resumed.clear()

    def pause_for_human_before(self, turn: int) -> None:
        """Pause for a human when `turn` (as in events) is about to start."""
        self.pause_before_turn = turn

    def wait_for_human(self) -> None:
        """Pause for a human: an interjection or a resume lets the conversation carry on."""
        self.pause()
        self.waiting_for_human = True

    def resume(self) -> None:
        self.waiting_for_human = False
        self._resumed.set()

    def toggle_pause(self) -> bool:
        """Pause if running, resume if paused; returns the new paused state."""
        if self.paused:
            self.resume()
        else:
            self.pause()
        return self.paused

    def interject(self, interjection: Interjection) -> bool:
        """Queue text for the next safe point; a conversation paused for it carries on. False
        (and reported to `on_undelivered`) when the conversation has already ended."""
        if self.ended is not None:
            self._undelivered([interjection])
            return False
        self.pending.append(interjection)
        if self.waiting_for_human:
            self.resume()
        return True

    def delivered(self, interjection: Interjection, turn: int) -> None:
        """The conductor recorded `interjection` at `turn` (1-based)."""
        if self.on_delivered is not None:
            self.on_delivered(interjection, turn)

    def close(self, end_reason: EndReason) -> None:
        """The conversation ended: interjections still waiting are reported undelivered."""
        self.ended = end_reason
        dropped, self.pending = self.pending, []
        self._undelivered(dropped)

    def _undelivered(self, interjections: list[Interjection]) -> None:
        if interjections and self.on_undelivered is not None and self.ended is not None:
            self.on_undelivered(interjections, self.ended)

    def stop(self) -> None:
        """The user asked this conversation to stop: it ends as `stopped`."""
        self._request_end(EndReason.STOPPED)

    def interrupt(self) -> None:
        """The process is shutting down: the conversation ends as `interrupted`."""
        self._request_end(EndReason.INTERRUPTED)

    def storage_failed(self) -> None:
        """The record cannot be written: end as `storage_error`, over any earlier request."""
        self._request_end(EndReason.STORAGE_ERROR)

    def _request_end(self, reason: EndReason) -> None:
        if self._end_reason is None or reason is EndReason.STORAGE_ERROR:
            self._end_reason = reason
        self._resumed.set()  # a paused conversation must wake up to end
        self._wake.set()

    async def wait_while_paused(self) -> None:
        await self._resumed.wait()


class ExperimentControl:
    """Controls for every conversation of one experiment, plus experiment-wide requests."""

    def __init__(self) -> None:
        self.conversations: dict[str, ConversationControl] = {}
        self.end_requested: EndReason | None = None
        self.on_undelivered: Callable[[str, list[Interjection], EndReason], None] | None = None
        """Told (conversation id, interjections, end reason) when interjections never reached
        a conversation because it had ended (the run session replies and tells its host)."""
        self.on_delivered: Callable[[str, Interjection, int], None] | None = None
        """Told (conversation id, interjection, turn) once an interjection is recorded."""

    def for_conversation(self, conversation_id: str) -> ConversationControl:
        control = self.conversations.get(conversation_id)
        if control is None:
            control = self.conversations[conversation_id] = ConversationControl()
            control.on_undelivered = lambda items, reason: self._undelivered(
                conversation_id, items, reason)
            control.on_delivered = lambda item, turn: self._delivered(
                conversation_id, item, turn)
        if self.end_requested is EndReason.STORAGE_ERROR:
            control.storage_failed()
        elif self.end_requested is EndReason.INTERRUPTED:
            control.interrupt()
        elif self.end_requested is EndReason.STOPPED:
            control.stop()
        return control

    def _undelivered(self, conversation_id: str, interjections: list[Interjection],
                     reason: EndReason) -> None:
        if self.on_undelivered is not None:
            self.on_undelivered(conversation_id, interjections, reason)

    def _delivered(self, conversation_id: str, interjection: Interjection, turn: int) -> None:
        if self.on_delivered is not None:
            self.on_delivered(conversation_id, interjection, turn)

    def stop_all(self) -> None:
        self.end_requested = self.end_requested or EndReason.STOPPED
        for control in self.conversations.values():
            control.stop()

    def interrupt_all(self) -> None:
        if self.end_requested is not EndReason.STORAGE_ERROR:
            self.end_requested = EndReason.INTERRUPTED
        for control in self.conversations.values():
            control.interrupt()

    def storage_failed_all(self) -> None:
        """Nothing more can be recorded: every conversation ends before its next request."""
        self.end_requested = EndReason.STORAGE_ERROR
        for control in self.conversations.values():
            control.storage_failed()
