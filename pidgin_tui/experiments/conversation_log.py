"""ConversationLog: one conversation's messages and per-turn metrics, read from its JSONL.

Reads incrementally (`read_more` continues from the last byte offset), so the same object serves
the transcript browser (read once) and the follow view of a run in another process (read as the
file grows). Also renders the conversation as Markdown for export.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from pidgin_tui.core.events import (
    AgentNameChosenEvent,
    ConversationEndEvent,
    ConversationResumedEvent,
    ConversationStartEvent,
    Event,
    MessageCompleteEvent,
    TurnCompleteEvent,
)

AGENTS = ("agent_a", "agent_b")
_SHOWN = (ConversationStartEvent, AgentNameChosenEvent, MessageCompleteEvent, TurnCompleteEvent,
          ConversationResumedEvent, ConversationEndEvent)
"""The event types a transcript is made of."""
_WANTED_PREFIXES = tuple(f'{{"event_type":"{cls.__name__}"'.encode() for cls in _SHOWN)
_decoder = msgspec.json.Decoder(ConversationStartEvent | AgentNameChosenEvent
                                | MessageCompleteEvent | TurnCompleteEvent
                                | ConversationResumedEvent | ConversationEndEvent)


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
        events, self.offset, errors = read_shown_events(self.path, self.offset)
        self.parse_errors.extend(errors)
        for event in events:
            self.apply(event)
        return events

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
            case ConversationResumedEvent():
                self.status, self.end_reason, self.error = "running", None, None
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


def read_shown_events(path: Path, offset: int) -> tuple[list[Event], int, list[str]]:
    """The transcript events in the complete lines of `path` from byte `offset`.

    Returns (events, offset for the next read, errors). Only the types a transcript shows are
    decoded: a prefix test skips requests, token usage and the like, most of the file. A
    truncated last line is left for the next read.
    """
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read()
    except FileNotFoundError:
        return [], offset, []
    end = data.rfind(b"\n")
    if end < 0:
        return [], offset, []
    events: list[Event] = []
    errors: list[str] = []
    for line in data[:end].split(b"\n"):
        if not line.startswith(_WANTED_PREFIXES):
            continue
        try:
            events.append(_decoder.decode(line))
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            errors.append(f"after byte {offset}: {exc}")
    return events, offset + end + 1, errors


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.splitlines())
