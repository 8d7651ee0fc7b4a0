"""Reading an experiment directory's JSONL into plain objects for the reports.

Reports are built from the JSONL itself, not the database, so transcripts and the README are
written even when the database step fails or the database is locked by another process.
Unreadable lines (a truncated last line after a crash) are skipped and listed in `problems`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pidgin_tui.core.events import (
    AgentNameChosenEvent,
    ConvergenceWarningEvent,
    ConversationEndEvent,
    ConversationStartEvent,
    EndStateDetectedEvent,
    Event,
    InjectionEvent,
    MessageCompleteEvent,
    SystemPromptEvent,
    TokenUsageEvent,
    TurnCompleteEvent,
)
from pidgin_tui.metrics.endstates import DEGRADATIONS
from pidgin_tui.record.jsonl import read_all_events
from pidgin_tui.record.layout import EXPERIMENT_EVENTS_NAME, conversation_files, conversation_id_of
from pidgin_tui.record.manifest import read_manifest


@dataclass(slots=True)
class ConversationData:
    conversation_id: str
    jsonl: Path
    start: ConversationStartEvent | None = None
    end: ConversationEndEvent | None = None
    messages: list[MessageCompleteEvent] = field(default_factory=list)
    turns: list[TurnCompleteEvent] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = 0.0
    """None once any request was unpriced."""
    names: dict[str, str] = field(default_factory=dict)
    end_states: list[EndStateDetectedEvent] = field(default_factory=list)
    """Detected end states, in the order they were detected."""
    system_prompts: dict[str, str] = field(default_factory=dict)
    injections: list[InjectionEvent] = field(default_factory=list)
    convergence_warnings: list[ConvergenceWarningEvent] = field(default_factory=list)

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
    def model_pair(self) -> str:
        if self.start is None:
            return "?"
        return f"{self.start.agent_a_model} × {self.start.agent_b_model}"

    @property
    def status(self) -> str:
        return self.end.status if self.end else "interrupted"

    @property
    def end_reason(self) -> str:
        return self.end.reason if self.end else "no end recorded (interrupted or still running)"

    @property
    def turns_completed(self) -> int:
        return self.end.total_turns if self.end else len(self.turns)

    @property
    def final_convergence(self) -> float | None:
        scored = [t.convergence_score for t in self.turns if t.convergence_score is not None]
        return scored[-1] if scored else None

    def name_of(self, agent_id: str) -> str:
        if agent_id in self.names:
            return self.names[agent_id]
        if self.start is not None:
            return self.start.agent_a_name if agent_id == "agent_a" else self.start.agent_b_name
        return "Agent A" if agent_id == "agent_a" else "Agent B"


@dataclass(slots=True)
class ExperimentData:
    directory: Path
    manifest: dict[str, Any]
    conversations: dict[str, ConversationData]
    experiment_events: list[Event] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def experiment_id(self) -> str:
        return str(self.manifest.get("experiment_id") or self.directory.name)

    @property
    def name(self) -> str:
        return str(self.manifest.get("name") or self.directory.name)

    @property
    def status(self) -> str:
        return str(self.manifest.get("status") or "unknown")


def _apply(conv: ConversationData, event: Event) -> None:
    match event:
        case ConversationStartEvent():
            conv.start = conv.start or event
        case ConversationEndEvent():
            conv.end = event
        case MessageCompleteEvent():
            conv.messages.append(event)
        case TurnCompleteEvent():
            conv.turns.append(event)
        case TokenUsageEvent():
            conv.input_tokens += event.input_tokens
            conv.output_tokens += event.output_tokens
            if event.cost_usd is None or conv.cost_usd is None:
                conv.cost_usd = None
            else:
                conv.cost_usd += event.cost_usd
        case AgentNameChosenEvent():
            conv.names[event.agent_id] = event.chosen_name
        case EndStateDetectedEvent():
            conv.end_states.append(event)
        case SystemPromptEvent():
            conv.system_prompts[event.agent_id] = event.prompt
        case InjectionEvent():
            conv.injections.append(event)
        case ConvergenceWarningEvent():
            conv.convergence_warnings.append(event)


def load_experiment(directory: Path) -> ExperimentData:
    """Every conversation of an experiment directory, from its JSONL files."""
    data = ExperimentData(directory, read_manifest(directory) or {}, {})
    exp_file = directory / EXPERIMENT_EVENTS_NAME
    if exp_file.exists():
        result = read_all_events(exp_file)
        data.experiment_events = result.events
        _note(data, exp_file, result.errors, result.partial_tail_bytes)
    for path in conversation_files(directory):
        conv_id = conversation_id_of(path) or path.stem
        conv = data.conversations[conv_id] = ConversationData(conv_id, path)
        result = read_all_events(path)
        for event in result.events:
            _apply(conv, event)
        _note(data, path, result.errors, result.partial_tail_bytes)
    return data


def _note(data: ExperimentData, path: Path, errors: list[str], partial: int) -> None:
    if partial:
        data.problems.append(f"{path.name}: truncated last line skipped ({partial} bytes)")
    data.problems += [f"{path.name}: {error}" for error in errors]
