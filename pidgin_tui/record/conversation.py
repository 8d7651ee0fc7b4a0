"""ConversationRecord: the one reducer from a conversation's events to its state.

Every reader of a conversation (the app's live store, the monitor's tails, the transcript view,
the reports, resume, metric series) folds events through `ConversationRecord.apply`, so a
conversation reads the same wherever it is shown. The DuckDB import computes the same figures in
SQL; `tests/record/test_agreement.py` holds the two to each other.

Definitions (each in one place, here):
- `turns_completed`: the number of distinct turns with a `TurnCompleteEvent`.
- `status`: `created` until the start event, `running` after it (or after a resume), `paused`
  while paused in-process, then the end event's status. A conversation without an end event
  whose process is gone is `interrupted`: ask `settled_status(live=False)`.
- `rescored`: scores (turn metrics, convergence, end states) come from the newest rescore of
  the conversation when it has one (`pidgin-tui rescore`); every other figure from its events.
- `cost_usd`: the sum of every response's cost, or None as soon as one response was unpriced
  (`unpriced_requests` counts them; `priced_cost_usd` is the sum of the priced ones).
- the turn a screen names ("turn 4 / 10", `shown_turn` and `turn_label`): the turn under way
  while the conversation runs, else the number of turns completed. Turns count from 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pidgin_tui.core.events import (
    AgentNameChosenEvent,
    APIErrorEvent,
    ConvergenceWarningEvent,
    ConversationBranchedEvent,
    ConversationEndEvent,
    ConversationPausedEvent,
    ConversationResumedEvent,
    ConversationStartEvent,
    EndStateDetectedEvent,
    ErrorEvent,
    Event,
    InjectionEvent,
    InterjectionEvent,
    MessageCompleteEvent,
    MessageRequestEvent,
    RateLimitEvent,
    SystemPromptEvent,
    TokenUsageEvent,
    TurnCompleteEvent,
    TurnStartEvent,
)
from pidgin_tui.core.rate_limit_text import after_reply, rate_limited_text
from pidgin_tui.core.types import AgentId, EndReason, Status
from pidgin_tui.metrics.endstates import DEGRADATIONS
from pidgin_tui.record.jsonl import read_all_events, read_events
from pidgin_tui.record.layout import rescored_file

AGENTS = (AgentId.A, AgentId.B)
DEFAULT_NAMES = {"agent_a": "Agent A", "agent_b": "Agent B"}
PREVIEW_CHARS = 160
"""How much of the latest message a record without full detail keeps (the monitor's preview)."""
NO_END_REASON = "no end recorded (interrupted or still running)"
LIVE_STATUSES = frozenset({Status.RUNNING, Status.PAUSED})
"""Statuses of a conversation that may still go on (its turn under way is shown)."""


def shown_turn(turns_completed: int, turn_started: int, status: Status) -> int:
    """The turn a screen names for a conversation: the turn under way (begun, not completed)
    while it runs or is paused, else the turns completed (an interrupted turn is not counted)."""
    return max(turns_completed, turn_started) if status in LIVE_STATUSES else turns_completed


def turn_label(turn: int, max_turns: int) -> str:
    """`turn 4 / 10`: how every screen and command names a conversation's progress."""
    return f"turn {turn} / {max_turns}"


@dataclass(slots=True)
class AgentUsage:
    """One agent's share of a conversation's usage (the live screen's agent panels)."""

    input_tokens: int = 0
    output_tokens: int = 0
    priced_cost_usd: float = 0.0
    unpriced_requests: int = 0
    last_input_tokens: int = 0
    """Input plus cache-read tokens of the agent's latest response: how full its context is."""

    @property
    def cost_usd(self) -> float | None:
        return None if self.unpriced_requests else self.priced_cost_usd


TRANSCRIPT_EVENTS: tuple[type[Event], ...] = (
    ConversationStartEvent, ConversationBranchedEvent, AgentNameChosenEvent, MessageCompleteEvent,
    InjectionEvent, InterjectionEvent, TurnCompleteEvent, ConversationPausedEvent,
    ConversationResumedEvent, ConversationEndEvent)
"""The events a transcript is made of: the fast path for the transcript view."""


@dataclass(slots=True)
class ConversationRecord:
    """A conversation's state, folded from its events in order.

    With `detail=False` the record keeps counts, totals and the latest message only (what the
    monitor needs for thousands of conversations); with `detail=True` it also keeps every
    message, every turn's metrics and the system prompts (transcripts, reports, resume).
    """

    conversation_id: str = ""
    experiment_id: str = ""
    detail: bool = True
    path: Path | None = None
    start: ConversationStartEvent | None = None
    end: ConversationEndEvent | None = None
    status: Status = Status.CREATED
    max_turns: int = 0
    repetition: int = 0
    names: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_NAMES))
    models: dict[str, str] = field(default_factory=dict)
    initial_prompt: str = ""
    system_prompts: dict[AgentId, str] = field(default_factory=dict)
    completed_turns: set[int] = field(default_factory=set)
    messages: list[MessageCompleteEvent] = field(default_factory=list)
    turn_events: dict[int, TurnCompleteEvent] = field(default_factory=dict)
    """The latest TurnCompleteEvent of each turn (detail only)."""
    message_count: int = 0
    last_message: str = ""
    last_speaker: AgentId | None = None
    last_message_at: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    agent_usage: dict[str, AgentUsage] = field(default_factory=dict)
    """Usage per agent id (an agent appears at its first response)."""
    priced_cost_usd: float = 0.0
    unpriced_requests: int = 0
    responses: int = 0
    errors: int = 0
    last_error: str | None = None
    end_reason: EndReason | None = None
    convergence: float | None = None
    """The score of the latest completed turn (None when it had none)."""
    max_convergence: float | None = None
    end_states: list[EndStateDetectedEvent] = field(default_factory=list)
    """Detected end states, in the order they were detected."""
    injections: list[InjectionEvent] = field(default_factory=list)
    interjections: list[InterjectionEvent] = field(default_factory=list)
    """Researcher text put into the conversation, in the order delivered (detail only)."""
    convergence_warnings: list[ConvergenceWarningEvent] = field(default_factory=list)
    parent_experiment_id: str | None = None
    parent_conversation_id: str | None = None
    branch_turn: int | None = None
    started_at: str | None = None
    resumed_at: str | None = None
    """When a later process last continued the conversation (a restarted resume)."""
    ended_at: str | None = None
    last_seq: int = 0
    events_seen: int = 0
    turn_started: int = 0
    """The latest turn begun (a TurnStartEvent or a message of it), 0 before the first."""
    after_last_turn: bool = False
    """Something of a later turn was recorded after the last TurnCompleteEvent (a turn begun)."""
    offset: int = 0
    """Byte offset of the file read so far (see `read_more`)."""
    parse_errors: list[str] = field(default_factory=list)
    rescored_version: int | None = None
    """The metrics version of the rescore whose scores replaced the recorded ones, if any."""
    _line: int = 1

    @classmethod
    def read(cls, path: Path, detail: bool = True,
             types: Iterable[type[Event]] | None = None) -> ConversationRecord:
        """The record of one conversation file (complete lines only; `types` as in
        `read_more`)."""
        record = cls(detail=detail, path=path)
        record.read_more(types)
        return record

    def read_more(self, types: Iterable[type[Event]] | None = None) -> list[Event]:
        """Fold in the complete lines appended to `path` since the last read; returns them.

        With `types`, only those events are read (a transcript skips requests and usage):
        the totals that depend on the others are then left untouched. Without detail, turns
        are read without their metrics (`read_events`), which it does not keep.
        """
        if self.path is None:
            return []
        first = self.offset == 0
        result = read_events(self.path, self.offset, first_line_number=self._line, types=types,
                             metrics=self.detail)
        if result.offset == self.offset:
            return []
        self._line += result.complete_lines
        self.offset = result.offset
        self.parse_errors.extend(result.errors)
        self.apply_all(result.events)
        if first:
            self.apply_rescore()
        return result.events

    def apply_rescore(self) -> None:
        """Take the scores of the conversation's newest rescore, when it has one."""
        found = rescored_file(self.path) if self.path is not None else None
        if found is not None:
            self.apply_scores(read_all_events(found, metrics=self.detail).events)

    def apply_scores(self, rescored: Sequence[Event]) -> None:
        """Replace the scores of the turns in `rescored` (TurnCompleteEvents) and every end
        state (by its EndStateDetectedEvents); the recorded events stay as they are."""
        turns = {e.turn_number: e for e in rescored if isinstance(e, TurnCompleteEvent)}
        if not turns:
            return
        self.rescored_version = max(e.metrics_version for e in turns.values())
        self.end_states = [e for e in rescored if isinstance(e, EndStateDetectedEvent)]
        if self.detail:
            self.turn_events.update(turns)
            scores = [e.convergence_score for e in self.turn_events.values()]
        else:
            scores = [e.convergence_score for e in turns.values()]
        known = [s for s in scores if s is not None]
        self.max_convergence = max(known) if known else None
        last = max(self.completed_turns, default=None)
        if last in turns:
            self.convergence = turns[last].convergence_score

    def apply_all(self, events: list[Event]) -> None:
        for event in events:
            self.apply(event)

    def apply(self, event: Event) -> None:
        self.events_seen += 1
        self.last_seq = max(self.last_seq, event.seq)
        # The events of every turn first: each case is an isinstance check.
        match event:
            case TurnStartEvent() | MessageRequestEvent():
                self.turn_started = max(self.turn_started, event.turn_number)
            case MessageCompleteEvent():
                self.turn_started = max(self.turn_started, event.turn_number)
                self.message_count += 1
                self.last_message = event.content[:PREVIEW_CHARS]
                self.last_speaker = event.agent_id
                self.last_message_at = event.timestamp
                self.last_error = after_reply(self.last_error)
                if self.detail:
                    self.messages.append(event)
            case TokenUsageEvent():
                self.responses += 1
                self.input_tokens += event.input_tokens
                self.output_tokens += event.output_tokens
                self.cache_read_tokens += event.cache_read_tokens
                self.cache_write_tokens += event.cache_write_tokens
                self.reasoning_tokens += event.reasoning_tokens
                agent = self.agent_usage.get(event.agent_id)
                if agent is None:
                    agent = self.agent_usage[event.agent_id] = AgentUsage()
                agent.input_tokens += event.input_tokens
                agent.output_tokens += event.output_tokens
                agent.last_input_tokens = event.input_tokens + event.cache_read_tokens
                if event.cost_usd is None:
                    self.unpriced_requests += 1
                    agent.unpriced_requests += 1
                else:
                    self.priced_cost_usd += event.cost_usd
                    agent.priced_cost_usd += event.cost_usd
            case TurnCompleteEvent():
                self._turn_complete(event)
                self.after_last_turn = False
                return
            case ConversationStartEvent():
                if self.start is None:
                    self.start = event
                    self.started_at = event.timestamp
                    self.repetition = event.repetition
                    self.initial_prompt = event.initial_prompt
                    self.names = {"agent_a": event.agent_a_name, "agent_b": event.agent_b_name,
                                  **{k: v for k, v in self.names.items()
                                     if v != DEFAULT_NAMES.get(k)}}
                    self.models = {"agent_a": event.agent_a_model,
                                   "agent_b": event.agent_b_model}
                self.experiment_id = event.experiment_id
                self.conversation_id = event.conversation_id or self.conversation_id
                self.max_turns = event.max_turns
                self.status = Status.RUNNING
            case SystemPromptEvent():
                if self.detail:
                    self.system_prompts[event.agent_id] = event.prompt
            case AgentNameChosenEvent():
                self.names[event.agent_id] = event.chosen_name
            case EndStateDetectedEvent():
                self.end_states.append(event)
            case InjectionEvent():
                if self.detail:
                    self.injections.append(event)
            case InterjectionEvent():
                if self.detail:
                    self.interjections.append(event)
            case ConvergenceWarningEvent():
                if self.detail:
                    self.convergence_warnings.append(event)
            case ConversationPausedEvent():
                self.status = Status.PAUSED
            case ConversationResumedEvent():
                self.status, self.end_reason, self.end, self.ended_at = \
                    Status.RUNNING, None, None, None
                if event.restarted:
                    self.resumed_at = event.timestamp
            case ConversationBranchedEvent():
                self.parent_experiment_id = event.parent_experiment_id or None
                self.parent_conversation_id = event.source_conversation_id
                self.branch_turn = event.branch_turn
            case APIErrorEvent() | ErrorEvent():
                self.errors += 1
                self.last_error = event.error_message
            case RateLimitEvent():  # the wait of a failure already counted by its APIErrorEvent
                self.last_error = rate_limited_text(event.wait_s)
            case ConversationEndEvent():
                self.end = event
                self.status, self.end_reason = event.status, event.reason
                self.ended_at = event.timestamp
                if event.error:
                    self.last_error = event.error
        if getattr(event, "turn_number", None) is not None and \
                event.turn_number > self.turns_completed:  # type: ignore[attr-defined]
            self.after_last_turn = True

    def _turn_complete(self, event: TurnCompleteEvent) -> None:
        latest = not self.completed_turns or event.turn_number >= max(self.completed_turns)
        self.completed_turns.add(event.turn_number)
        if latest:
            self.convergence = event.convergence_score
        score = event.convergence_score
        if score is not None and (self.max_convergence is None or score > self.max_convergence):
            self.max_convergence = score
        if self.detail:
            self.turn_events[event.turn_number] = event

    def drop_detail(self) -> None:
        """Keep counts, totals and the latest message only, as if read with `detail=False`."""
        self.detail = False
        self.messages = []
        self.turn_events = {}
        self.system_prompts = {}
        self.injections = []
        self.convergence_warnings = []

    @property
    def turns_completed(self) -> int:
        return len(self.completed_turns)

    @property
    def end_state_labels(self) -> list[str]:
        """End-state names in order of onset."""
        return [e.end_state for e in sorted(self.end_states, key=lambda e: e.onset_turn)]

    @property
    def first_degradation(self) -> EndStateDetectedEvent | None:
        found = [e for e in self.end_states if e.end_state in DEGRADATIONS]
        return min(found, key=lambda e: e.onset_turn) if found else None

    @property
    def substantive_turns(self) -> int:
        """Turns before the first degradation began; all turns when none did."""
        first = self.first_degradation
        return self.turns_completed if first is None else first.substantive_turns

    @property
    def first_speaker(self) -> AgentId:
        return self.start.first_speaker if self.start is not None else AgentId.A

    @property
    def end_error(self) -> str | None:
        """The error the end event names (a failed conversation's cause), if any."""
        return self.end.error if self.end is not None else None

    @property
    def model_pair(self) -> str:
        if self.start is None:
            return "?"
        return f"{self.start.agent_a_model} × {self.start.agent_b_model}"

    @property
    def ended(self) -> bool:
        return self.end is not None

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def cost_usd(self) -> float | None:
        """The conversation's cost, or None when any response was unpriced."""
        return None if self.unpriced_requests else self.priced_cost_usd

    def shown_turn(self, live: bool) -> int:
        """The turn a screen names (see `shown_turn`); `live` as in `settled_status`."""
        return shown_turn(self.turns_completed, self.turn_started, self.settled_status(live))

    def settled_status(self, live: bool) -> Status:
        """The status, with a conversation that never ended and is not live called interrupted."""
        if self.ended or live or self.status == Status.CREATED:
            return self.status
        return Status.INTERRUPTED

    def name_of(self, agent_id: AgentId) -> str:
        return self.names.get(agent_id) or DEFAULT_NAMES.get(agent_id, agent_id)

    def metrics_of(self, turn: int) -> dict[str, float]:
        """A turn's metrics with its convergence score (detail only)."""
        event = self.turn_events.get(turn)
        if event is None:
            return {}
        values = dict(event.metrics)
        if event.convergence_score is not None:
            values["convergence_score"] = event.convergence_score
        return values

    def convergence_at(self, turn: int) -> float | None:
        """A completed turn's convergence score (detail only)."""
        event = self.turn_events.get(turn)
        return event.convergence_score if event is not None else None

    @property
    def title(self) -> str:
        a, b = self.models.get("agent_a", "?"), self.models.get("agent_b", "?")
        name = self.conversation_id or (self.path.stem if self.path else "?")
        return f"{name} · {a} × {b}"

    @property
    def turns_in_order(self) -> list[TurnCompleteEvent]:
        """The latest TurnCompleteEvent of each completed turn, by turn (detail only)."""
        return [self.turn_events[t] for t in sorted(self.turn_events)]

    @property
    def complete_messages(self) -> list[MessageCompleteEvent]:
        """Messages of finished responses (a partial message of an interrupted turn left out)."""
        return [m for m in self.messages if m.finish_reason != "interrupted"]
