"""How a conversation ends: the signal that unwinds its turn loop, and what it reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict

from pidgin_tui.core.types import EndReason

USAGE_BUCKETS = ("input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens",
                 "reasoning_tokens")
"""Usage kept apart everywhere it is totalled: input excludes the cache buckets, output
includes reasoning."""


class ConversationIds(TypedDict):
    """The addressing fields of every event a conversation publishes."""

    experiment_id: str
    conversation_id: str


class EndConversation(Exception):
    """Unwinds the turn loop from wherever the conversation must end, with the reason."""

    def __init__(self, reason: EndReason, error: str | None = None) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.error = error


@dataclass(slots=True)
class ConversationOutcome:
    conversation_id: str
    end_reason: EndReason
    turns_completed: int
    error: str | None = None
    total_tokens: int = 0
    cost_usd: float | None = 0.0
    names: dict[str, str] = field(default_factory=dict)
    usage: dict[str, int] = field(default_factory=dict)
    """Token counts by bucket (USAGE_BUCKETS) over every response of the conversation."""
