"""Plain value types shared by the core: agents, messages, statuses and end reasons."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

Role = Literal["user", "assistant"]


@dataclass(slots=True, frozen=True)
class ChatMessage:
    """One message as a provider receives it."""

    role: Role
    content: str


class AgentId(StrEnum):
    """The two seats of a conversation."""

    A = "agent_a"
    B = "agent_b"

    @property
    def other(self) -> AgentId:
        return AgentId.B if self is AgentId.A else AgentId.A

    @property
    def letter(self) -> str:
        return "A" if self is AgentId.A else "B"


class Speaker(StrEnum):
    """Who researcher text (an interjection or a branch's injected text) speaks as: the
    narrator, marked as such, or one of the agents, routed as that agent's words."""

    NARRATOR = "narrator"
    A = "agent_a"
    B = "agent_b"

    @classmethod
    def named(cls, choice: str) -> Speaker:
        """The speaker a command line's `--as narrator|a|b` names."""
        return SPEAKER_CHOICES[choice]

    @property
    def agent(self) -> AgentId | None:
        """The agent it speaks as; None for the narrator."""
        return None if self is Speaker.NARRATOR else AgentId(self.value)


SPEAKER_CHOICES = {"narrator": Speaker.NARRATOR, "a": Speaker.A, "b": Speaker.B}
"""`--as` on the command line: who researcher text speaks as."""
RECIPIENT_CHOICES = {"a": (AgentId.A,), "b": (AgentId.B,), "both": (AgentId.A, AgentId.B)}
"""`--to` on the command line: who is sent researcher text."""


class EndReason(StrEnum):
    """Why a conversation ended. One word each, stable in JSONL and the database."""

    MAX_TURNS = "max_turns"
    HIGH_CONVERGENCE = "high_convergence"
    END_STATE = "end_state"
    """An end-state detector whose action is `stop` fired (see metrics/endstates.py)."""
    CONTEXT_LIMIT = "context_limit"
    INTERRUPTED = "interrupted"
    ERROR = "error"
    STOPPED = "stopped"
    BUDGET = "budget"
    PAUSED = "paused"
    EMPTY_REPLY = "empty_reply"
    """An agent replied with nothing and the spec says to end rather than send a placeholder."""
    STORAGE_ERROR = "storage_error"
    """The record could not be written (disk full, read-only, I/O error): the run stopped."""


class Status(StrEnum):
    """Lifecycle of an experiment or a conversation: created → running → a final state."""

    CREATED = "created"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    PAUSED = "paused"
    """A conversation held for a human in its process (it goes on after `resume`)."""

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


class RecordState(StrEnum):
    """What an experiment shows where its record gives no lifecycle `Status`."""

    DAMAGED = "damaged"
    """Its manifest, or a file it needs, cannot be read (the listing says why)."""
    UNKNOWN = "unknown"
    """Its manifest names no status."""


ExperimentStatus = Status | RecordState
"""An experiment as a listing shows it: its lifecycle status, or why there is none."""


FINAL_STATUSES = frozenset({Status.COMPLETED, Status.FAILED, Status.INTERRUPTED})
"""The states an experiment or a conversation ends in."""


def status_for_end_reason(reason: EndReason) -> Status:
    """Map a conversation's end reason to its final status; a stopped run is never "completed"."""
    if reason in (EndReason.MAX_TURNS, EndReason.HIGH_CONVERGENCE, EndReason.END_STATE,
                  EndReason.CONTEXT_LIMIT, EndReason.BUDGET, EndReason.EMPTY_REPLY):
        return Status.COMPLETED
    if reason is EndReason.ERROR:
        return Status.FAILED
    return Status.INTERRUPTED


BOTH_AGENTS: frozenset[AgentId] = frozenset(AgentId)
"""Both seats (built once: iterating an Enum class runs Python code)."""


@dataclass(slots=True)
class AgentConfig:
    """Everything that defines one agent of a conversation."""

    agent_id: AgentId
    model: str
    """Canonical model reference, `provider:model_id`."""
    display_name: str
    temperature: float | None = None
    awareness: str = "basic"
    think: bool = False
    think_budget: int | None = None
    max_output_tokens: int | None = None


@dataclass(slots=True)
class HistoryEntry:
    """One item in a conversation's shared history, as the Router sees it.

    `speaker` is the agent that wrote it, or None for text from the researcher (the opening
    prompt and awareness injections). `visible_to` restricts who is sent it.
    """

    content: str
    speaker: AgentId | None
    turn: int
    visible_to: frozenset[AgentId] = BOTH_AGENTS
    kind: str = "message"
    """`message`, `prompt` or `injection`."""
