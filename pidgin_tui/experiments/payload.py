"""The payload inspector: exactly what one agent was sent at one turn, rebuilt from the record.

The request is rebuilt by the Conductor's own `build_request` (the Router and the history replay
the live run used), from the recorded system prompt and the complete messages before it, and is
then hashed as the live request was. It is "verified" when that hash equals the one recorded in
the turn's `MessageRequestEvent`, and "differs" otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pidgin_tui.core.agent_request import build_request, output_reserve
from pidgin_tui.core.events import (
    ConversationBranchedEvent,
    ConversationStartEvent,
    Event,
    MessageRequestEvent,
    SystemPromptEvent,
    event_to_dict,
)
from pidgin_tui.core.history import (
    HistoryItem,
    injection_entry,
    recorded_items,
    replay_entries,
)
from pidgin_tui.core.payload_hash import payload_sha256
from pidgin_tui.core.router import AgentView
from pidgin_tui.core.types import AgentId, ChatMessage
from pidgin_tui.providers.registry import Registry
from pidgin_tui.record.jsonl import read_all_events
from pidgin_tui.record.layout import conversation_jsonl_name

_SHOWN_ELSEWHERE = frozenset({"event_type", "event_id", "timestamp", "experiment_id",
                              "conversation_id", "seq", "schema_version", "turn_number",
                              "agent_id"})
"""Request event fields the payload already shows in its own words (turn 1-based, agent)."""



class PayloadError(LookupError):
    """The payload cannot be rebuilt (no such request, no record of it); the message says why."""


@dataclass(slots=True)
class Payload:
    experiment_id: str
    conversation_id: str
    turn: int
    """1-based, as a person counts."""
    agent: AgentId
    model: str
    system: str
    messages: list[ChatMessage]
    parameters: dict[str, Any]
    """What the rebuilt request carries: the parameters the provider was given."""
    recorded: dict[str, Any]
    """The turn's MessageRequestEvent fields (requested and, where recorded, effective values)."""
    estimated_tokens: int
    context_window: int
    reserve_output_tokens: int
    dropped_messages: int
    over_limit: bool
    recorded_hash: str
    rebuilt_hash: str
    attempt: int = 1
    notes: list[str] = field(default_factory=list)

    @property
    def effective(self) -> dict[str, Any]:
        """What the provider payload carried, as recorded (empty in records that predate it)."""
        effective = self.recorded.get("effective")
        return effective if isinstance(effective, dict) else {}

    def parameter_lines(self) -> list[str]:
        """`Requested: …` and, where recorded, `Effective: …` (what the payload really carried)."""
        lines = ["Requested: " + ", ".join(f"{k}={v}" for k, v in self.parameters.items())]
        if self.effective:
            lines.append("Effective: " + ", ".join(f"{k}={v}" for k, v in self.effective.items()))
        return lines

    @property
    def verified(self) -> bool:
        return self.recorded_hash == self.rebuilt_hash

    @property
    def verdict(self) -> str:
        return "verified" if self.verified else "differs"

    @property
    def truncation(self) -> str:
        """What was left out of the request and why, in one sentence."""
        budget = self.context_window - self.reserve_output_tokens
        if self.over_limit:
            return (f"over the limit: ~{self.estimated_tokens} tokens exceed the {budget} "
                    f"available ({self.context_window}-token window less "
                    f"{self.reserve_output_tokens} reserved for the reply)")
        if self.dropped_messages:
            return (f"{self.dropped_messages} oldest message(s) dropped to fit ~"
                    f"{self.estimated_tokens} tokens in the {budget} available "
                    f"({self.context_window}-token window less {self.reserve_output_tokens} "
                    "reserved for the reply)")
        return (f"nothing dropped: ~{self.estimated_tokens} tokens fit the {budget} available "
                f"({self.context_window}-token window less {self.reserve_output_tokens} "
                "reserved for the reply)")

    def to_dict(self) -> dict[str, Any]:
        return {
            "experiment_id": self.experiment_id, "conversation_id": self.conversation_id,
            "turn": self.turn, "agent": self.agent.value, "model": self.model,
            "attempt": self.attempt, "verdict": self.verdict,
            "recorded_payload_sha256": self.recorded_hash,
            "rebuilt_payload_sha256": self.rebuilt_hash,
            "system": self.system,
            "messages": [{"role": m.role, "content": m.content} for m in self.messages],
            "parameters": self.parameters, "recorded": self.recorded,
            "truncation": {"dropped_messages": self.dropped_messages,
                           "over_limit": self.over_limit,
                           "estimated_tokens": self.estimated_tokens,
                           "context_window": self.context_window,
                           "reserve_output_tokens": self.reserve_output_tokens,
                           "why": self.truncation},
            "notes": self.notes,
        }


def _request_for(events: list[Event], turn: int, agent: AgentId) -> MessageRequestEvent:
    requests = [e for e in events if isinstance(e, MessageRequestEvent)
                and e.turn_number == turn and e.agent_id == agent.value]
    if not requests:
        turns = sorted({e.turn_number for e in events
                        if isinstance(e, MessageRequestEvent)})
        shown = f"turns {turns[0]}-{turns[-1]}" if turns else "no requests at all"
        raise PayloadError(f"agent {agent.letter} was sent nothing at turn {turn} "
                           f"(recorded: {shown})")
    return requests[-1]  # the last attempt is the one answered


