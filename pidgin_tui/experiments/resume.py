"""Rebuild where a conversation stopped from its JSONL, so `pidgin-tui resume` can continue it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pidgin_tui.core.conductor import ResumePoint
from pidgin_tui.core.events import (
    AgentNameChosenEvent,
    ConversationEndEvent,
    MessageCompleteEvent,
    SystemPromptEvent,
    TurnCompleteEvent,
)
from pidgin_tui.core.types import AgentId
from pidgin_tui.record.jsonl import read_all_events

RESUMABLE_END_REASONS = frozenset({"paused", "interrupted"})
"""Conversations that ended for these reasons can be continued; others ended on purpose."""


class NotResumable(ValueError):
    """The conversation cannot be continued; the message says why."""


@dataclass(slots=True)
class SavedConversation:
    point: ResumePoint
    last_seq: int
    end_reason: str | None


def load_saved_conversation(path: Path) -> SavedConversation:
    """Read a conversation's JSONL into a ResumePoint (complete messages only)."""
    result = read_all_events(path)
    if not result.events:
        raise NotResumable(f"{path.name}: no events to resume from")
    prompts: dict[AgentId, str] = {}
    names: dict[AgentId, str] = {}
    messages: list[tuple[int, AgentId, str]] = []
    turns_done = 0
    last_convergence: float | None = None
    end_reason: str | None = None
    for event in result.events:
        match event:
            case SystemPromptEvent():
                prompts[AgentId(event.agent_id)] = event.prompt
            case AgentNameChosenEvent():
                names[AgentId(event.agent_id)] = event.chosen_name
            case MessageCompleteEvent() if event.finish_reason != "interrupted":
                messages.append((event.turn_number, AgentId(event.agent_id), event.content))
            case TurnCompleteEvent():
                turns_done = max(turns_done, event.turn_number + 1)
                last_convergence = event.convergence_score
            case ConversationEndEvent():
                end_reason = event.reason
    if len(prompts) < 2:
        raise NotResumable(f"{path.name}: the system prompts were never recorded")
    messages = [m for m in messages if m[0] <= turns_done]
    point = ResumePoint(turn=turns_done, messages=messages, system_prompts=prompts, names=names,
                        last_convergence=last_convergence)
    return SavedConversation(point, result.events[-1].seq, end_reason)
