"""What the app knows about the runs it conducts: a pure reducer over core events.

The bridge applies every event here before it posts a message, so a screen that handles a
message always finds the store at least as new as the message. Nothing here imports Textual;
the state is tested on its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pidgin_tui.core.events import (
    ConversationEndEvent,
    Event,
    ExperimentCompleteEvent,
    ExperimentStartEvent,
    MessageChunkEvent,
    MessageCompleteEvent,
    MessageRequestEvent,
    RateLimitEvent,
    ThinkingChunkEvent,
    TurnCompleteEvent,
)
from pidgin_tui.core.rate_limit_text import rate_limited_text
from pidgin_tui.core.types import AgentId, Status
from pidgin_tui.record.conversation import AGENTS, AgentUsage, ConversationRecord
from pidgin_tui.record.layout import conversation_jsonl_name
from pidgin_tui.tui.error_entries import ErrorEntry, error_entries

RESIDENT_TURNS = 12
"""Turns whose text is kept in memory per conversation; older ones live only in the JSONL."""
CONVERGENCE_HISTORY = 2_000
"""Convergence scores kept per conversation for the sparkline."""
MAX_ERRORS = 1_000
"""Error entries kept; the oldest are dropped first (every error is also in the JSONL)."""


@dataclass(slots=True)
class MessageState:
    """One agent's message in one turn, streaming or complete."""

    agent_id: AgentId
    turn: int
    chunks: list[str] = field(default_factory=list)
    thinking_chunks: list[str] = field(default_factory=list)
    content: str | None = None
    """The final text once the message is complete."""
    finish_reason: str | None = None

    @property
    def complete(self) -> bool:
        return self.content is not None

    @property
    def text(self) -> str:
        return self.content if self.content is not None else "".join(self.chunks)

    @property
    def thinking(self) -> str:
        return "".join(self.thinking_chunks)


@dataclass(slots=True)
class AgentStats:
    """One agent of one conversation: its usage and name from the conversation's record, plus
    what only a live run measures (context window, time to first token, speed)."""

    record: ConversationRecord
    agent_id: AgentId
    context_window: int = 0
    ttft_ms: int | None = None
    tokens_per_s: float | None = None

    @property
    def name(self) -> str:
        return self.record.name_of(self.agent_id)

    @property
    def model(self) -> str:
        return self.record.models.get(self.agent_id, "")

    @property
    def usage(self) -> AgentUsage:
        return self.record.agent_usage.get(self.agent_id) or AgentUsage()

    @property
    def input_tokens(self) -> int:
        return self.usage.input_tokens

    @property
    def output_tokens(self) -> int:
        return self.usage.output_tokens

    @property
    def cost_usd(self) -> float:
        """The priced part of the agent's cost (`unpriced` says whether that is all of it)."""
        return self.usage.priced_cost_usd

    @property
    def unpriced(self) -> bool:
        return self.usage.unpriced_requests > 0

    @property
    def context_pct(self) -> float | None:
        if not self.context_window:
            return None
        return 100.0 * self.usage.last_input_tokens / self.context_window