def _messages_before(events: list[Event], seq: int) -> list[HistoryItem]:
    """Complete messages and interjections recorded before the request, as the Conductor had
    remembered them (inherited ones included: a branch's history starts with its parent's)."""
    return recorded_items(e for e in events if e.seq < seq)


def _from_parent(experiment_dir: Path, branched: ConversationBranchedEvent, turn: int,
                 agent: AgentId, registry: Registry | None) -> Payload:
    """An inherited turn was sent in the parent conversation: rebuild it there."""
    from pidgin_tui.record.layout import ExperimentNotFound
    from pidgin_tui.record.lookup import resolve_experiment

    try:
        parent_dir = resolve_experiment(experiment_dir.parent.parent,
                                        branched.parent_experiment_id)
    except ExperimentNotFound as exc:
        raise PayloadError(f"turn {turn} is inherited from {branched.source_conversation_id}, "
                           f"whose experiment is not here: {exc}") from None
    payload = rebuild_payload(parent_dir, branched.source_conversation_id, turn, agent,
                              registry=registry)
    payload.notes.append(f"turn {turn} is inherited: this is the request sent in the parent "
                         f"conversation {branched.source_conversation_id}")
    return payload


def rebuild_payload(experiment_dir: Path, conversation_id: str, turn: int, agent: AgentId, *,
                    registry: Registry | None = None) -> Payload:
    """Rebuild the request `agent` was sent at 1-based `turn` and check it against the record."""
    from pidgin_tui.experiments.runner import ExperimentRunner

    path = experiment_dir / conversation_jsonl_name(conversation_id)
    events = read_all_events(path).events
    start = next((e for e in events if isinstance(e, ConversationStartEvent)), None)
    if start is None:
        raise PayloadError(f"{path.name}: the conversation's start was never recorded")
    branched = next((e for e in events if isinstance(e, ConversationBranchedEvent)), None)
    if branched is not None and turn <= branched.branch_turn and branched.parent_experiment_id:
        return _from_parent(experiment_dir, branched, turn, agent, registry)
    recorded = _request_for(events, turn, agent)
    prompts = [e for e in events if isinstance(e, SystemPromptEvent)
               and e.agent_id == agent.value and e.seq < recorded.seq]
    if not prompts:
        raise PayloadError(f"{path.name}: agent {agent.letter}'s system prompt was never recorded")
    runner = ExperimentRunner.for_existing(experiment_dir, experiment_dir.parent,
                                           registry=registry)
    if branched is not None and branched.changes:  # a branch written into its parent's
        from pidgin_tui.experiments.spec import recorded_spec  # experiment

        runner = ExperimentRunner(recorded_spec(runner.spec, branched),
                                  experiment_dir.parent, registry=registry,
                                  experiment_id=runner.experiment_id)
    plan = runner.plan_for(start.repetition, conversation_id)
    info = runner.models[agent]
    entries = replay_entries(plan, _messages_before(events, recorded.seq))
    injection = injection_entry(plan, agent, recorded.turn_number)
    if injection is not None:
        entries.append(injection)
    view = AgentView(agent, runner.estimate_tokens).extend(entries)
    routed, request = build_request(plan, agent, info, view, prompts[-1].prompt,
                                    recorded.turn_number)
    notes = []
    if info.ref != recorded.model:
        notes.append(f"the record names {recorded.model}, the experiment's spec {info.ref}")
    if routed.dropped_messages != recorded.truncated_messages:
        notes.append(f"the record says {recorded.truncated_messages} message(s) were dropped; "
                     f"the rebuild drops {routed.dropped_messages}")
    return Payload(
        experiment_id=start.experiment_id, conversation_id=conversation_id, turn=turn,
        agent=agent, model=recorded.model, system=request.system, messages=request.messages,
        parameters={"model_id": request.model, "temperature": request.temperature,
                    "max_output_tokens": request.max_output_tokens, "think": request.think,
                    "think_budget": request.think_budget},
        recorded={k: v for k, v in event_to_dict(recorded).items() if k not in _SHOWN_ELSEWHERE},
        estimated_tokens=routed.estimated_tokens, context_window=info.context_window,
        reserve_output_tokens=output_reserve(plan, agent, info),
        dropped_messages=routed.dropped_messages, over_limit=routed.over_limit,
        recorded_hash=recorded.payload_sha256, rebuilt_hash=payload_sha256(request),
        attempt=recorded.attempt, notes=notes,
    )


def render_payload_text(payload: Payload) -> str:
    """The payload as plain text for a terminal; model text is made inert by the caller."""
    lines = [f"Payload · {payload.conversation_id} · turn {payload.turn} · agent "
             f"{payload.agent.letter} ({payload.model}) · attempt {payload.attempt}",
             f"Hash: {payload.verdict} (recorded {payload.recorded_hash[:16]}…, rebuilt "
             f"{payload.rebuilt_hash[:16]}…)",
             *payload.parameter_lines(),
             f"Truncation: {payload.truncation}"]
    lines += [f"Note: {note}" for note in payload.notes]
    lines += ["", "── system ──", payload.system or "(none)"]
    for number, message in enumerate(payload.messages, 1):
        lines += ["", f"── {number} · {message.role} ──", message.content]
    return "\n".join(lines) + "\n"
