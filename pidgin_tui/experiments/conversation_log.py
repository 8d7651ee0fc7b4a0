"""ConversationLog: one conversation's messages and per-turn metrics, read from its JSONL.

Reads incrementally (`read_more` continues from the last byte offset), so the same object serves
the transcript browser (read once) and the follow view of a run in another process (read as the
file grows). Also renders the conversation as Markdown for export.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pidgin_tui.core.events import (
    AgentNameChosenEvent,
    ConversationEndEvent,
    ConversationStartEvent,
    Event,
    MessageCompleteEvent,
    TurnCompleteEvent,
)
from pidgin_tui.experiments.jsonl import read_events

AGENTS = ("agent_a", "agent_b")


@dataclass(slots=True)
class LogMessage:
    turn: int
    agent_id: str
    content: str
    thinking: str | None = None
    model: str = ""
    tokens: int = 0
    finish_reason: str = "stop"


@dataclass(slots=True)
class ConversationLog:
    path: Path
    experiment_id: str = ""
    conversation_id: str = ""
    names: dict[str, str] = field(default_factory=lambda: {"agent_a": "Agent A",
                                                           "agent_b": "Agent B"})
    models: dict[str, str] = field(default_factory=dict)
    initial_prompt: str = ""
    max_turns: int = 0
    messages: list[LogMessage] = field(default_factory=list)
    convergence: dict[int, float] = field(default_factory=dict)
    metrics: dict[int, dict[str, float]] = field(default_factory=dict)
    status: str = "created"
    end_reason: str | None = None
    error: str | None = None
    offset: int = 0
    parse_errors: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> ConversationLog:
        log = cls(path)
        log.read_more()
        return log

    def read_more(self) -> list[Event]:
        """Fold in the complete lines appended since the last read; returns the new events."""
        result = read_events(self.path, self.offset)
        self.offset = result.offset
        self.parse_errors.extend(result.errors)
        for event in result.events:
            self.apply(event)
        return result.events

    def apply(self, event: Event) -> None:
        match event:
            case ConversationStartEvent():
                self.experiment_id = event.experiment_id
                self.conversation_id = event.conversation_id or ""
                self.names = {"agent_a": event.agent_a_name, "agent_b": event.agent_b_name}
                self.models = {"agent_a": event.agent_a_model, "agent_b": event.agent_b_model}
                self.initial_prompt, self.max_turns = event.initial_prompt, event.max_turns
                self.status = "running"
            case AgentNameChosenEvent():
                self.names[event.agent_id] = event.chosen_name
            case MessageCompleteEvent():
                self.messages.append(LogMessage(event.turn_number, event.agent_id, event.content,
                                                event.thinking, event.model, event.tokens_used,
                                                event.finish_reason))
            case TurnCompleteEvent():
                if event.convergence_score is not None:
                    self.convergence[event.turn_number] = event.convergence_score
                self.metrics[event.turn_number] = {
                    **event.metrics, **({"convergence_score": event.convergence_score}
                                        if event.convergence_score is not None else {})}
            case ConversationEndEvent():
                self.status, self.end_reason, self.error = event.status, event.reason, event.error

    @property
    def turns(self) -> int:
        return 1 + max((m.turn for m in self.messages), default=-1)

    @property
    def title(self) -> str:
        a, b = self.models.get("agent_a", "?"), self.models.get("agent_b", "?")
        return f"{self.conversation_id or self.path.stem} · {a} × {b}"

    def to_markdown(self) -> str:
        """The conversation as a Markdown document: header, opening prompt, turns, thinking."""
        lines = [f"# Conversation {self.conversation_id}", "",
                 f"- Experiment: {self.experiment_id}",
                 f"- Agent A: {self.names['agent_a']} ({self.models.get('agent_a', '?')})",
                 f"- Agent B: {self.names['agent_b']} ({self.models.get('agent_b', '?')})",
                 f"- Turns: {self.turns} / {self.max_turns}",
                 f"- Status: {self.status}" + (f" ({self.end_reason})" if self.end_reason
                                               else ""), ""]
        if self.initial_prompt:
            lines += ["## Opening prompt", "", _quote(self.initial_prompt), ""]
        current = -1
        for message in self.messages:
            if message.turn != current:
                current = message.turn
                score = self.convergence.get(current)
                suffix = f" · convergence {score:.2f}" if score is not None else ""
                lines += [f"## Turn {current + 1}{suffix}", ""]
            lines += [f"**{self.names.get(message.agent_id, message.agent_id)}**", ""]
            if message.thinking:
                lines += ["<details><summary>thinking</summary>", "", message.thinking, "",
                          "</details>", ""]
            lines += [message.content, ""]
        return "\n".join(lines).rstrip() + "\n"


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.splitlines())