@dataclass(slots=True)
class ConversationState:
    """One conversation as the live screen shows it.

    Its state (status, turns, names, usage, end) is its `ConversationRecord`, folded from the
    same events as every other reader; this class adds only what a live screen keeps besides:
    streaming text of the resident turns, the convergence sparkline, the latest metrics and a
    pending rate-limit wait.
    """

    conversation_id: str
    experiment_id: str
    index: int
    record: ConversationRecord = field(init=False)
    agents: dict[str, AgentStats] = field(init=False)
    turns: dict[int, dict[str, MessageState]] = field(default_factory=dict)
    """Resident turns only: turn number → agent id → message, in speaking order."""
    collapsed_turns: int = 0
    convergence: list[float] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    retry_at: float | None = None
    """Store-clock time of the pending retry after a rate limit; None when none is pending."""
    version: int = 0
    """Bumped on every change, so views redraw only what changed."""

    def __post_init__(self) -> None:
        self.record = ConversationRecord(conversation_id=self.conversation_id,
                                         experiment_id=self.experiment_id, detail=False)
        self.agents = {agent: AgentStats(self.record, agent) for agent in AGENTS}

    def rate_limit_note(self, now: float) -> str | None:
        """`rate limited · retry in N s` while a rate-limit wait is pending, else None."""
        if self.retry_at is None or self.finished:
            return None
        return rate_limited_text(self.retry_at - now)

    def message(self, agent_id: AgentId, turn: int) -> MessageState:
        """The message of `agent_id` in `turn`, created (and older turns collapsed) on demand."""
        messages = self.turns.get(turn)
        if messages is None:
            messages = self.turns[turn] = {}
            while len(self.turns) > RESIDENT_TURNS:
                del self.turns[min(self.turns)]
                self.collapsed_turns += 1
        state = messages.get(agent_id)
        if state is None:
            state = messages[agent_id] = MessageState(agent_id, turn)
        return state

    @property
    def status(self) -> Status:
        return self.record.status

    @property
    def max_turns(self) -> int:
        return self.record.max_turns

    @property
    def first_speaker(self) -> AgentId:
        return self.record.first_speaker

    @property
    def prompt(self) -> str:
        return self.record.initial_prompt

    @property
    def turns_completed(self) -> int:
        return self.record.turns_completed

    @property
    def shown_turn(self) -> int:
        """The turn the screen names: the one under way while running, else the last done."""
        return self.record.shown_turn(live=True)

    @property
    def end_reason(self) -> str | None:
        return self.record.end_reason

    @property
    def error(self) -> str | None:
        return self.record.end_error

    @property
    def end_states(self) -> list[tuple[str, int]]:
        """Detected end states as (name, onset turn), in the order they were detected."""
        return [(e.end_state, e.onset_turn) for e in self.record.end_states]

    @property
    def tokens(self) -> int:
        return self.record.total_tokens

    @property
    def finished(self) -> bool:
        return self.record.ended


@dataclass(slots=True)
class ExperimentState:
    """One launched experiment and its conversations."""

    experiment_id: str
    name: str
    conversations: dict[str, ConversationState] = field(default_factory=dict)
    status: Status = Status.CREATED
    started_at: float | None = None
    ended_at: float | None = None
    output_dir: str = ""
    version: int = 0

    @property
    def total(self) -> int:
        return len(self.conversations)

    @property
    def done(self) -> int:
        return sum(c.finished for c in self.conversations.values())

    @property
    def tokens(self) -> int:
        return sum(c.tokens for c in self.conversations.values())

    @property
    def cost_usd(self) -> float:
        """The priced part of the experiment's cost (`unpriced` says whether that is all)."""
        return sum(c.record.priced_cost_usd for c in self.conversations.values())

    @property
    def unpriced(self) -> bool:
        return any(c.record.unpriced_requests for c in self.conversations.values())

    @property
    def running(self) -> bool:
        return self.status in (Status.CREATED, Status.RUNNING)

    def elapsed_s(self, now: float) -> float:
        if self.started_at is None:
            return 0.0
        return (self.ended_at if self.ended_at is not None else now) - self.started_at


