"""Where a conversation that ended early picks up again."""

from __future__ import annotations

from dataclasses import dataclass

from pidgin_tui.core.history import HistoryItem
from pidgin_tui.core.types import AgentId


@dataclass(slots=True)
class ResumePoint:
    """Where a conversation that ended early picks up again, rebuilt from its JSONL."""

    turns_completed: int
    """Turns completed so far: the conversation continues at the next one."""
    messages: list[HistoryItem]
    """Every complete message so far, (turn, speaker, text), with the interjections delivered
    among them, in recorded order."""
    system_prompts: dict[AgentId, str]
    names: dict[AgentId, str]
    last_convergence: float | None = None
    """The score of the last completed turn: a conversation paused above the threshold does
    not pause again until the score dips below it and crosses it once more."""
    previous_convergence: float | None = None
    """The score of the turn before the last one."""
    policy_pending: bool = False
    """The process died right after the last turn completed, perhaps before acting on its
    score: the convergence policy is applied to that turn again before going on."""
