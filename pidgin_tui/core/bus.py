"""The typed async event bus: the only coupling between conductors, tracking and the UI."""

from __future__ import annotations

import inspect
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, Final, TypeVar

from pidgin_tui.core.events import ErrorEvent, Event

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)
Handler = Callable[[Any], None] | Callable[[Any], Awaitable[None]]


class Subscription:
    """Returned by `subscribe`; call `cancel()` to stop receiving events."""

    def __init__(self, bus: EventBus, event_type: object, handler: Handler) -> None:
        self._bus = bus
        self._event_type = event_type
        self._handler = handler

    def cancel(self) -> None:
        self._bus._remove(self._event_type, self._handler)


PERSISTED_ONLY: Final = object()
"""The `event_type` of a subscription to every persisted event (live-only chunks left out)."""


class EventBus:
    """Publish/subscribe for `Event`s.

    Handlers run in subscription order (typed and catch-all alike), each awaited before the
    next, so events from one publisher reach every subscriber in the order they were published.
    A handler that raises is reported as an `ErrorEvent` and never breaks the publisher or the
    other handlers.
    """

    def __init__(self) -> None:
        self._subscriptions: list[tuple[object, Handler]] = []
        """(what the handler wants: an event class, None for every event, or PERSISTED_ONLY)"""
        self._seq: dict[str | None, int] = defaultdict(int)
        self._closed = False

    def subscribe(self, event_type: type[E] | None | object, handler: Handler) -> Subscription:
        """Receive events of `event_type` (exactly that class), every event when None, or every
        persisted one when PERSISTED_ONLY."""
        self._subscriptions.append((event_type, handler))
        return Subscription(self, event_type, handler)

    def subscribe_all(self, handler: Handler) -> Subscription:
        return self.subscribe(None, handler)

    def subscribe_persisted(self, handler: Handler) -> Subscription:
        """Receive every event that is persisted (not the live-only chunks)."""
        return self.subscribe(PERSISTED_ONLY, handler)

    def delivers_live(self, event_type: type[Event]) -> bool:
        """Whether a live-only event of `event_type` would reach any handler: when none would,
        its publisher need not build it (a headless run has no use for token chunks)."""
        return any(wanted is None or wanted is event_type for wanted, _ in self._subscriptions)

    def _remove(self, event_type: object, handler: Handler) -> None:
        if (event_type, handler) in self._subscriptions:
            self._subscriptions.remove((event_type, handler))

    def next_seq(self, conversation_id: str | None) -> int:
        self._seq[conversation_id] += 1
        return self._seq[conversation_id]

    def seed_seq(self, conversation_id: str | None, last_seq: int) -> None:
        """Continue numbering after `last_seq` (used when resuming from an existing JSONL)."""
        self._seq[conversation_id] = max(self._seq[conversation_id], last_seq)

    async def publish(self, event: Event) -> Event:
        """Stamp the event's `seq` and deliver it to every matching handler, in order.

        Persistent events get consecutive numbers per conversation, so a gap in a JSONL file
        means a lost line; live-only chunks carry the number of the event they follow.
        """
        persist = event.persist
        if persist:
            event.seq = self.next_seq(event.conversation_id)
        else:
            event.seq = self._seq[event.conversation_id]
        event_type = type(event)
        for wanted, handler in tuple(self._subscriptions):
            if wanted is not None and wanted is not event_type and (
                    wanted is not PERSISTED_ONLY or not persist):
                continue
            try:
                result = handler(event)
                if result is not None and inspect.isawaitable(result):  # most handlers: None
                    await result
            except Exception as exc:  # a subscriber's bug must not stop a conversation
                await self._report_handler_failure(event, handler, exc)
        return event

    async def _report_handler_failure(self, event: Event, handler: Handler, exc: Exception) -> None:
        name = getattr(handler, "__qualname__", repr(handler))
        log.exception("event handler %s failed on %s", name, event.event_type)
        if isinstance(event, ErrorEvent) and event.context and event.context.startswith("handler:"):
            return  # a handler failing on the report of a handler failure: logged, not re-published
        await self.publish(ErrorEvent(
            experiment_id=event.experiment_id,
            conversation_id=event.conversation_id,
            error_type="handler_error",
            error_message=f"{type(exc).__name__}: {exc}",
            context=f"handler:{name} on {event.event_type}",
        ))
