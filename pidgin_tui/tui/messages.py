"""App-wide Textual messages: what the bridge and the launcher tell screens about runs.

Token deltas are additive and never coalesce. Everything else that changes often (token counts,
progress, convergence) is read from the `RunStore` on a timer, so it needs no message at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from pidgin_tui.core.types import AgentId, EndReason, Status
from pidgin_tui.tui.error_entries import ErrorEntry


class RunMessage(Message, bubble=False):
    """Base of the bridge's messages: posted to each listener directly, so they never bubble."""


@dataclass
class ConversationStarted(RunMessage):
    """A conversation began; the live screen may switch to it."""

    experiment_id: str
    conversation_id: str


@dataclass
class MessageRequested(RunMessage):
    """An agent was asked for its message of a turn; a placeholder can appear."""

    conversation_id: str
    agent_id: AgentId
    turn: int
    attempt: int = 1
    """Above 1 for a retry: the failed attempt's partial text is to be replaced."""


@dataclass
class TokenStreamed(RunMessage):
    """Text or thinking fragments arrived, in order, starting at fragment `chunk_index`.

    Never replaced (a dropped delta is lost text). While it waits in the screen's queue, the
    hub appends the fragments that follow it, so a screen that falls behind catches up in
    fewer, larger writes instead of one message per token.
    """

    conversation_id: str
    agent_id: AgentId
    turn: int
    chunk_index: int
    texts: list[str]
    thinking: bool = False
    taken: bool = field(default=False, compare=False)
    """Set by the handler before it reads `texts`; from then on nothing is appended."""

    @property
    def next_index(self) -> int:
        return self.chunk_index + len(self.texts)

    def take(self) -> list[str]:
        self.taken = True
        return self.texts


@dataclass
class MessageCompleted(RunMessage):
    """An agent's message of a turn is complete."""

    conversation_id: str
    agent_id: AgentId
    turn: int


@dataclass
class ConversationEnded(RunMessage):
    """A conversation reached a final state."""

    conversation_id: str
    status: Status
    reason: EndReason


@dataclass
class EndStateReached(RunMessage):
    """An end-state detector fired in a conversation; `action` says what happens."""

    conversation_id: str
    end_state: str
    onset_turn: int
    action: str


@dataclass
class ConvergenceReached(RunMessage):
    """A conversation's convergence score reached the threshold; `action` says what happens."""

    conversation_id: str
    turn: int
    score: float
    threshold: float
    action: str


@dataclass
class ErrorRecorded(RunMessage):
    """A new entry for the error panel."""

    entry: ErrorEntry


@dataclass
class RunFinished(RunMessage):
    """An experiment launched from the app has finished (or its worker failed)."""

    experiment_id: str
    status: Status | None
    """None if the run ended without a result or a crash (it was cancelled)."""
    output_dir: str = ""
