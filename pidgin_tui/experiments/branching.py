"""Planning a branch: which of the parent's turns it inherits, its spec and what it changes.

`plan_branch` reads the parent conversation's record and returns a `BranchSource` that the
ExperimentRunner turns into one `BranchStart` per new conversation. Branches go into a new
experiment whose spec is the parent's with the requested changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pidgin_tui.core.branch import INHERITED_TYPES, BranchStart
from pidgin_tui.core.events import (
    ConversationStartEvent,
    Event,
    InterjectionEvent,
    MessageCompleteEvent,
    TurnCompleteEvent,
)
from pidgin_tui.core.history import recorded_items, turn_texts
from pidgin_tui.experiments.spec import ExperimentSpec, parse_spec
from pidgin_tui.record.jsonl import read_all_events
from pidgin_tui.record.layout import conversation_jsonl_name
from pidgin_tui.record.manifest import read_manifest

SPEAKERS = ("narrator", "agent_a", "agent_b")
"""Who an injected or interjected text speaks as."""
_NOT_CHANGES = frozenset({"name", "repetitions", "max_parallel"})
"""Spec keys that describe the run, not the conversation: never reported as changes."""


class BranchError(ValueError):
    """The branch cannot be made as asked; the message says why."""


@dataclass(slots=True)
class BranchSource:
    parent_dir: Path
    parent_experiment_id: str
    parent_conversation_id: str
    turn: int
    """Turns inherited (1-based last shared turn)."""
    spec: ExperimentSpec
    changes: dict[str, Any]
    seed: int
    """The parent conversation's seed: the first branch keeps it, the next add 1, 2, …"""
    inherited: list[Event] = field(default_factory=list)
    inject: tuple[str, str, tuple[str, ...]] | None = None
    """(text, speaker, recipients) put in at the branch point."""

    def turn_texts(self) -> list[tuple[str, str]]:
        """(A's text, B's text) of every inherited turn, for cumulative metrics."""
        return turn_texts(recorded_items(self.inherited), self.turn)

    def start(self) -> BranchStart:
        interjection = None
        if self.inject is not None:
            text, speaker, to = self.inject
            interjection = InterjectionEvent(turn_number=self.turn + 1, text=text,
                                             speaker=speaker, to=list(to))
        return BranchStart(self.parent_experiment_id, self.parent_conversation_id, self.turn,
                           list(self.inherited), dict(self.changes), interjection)


def _turn_of(event: Event) -> int:
    return getattr(event, "turn_number", 0)


def plan_branch(parent_dir: Path, conversation_id: str, turn: int, overrides: dict[str, Any],
                *, repetitions: int = 1,
                inject: tuple[str, str, tuple[str, ...]] | None = None) -> BranchSource:
    """A branch of `conversation_id` after its turn `turn` (1-based; 0 inherits nothing)."""
    from pidgin_tui.experiments.runner import ExperimentRunner

    manifest = read_manifest(parent_dir)
    if manifest is None:
        raise BranchError(f"{parent_dir.name}: manifest.json is missing or unreadable")
    events = read_all_events(parent_dir / conversation_jsonl_name(conversation_id)).events
    start = next((e for e in events if isinstance(e, ConversationStartEvent)), None)
    if start is None:
        raise BranchError(f"{conversation_id}: the conversation's start was never recorded")
    done = sum(1 for e in events if isinstance(e, TurnCompleteEvent))
    if not 0 <= turn <= done:
        raise BranchError(f"--turn must be between 0 and {done} (the turns {conversation_id} "
                          f"completed), got {turn}")
    parent_spec = parse_spec(manifest.config)
    data = {**parent_spec.to_dict(), **overrides, "repetitions": repetitions}
    data["name"] = overrides.get("name") or f"{parent_spec.name or 'experiment'}-branch-t{turn}"
    spec = parse_spec(data)
    if spec.max_turns <= turn:
        raise BranchError(f"max_turns {spec.max_turns} leaves nothing after turn {turn}: "
                          "give a larger --max-turns")
    before, after = parent_spec.to_dict(), spec.to_dict()
    changes = {k: v for k, v in after.items() if k not in _NOT_CHANGES and before.get(k) != v}
    if inject is not None:
        changes["inject"] = {"text": inject[0], "as": inject[1], "to": list(inject[2])}
    parent = ExperimentRunner.for_existing(parent_dir, parent_dir.parent)
    seed = parent.plan_for(start.repetition, conversation_id).seed
    inherited: list[Event] = [
        e for e in events if isinstance(e, INHERITED_TYPES) and _turn_of(e) <= turn
        and not (isinstance(e, MessageCompleteEvent) and e.finish_reason == "interrupted")]
    return BranchSource(parent_dir, manifest.experiment_id or start.experiment_id,
                        conversation_id, turn, spec, changes, seed, inherited, inject)
