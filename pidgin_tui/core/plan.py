"""ConversationPlan: the fully resolved settings of one conversation, as a conductor runs it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from pidgin_tui.core.awareness import Awareness
from pidgin_tui.core.types import AgentConfig, AgentId

if TYPE_CHECKING:
    from pidgin_tui.core.events import EndStateDetectedEvent

DEFAULT_OPENER = "[Begin]"
DEFAULT_EMPTY_PLACEHOLDER = "[no response]"
EMPTY_REPLY_ACTIONS = ("placeholder", "end")

TurnScorer = Callable[[int, str, str], tuple[dict[str, float], float]]
"""(turn_number, text of A, text of B) -> (metrics, convergence score); one per conversation."""


class EndStateOnset(NamedTuple):
    """An end state detected in a conversation (see `pidgin_tui.metrics.endstates`)."""

    name: str
    onset_turn: int
    """The turn at which the end state began (the first turn of the run that detected it)."""
    detected_turn: int
    """The turn at which it was detected (the run had lasted long enough)."""
    score: float
    """The detector's score at the detecting turn."""
    turns_before: int
    """Turns completed before the onset turn."""

    def event(self, experiment_id: str, conversation_id: str | None, turn_number: int,
              action: str, **stamp: Any) -> EndStateDetectedEvent:
        """The EndStateDetectedEvent announcing this end state at `turn_number`; `stamp` may
        set the event's `seq` and `timestamp` (a replay or a rescore keeps the turn's)."""
        from pidgin_tui.core.events import EndStateDetectedEvent  # msgspec: not at --help

        return EndStateDetectedEvent(
            experiment_id=experiment_id, conversation_id=conversation_id,
            turn_number=turn_number, end_state=self.name, onset_turn=self.onset_turn,
            score=self.score, action=action, substantive_turns=self.turns_before, **stamp)


AFTER_RUN_ACTION = "continue"
"""The action recorded with an end state found after the run (an import or a rescore): it
stopped, warned or paused nothing."""


class EndStateSource(Protocol):
    """A scorer that also detects end states: the conductor asks it after each turn."""

    def take_end_states(self) -> list[EndStateOnset]:
        """The end states first detected at the latest turn (emptied by the call)."""
        ...


@dataclass(slots=True)
class ConversationPlan:
    experiment_id: str
    conversation_id: str
    agent_a: AgentConfig
    agent_b: AgentConfig
    awareness_a: Awareness
    awareness_b: Awareness
    prompt: str
    max_turns: int
    first_speaker: AgentId = AgentId.A
    prompt_visibility: str = "first"
    """`first`: only the first speaker sees the opening prompt; `both`: both agents do."""
    allow_truncation: bool = False
    convergence_threshold: float | None = None
    convergence_action: str = "warn"
    end_state_actions: dict[str, str] = field(default_factory=dict)
    """What each detected end state does: `stop`, `warn`, `pause` or `continue` (default warn)."""
    choose_names: bool = False
    seed: int = 0
    repetition: int = 0
    budget_usd: float | None = None
    interactive: bool = False
    """Someone can answer a pause (the app, or any run session: it takes interjections, resume
    and stop requests on the control channel): a policy's `pause` then waits for a human;
    without one it ends the conversation with reason `paused`."""
    config: dict[str, Any] = field(default_factory=dict)
    opener: str = DEFAULT_OPENER
    """Sent to the first speaker when the prompt is empty: no API takes an empty history."""
    empty_reply: str = "placeholder"
    """`placeholder`: an empty reply reaches the partner as `empty_placeholder`; `end`: the
    conversation ends with reason `empty_reply`."""
    empty_placeholder: str = DEFAULT_EMPTY_PLACEHOLDER

    def agent(self, agent_id: AgentId) -> AgentConfig:
        return self.agent_a if agent_id is AgentId.A else self.agent_b

    def awareness(self, agent_id: AgentId) -> Awareness:
        return self.awareness_a if agent_id is AgentId.A else self.awareness_b

    @property
    def speaking_order(self) -> tuple[AgentId, AgentId]:
        return (self.first_speaker, self.first_speaker.other)
