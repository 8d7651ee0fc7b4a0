"""Conversation families: which conversation branched from which, across experiments.

A branch records its parent in its `ConversationBranchedEvent`, which `ConversationRecord` folds
into `parent_conversation_id` and `branch_turn`. This module finds those links in every
experiment of an output root and assembles the family tree a conversation belongs to: its root
ancestor, every branch below it (in the same experiment with `--into-parent`, or in another),
with their branch turns, end reasons and final convergence. The `tree` command and the app's
tree screen both show these nodes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pidgin_tui.core.events import (
    ConversationBranchedEvent,
    ConversationEndEvent,
    ConversationResumedEvent,
    ConversationStartEvent,
    TurnCompleteEvent,
)
from pidgin_tui.record.conversation import ConversationRecord
from pidgin_tui.record.jsonl import read_events
from pidgin_tui.record.layout import conversation_files, conversation_id_of, experiment_dirs

HEAD_BYTES = 64 * 1024
"""How much of a conversation file is read to find its branched event (it follows the start)."""
LINEAGE_TYPES = (ConversationStartEvent, ConversationBranchedEvent, TurnCompleteEvent,
                 ConversationResumedEvent, ConversationEndEvent)
"""The events a family tree shows: models, lineage, turns, convergence and the end."""


@dataclass(slots=True)
class FamilyNode:
    """One conversation in a family tree, with the branches made from it."""

    experiment_dir: Path
    record: ConversationRecord
    children: list[FamilyNode] = field(default_factory=list)

    @property
    def conversation_id(self) -> str:
        return self.record.conversation_id

    def walk(self, depth: int = 0) -> Iterator[tuple[int, FamilyNode]]:
        """This node and every node below it, depth first, with their depths."""
        yield depth, self
        for child in self.children:
            yield from child.walk(depth + 1)

    def lines(self, mark: str | None = None, prefix: str = "") -> list[str]:
        """The family from this node down as text, branches indented under their parent;
        the conversation `mark` ends with ` *`."""
        star = " *" if self.conversation_id == mark else ""
        lines = [f"{self.describe()}{star}"]
        for number, child in enumerate(self.children):
            last = number == len(self.children) - 1
            below = child.lines(mark, prefix + ("    " if last else "│   "))
            lines.append(f"{prefix}{'└── ' if last else '├── '}{below[0]}")
            lines += below[1:]
        return lines

    def describe(self) -> str:
        """One line: id, models, where it branched, turns, end and final convergence."""
        record = self.record
        parts = [record.conversation_id, record.model_pair]
        if record.branch_turn is not None:
            parts.append(f"branched after turn {record.branch_turn}")
        parts.append(f"{record.turns_completed} turns")
        parts.append(record.end_reason or "no end recorded")
        if record.convergence is not None:
            parts.append(f"convergence {record.convergence:.3f}")
        return " · ".join(parts)

    def to_dict(self) -> dict[str, object]:
        record = self.record
        return {"conversation_id": record.conversation_id,
                "experiment_id": record.experiment_id,
                "parent_conversation_id": record.parent_conversation_id,
                "branch_turn": record.branch_turn, "models": record.models,
                "turns_completed": record.turns_completed, "end_reason": record.end_reason,
                "final_convergence": record.convergence,
                "branches": [child.to_dict() for child in self.children]}


def branched_event(path: Path) -> ConversationBranchedEvent | None:
    """The conversation's `ConversationBranchedEvent` (None when it is not a branch)."""
    head = read_events(path, max_bytes=HEAD_BYTES, types=(ConversationBranchedEvent,))
    for event in head.events:
        if isinstance(event, ConversationBranchedEvent):
            return event
    return None


def _parent_of(path: Path) -> str | None:
    event = branched_event(path)
    return None if event is None else event.source_conversation_id


@dataclass(slots=True)
class Lineage:
    """Where every conversation of an output root lives and which one it branched from."""

    files: dict[str, Path] = field(default_factory=dict)
    """Conversation id -> its JSONL file."""
    parents: dict[str, str] = field(default_factory=dict)
    """Branch id -> the id of the conversation it branched from."""

    @classmethod
    def scan(cls, root: Path) -> Lineage:
        lineage = cls()
        for directory in experiment_dirs(root):
            for path in conversation_files(directory):
                cid = conversation_id_of(path)
                if cid is None:
                    continue
                lineage.files[cid] = path
                parent = _parent_of(path)
                if parent is not None:
                    lineage.parents[cid] = parent
        return lineage

    def root_of(self, conversation_id: str) -> str:
        """The oldest ancestor still on disk (a missing parent ends the climb)."""
        seen = {conversation_id}
        while (parent := self.parents.get(conversation_id)) in self.files and parent not in seen:
            seen.add(parent)
            conversation_id = parent
        return conversation_id

    def tree(self, conversation_id: str) -> FamilyNode:
        """The whole family `conversation_id` belongs to, from its root ancestor down."""
        children: dict[str, list[str]] = {}
        for child, parent in self.parents.items():
            children.setdefault(parent, []).append(child)

        def build(cid: str) -> FamilyNode:
            path = self.files[cid]
            record = ConversationRecord.read(path, detail=False, types=LINEAGE_TYPES)
            record.conversation_id = record.conversation_id or cid
            node = FamilyNode(path.parent, record)
            kids = [build(kid) for kid in children.get(cid, []) if kid in self.files]
            node.children = sorted(kids, key=lambda n: (n.record.branch_turn or 0,
                                                        n.conversation_id))
            return node

        return build(self.root_of(conversation_id))

    def families(self, experiment_dir: Path) -> list[FamilyNode]:
        """Every family with a conversation in `experiment_dir`, each once, oldest root first."""
        roots: list[str] = []
        for path in conversation_files(experiment_dir):
            cid = conversation_id_of(path)
            if cid is None:
                continue
            if cid not in self.files:  # an experiment outside the output root
                self.files[cid] = path
                if (parent := _parent_of(path)) is not None:
                    self.parents[cid] = parent
            if (root := self.root_of(cid)) not in roots:
                roots.append(root)
        return [self.tree(root) for root in roots]
