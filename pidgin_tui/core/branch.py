"""What a branch starts from: the parent's turns it inherits and what it changes.

A branch is a new conversation that shares turns 1..N with its parent and then continues. The
Conductor writes the inherited events into the branch's own record as copies marked
`inherited`, so every reader sees a whole conversation while messages, tokens, cost and metrics
stay counted once, in the parent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from pidgin_tui.core.events import (
    AgentNameChosenEvent,
    Event,
    InjectionEvent,
    InterjectionEvent,
    MessageCompleteEvent,
    TurnCompleteEvent,
    utc_now,
)

INHERITED_TYPES = (MessageCompleteEvent, TurnCompleteEvent, AgentNameChosenEvent,
                   InjectionEvent, InterjectionEvent)
"""The parent's events a branch copies: what its history and transcript are made of."""


@dataclass(slots=True)
class BranchStart:
    parent_experiment_id: str
    parent_conversation_id: str
    turn: int
    """Turns inherited: the branch continues at turn `turn + 1` (1-based)."""
    inherited: list[Event]
    """The parent's INHERITED_TYPES events of turns 1..`turn`, in recorded order."""
    changes: dict[str, Any] = field(default_factory=dict)
    interjection: InterjectionEvent | None = None
    """Text put in at the branch point (`--inject`), delivered before the next message."""
    replacement: MessageCompleteEvent | None = None
    """The researcher's text that stands in `inherited` for the parent's last message of turn
    `turn` (`--inject TEXT --as a|b --replace`): a new message of the branch, not inherited."""
    rescored: TurnCompleteEvent | None = None
    """With a replacement, turn `turn`'s end scored anew on the new text; it stands in
    `inherited` for the parent's (whose metrics describe the replaced message)."""

    def owns(self, event: Event) -> bool:
        """Whether `event` of `inherited` is the branch's own rather than the parent's."""
        return event is self.replacement or event is self.rescored


def inherited_copy(event: Event, experiment_id: str, conversation_id: str, *,
                   inherited: bool = True) -> Event:
    """`event` re-addressed to the branch, with a new time, marked inherited if it can be
    (a replacement message is written into the prefix but is the branch's own)."""
    changes: dict[str, Any] = {"experiment_id": experiment_id,
                               "conversation_id": conversation_id,
                               "timestamp": utc_now(), "seq": 0}
    if isinstance(event, MessageCompleteEvent | TurnCompleteEvent):
        changes["inherited"] = inherited
    return msgspec.structs.replace(event, **changes)
