"""Rebuild where a conversation stopped from its JSONL, so `pidgin-tui resume` can continue it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pidgin_tui.core.conductor import ResumePoint
from pidgin_tui.core.types import AgentId
from pidgin_tui.record.conversation import ConversationRecord

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
    record = ConversationRecord.read(path)
    if not record.events_seen:
        raise NotResumable(f"{path.name}: no events to resume from")
    if len(record.system_prompts) < 2:
        raise NotResumable(f"{path.name}: the system prompts were never recorded")
    turns_done = record.turns_completed
    messages = [(m.turn_number, AgentId(m.agent_id), m.content)
                for m in record.complete_messages if m.turn_number <= turns_done]
    point = ResumePoint(turn=turns_done, messages=messages,
                        system_prompts={AgentId(k): v for k, v in record.system_prompts.items()},
                        names={AgentId(k): v for k, v in record.names.items()},
                        last_convergence=record.convergence)
    return SavedConversation(point, record.last_seq, record.end_reason)