class RunStore:
    """Every experiment launched from this app and every error seen, updated by `apply`."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.experiments: dict[str, ExperimentState] = {}
        self.errors: list[ErrorEntry] = []
        self.unread_errors = 0
        self.version = 0

    def add_experiment(self, experiment_id: str, name: str, conversation_ids: list[str],
                       models: dict[str, tuple[str, int]], output_dir: str = "") -> ExperimentState:
        """Register a launch before its first event; `models` maps agent → (ref, context window)."""
        experiment = ExperimentState(experiment_id, name, output_dir=output_dir)
        for index, conversation_id in enumerate(conversation_ids):
            conversation = ConversationState(conversation_id, experiment_id, index)
            for agent_id, (ref, window) in models.items():
                conversation.record.models[agent_id] = ref
                conversation.agents[agent_id].context_window = window
            experiment.conversations[conversation_id] = conversation
        self.experiments[experiment_id] = experiment
        self.version += 1
        return experiment

    def conversation(self, conversation_id: str | None) -> ConversationState | None:
        if conversation_id is None:
            return None
        for experiment in reversed(self.experiments.values()):
            found = experiment.conversations.get(conversation_id)
            if found is not None:
                return found
        return None

    @property
    def running(self) -> list[ExperimentState]:
        return [e for e in self.experiments.values() if e.running]

    def record_file(self, conversation: ConversationState) -> Path | None:
        """The conversation's JSONL (every turn, where the store keeps the last few), or None
        while it has none on disk."""
        experiment = self.experiments.get(conversation.experiment_id)
        if experiment is None or not experiment.output_dir:
            return None
        path = Path(experiment.output_dir) / conversation_jsonl_name(conversation.conversation_id)
        return path if path.is_file() else None

    def mark_errors_read(self) -> None:
        self.unread_errors = 0
        self.version += 1

    def apply(self, event: Event) -> list[ErrorEntry]:
        """Fold one event into the state; returns the error entries it added (usually none)."""
        self.version += 1
        experiment = self.experiments.get(event.experiment_id)
        if experiment is not None:
            experiment.version += 1
        conversation = None
        if experiment is not None and event.conversation_id is not None:
            conversation = experiment.conversations.get(event.conversation_id)
            if conversation is None:
                conversation = ConversationState(event.conversation_id, event.experiment_id,
                                                 len(experiment.conversations))
                experiment.conversations[event.conversation_id] = conversation
            conversation.version += 1
        if conversation is not None:
            self._apply_conversation(conversation, event)
        elif experiment is not None:
            self._apply_experiment(experiment, event)
        models = " × ".join(a.model for a in conversation.agents.values()) if conversation else ""
        entries = error_entries(event, self.clock(), models)
        if entries:
            self.add_errors(entries)
        return entries

    def _apply_experiment(self, experiment: ExperimentState, event: Event) -> None:
        match event:
            case ExperimentStartEvent():
                experiment.status = Status.RUNNING
                experiment.name = event.name or experiment.name
                experiment.started_at = self.clock()
            case ExperimentCompleteEvent():
                experiment.status = event.status
                experiment.ended_at = self.clock()

    def _apply_conversation(self, conv: ConversationState, event: Event) -> None:
        """The record takes every persisted event; the live extras are kept beside it."""
        if event.persist:
            conv.record.apply(event)
        match event:
            case MessageChunkEvent():
                conv.message(event.agent_id, event.turn_number).chunks.append(event.chunk)
            case ThinkingChunkEvent():
                conv.message(event.agent_id, event.turn_number).thinking_chunks.append(event.chunk)
            case RateLimitEvent():
                conv.retry_at = self.clock() + event.wait_s
            case MessageRequestEvent():
                conv.retry_at = None
                message = conv.message(event.agent_id, event.turn_number)
                if event.attempt > 1:  # a retry: the failed attempt's partial text goes away
                    message.chunks.clear()
                    message.thinking_chunks.clear()
            case MessageCompleteEvent():
                message = conv.message(event.agent_id, event.turn_number)
                message.content = event.content
                message.finish_reason = event.finish_reason
                if event.thinking and not message.thinking_chunks:
                    message.thinking_chunks.append(event.thinking)
                stats = conv.agents[event.agent_id]
                stats.ttft_ms = event.time_to_first_token_ms
                streaming_ms = event.duration_ms - (event.time_to_first_token_ms or 0)
                if event.tokens_used and streaming_ms > 0:
                    stats.tokens_per_s = event.tokens_used * 1000.0 / streaming_ms
            case TurnCompleteEvent():
                if event.convergence_score is not None:
                    conv.convergence.append(event.convergence_score)
                    del conv.convergence[:-CONVERGENCE_HISTORY]
                if event.metrics:
                    conv.metrics = dict(event.metrics)
            case ConversationEndEvent():
                conv.retry_at = None

    def add_errors(self, entries: list[ErrorEntry]) -> None:
        """Record errors (also used for failures outside the bus, such as a launch that crashed)."""
        self.errors.extend(entries)
        del self.errors[:-MAX_ERRORS]
        self.unread_errors += len(entries)
        self.version += 1
