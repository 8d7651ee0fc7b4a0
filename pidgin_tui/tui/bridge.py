"""The bridge: the one place where core events become Textual messages.

It subscribes to a run's `EventBus`, folds each event into the `RunStore`, then posts a typed
message to every listener that asked for that message type. It never touches a widget.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from functools import partial

from textual.message import Message
from textual.message_pump import MessagePump

from pidgin_tui.core.bus import EventBus, Subscription
from pidgin_tui.core.events import (
    ConvergenceWarningEvent,
    ConversationEndEvent,
    ConversationStartEvent,
    EndStateDetectedEvent,
    Event,
    MessageChunkEvent,
    MessageCompleteEvent,
    MessageRequestEvent,
    ThinkingChunkEvent,
)
from pidgin_tui.core.types import AgentId
from pidgin_tui.tui.messages import (
    ConvergenceReached,
    ConversationEnded,
    ConversationStarted,
    EndStateReached,
    ErrorRecorded,
    MessageCompleted,
    MessageRequested,
    TokenStreamed,
)
from pidgin_tui.tui.state import RunStore

Focus = Callable[[], str | None]
"""Returns the one conversation a listener shows (None: it wants every conversation)."""


class Hub:
    """Listeners by message type; posts a fresh message instance to each interested listener.

    A listener may give a `focus`: messages about other conversations are then not posted to
    it at all, which matters when hundreds of conversations stream at once.
    """

    def __init__(self) -> None:
        self._listeners: dict[type[Message], list[tuple[MessagePump, Focus | None]]] = {}
        self._last_tokens: dict[int, TokenStreamed] = {}
        """The latest TokenStreamed posted to each listener, while it may still be extended."""

    def listen(self, node: MessagePump, message_types: Iterable[type[Message]],
               focus: Focus | None = None) -> None:
        for message_type in message_types:
            entries = self._listeners.setdefault(message_type, [])
            if all(existing is not node for existing, _ in entries):
                entries.append((node, focus))

    def forget(self, node: MessagePump) -> None:
        for message_type, entries in self._listeners.items():
            self._listeners[message_type] = [e for e in entries if e[0] is not node]
        self._last_tokens.pop(id(node), None)

    def post_tokens(self, conversation_id: str, agent_id: AgentId, turn: int, chunk_index: int,
                    text: str, thinking: bool) -> None:
        """Post a fragment, or append it to the same message's TokenStreamed still queued."""
        for node, focus in self._listeners.get(TokenStreamed, ()):
            if focus is not None and focus() != conversation_id:
                continue
            last = self._last_tokens.get(id(node))
            if (last is not None and not last.taken and last.next_index == chunk_index
                    and (last.conversation_id, last.agent_id, last.turn, last.thinking)
                    == (conversation_id, agent_id, turn, thinking)):
                last.texts.append(text)
                continue
            message = TokenStreamed(conversation_id, agent_id, turn, chunk_index, [text],
                                    thinking)
            self._last_tokens[id(node)] = message
            node.post_message(message)

    def post(self, message_type: type[Message], make: Callable[[], Message],
             conversation_id: str | None = None) -> None:
        for node, focus in self._listeners.get(message_type, ()):
            if focus is None or conversation_id is None or focus() == conversation_id:
                node.post_message(make())
                # Later fragments must not jump ahead of this message into an earlier one.
                self._last_tokens.pop(id(node), None)


class Bridge:
    """Connects one run's bus to the store and the hub."""

    def __init__(self, bus: EventBus, store: RunStore, hub: Hub) -> None:
        self.store = store
        self.hub = hub
        self._subscription: Subscription | None = bus.subscribe_all(self.on_event)

    def close(self) -> None:
        if self._subscription is not None:
            self._subscription.cancel()
            self._subscription = None

    async def on_event(self, event: Event) -> None:
        errors = self.store.apply(event)
        post = self.hub.post
        cid = event.conversation_id or ""
        match event:
            case MessageChunkEvent() | ThinkingChunkEvent():
                self.hub.post_tokens(cid, event.agent_id, event.turn_number, event.chunk_index,
                                     event.chunk, isinstance(event, ThinkingChunkEvent))
            case MessageRequestEvent():
                post(MessageRequested, lambda: MessageRequested(
                    cid, event.agent_id, event.turn_number, event.attempt), cid)
            case MessageCompleteEvent():
                post(MessageCompleted, lambda: MessageCompleted(cid, event.agent_id,
                                                                event.turn_number), cid)
                # A model with no delay never yields to the loop on its own; give the UI a turn.
                await asyncio.sleep(0)
            case ConversationStartEvent():
                post(ConversationStarted, lambda: ConversationStarted(event.experiment_id, cid))
            case ConvergenceWarningEvent():
                post(ConvergenceReached, lambda: ConvergenceReached(
                    cid, event.turn_number, event.convergence_score, event.threshold,
                    event.action))
            case EndStateDetectedEvent():
                post(EndStateReached, lambda: EndStateReached(
                    cid, event.end_state, event.onset_turn, event.action))
            case ConversationEndEvent():
                post(ConversationEnded, lambda: ConversationEnded(cid, event.status, event.reason))
        for entry in errors:
            post(ErrorRecorded, partial(ErrorRecorded, entry))
