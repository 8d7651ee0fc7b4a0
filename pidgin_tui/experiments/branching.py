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
    FIRST_REPETITION,
    ConversationBranchedEvent,
    ConversationStartEvent,
    Event,
    InterjectionEvent,
    MessageCompleteEvent,
    TurnCompleteEvent,
    scored_turn,
)
from pidgin_tui.core.history import recorded_items, turn_texts
from pidgin_tui.core.plan import TurnScorer
from pidgin_tui.core.types import AgentId, Speaker
from pidgin_tui.experiments.spec import ExperimentSpec, parse_spec
from pidgin_tui.record.jsonl import read_all_events, read_events
from pidgin_tui.record.layout import conversation_files, conversation_jsonl_name
from pidgin_tui.record.lineage import HEAD_BYTES
from pidgin_tui.record.manifest import read_manifest

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
    """The parent conversation's seed (or the changed `seed`'s for its repetition): the first
    branch keeps it, the next add 1, 2, …"""
    inherited: list[Event] = field(default_factory=list)
    inject: tuple[str, Speaker, tuple[AgentId, ...]] | None = None
    """(text, speaker, recipients) put in at the branch point."""
    replacement: MessageCompleteEvent | None = None
    """The researcher's message standing in `inherited` for the parent's last message of the
    branch turn (`replace_message`)."""

    def turn_texts(self) -> list[tuple[str, str]]:
        """(A's text, B's text) of every inherited turn, for cumulative metrics."""
        return turn_texts(recorded_items(self.inherited), self.turn)

    def start(self, scorer: TurnScorer | None = None) -> BranchStart:
        """What the branch's conductor starts from. `scorer` (a fresh one for the branch) is
        fed the inherited turns, so cumulative metrics carry on; with a replaced message the
        branch turn is scored anew on the new text instead of keeping the parent's metrics."""
        interjection = None
        if self.inject is not None:
            text, speaker, to = self.inject
            interjection = InterjectionEvent(turn_number=self.turn + 1, text=text,
                                             speaker=speaker, to=list(to))
        start = BranchStart(self.parent_experiment_id, self.parent_conversation_id, self.turn,
                            list(self.inherited), dict(self.changes), interjection,
                            self.replacement)
        replay = getattr(scorer, "replay", None)
        texts = self.turn_texts()
        if replay is not None:
            replay(texts if self.replacement is None else texts[:-1])
        if self.replacement is not None:
            metrics, score = ({}, None) if replay is None or scorer is None \
                else scorer(self.turn, *texts[-1])
            start.rescored = scored_turn(self.turn, metrics, score)
            start.inherited = [start.rescored if isinstance(e, TurnCompleteEvent)
                               and e.turn_number == self.turn else e for e in start.inherited]
        return start


def _turn_of(event: Event) -> int:
    return getattr(event, "turn_number", 0)


def _head(path: Path) -> tuple[ConversationStartEvent | None, ConversationBranchedEvent | None]:
    """A conversation's start and branched events (both near the top of its file)."""
    events = read_events(path, max_bytes=HEAD_BYTES,
                         types=(ConversationStartEvent, ConversationBranchedEvent)).events
    start = next((e for e in events if isinstance(e, ConversationStartEvent)), None)
    return start, next((e for e in events if isinstance(e, ConversationBranchedEvent)), None)


def conversation_seed(experiment_dir: Path, conversation_id: str) -> int:
    """The seed the requests of a recorded conversation carry (a branch of it starts from it):
    a branch's recorded seed; for a branch recorded without one, the seed it was started with
    (`_unrecorded_branch_seed`); else its experiment's seed for its repetition."""
    return _seed(experiment_dir, conversation_id, frozenset())


def _seed(experiment_dir: Path, conversation_id: str, seen: frozenset[str]) -> int:
    manifest = read_manifest(experiment_dir, conversations=False)
    if manifest is None:
        raise BranchError(f"{experiment_dir.name}: manifest.json is missing or unreadable")
    spec = parse_spec(manifest.config)
    start, branched = _head(experiment_dir / conversation_jsonl_name(conversation_id))
    repetition = start.repetition if start is not None else _number_in(conversation_id)
    if branched is None:
        return spec.seed_for(repetition)
    if branched.seed is not None:
        return branched.seed
    return _unrecorded_branch_seed(experiment_dir, spec, repetition, branched,
                                   seen | {conversation_id})


def _number_in(conversation_id: str) -> int:
    """The repetition in a conversation id (`<experiment id>_0003` → 3; 1 if none)."""
    suffix = conversation_id.rpartition("_")[2]
    return int(suffix) if suffix.isdigit() else FIRST_REPETITION


def _unrecorded_branch_seed(experiment_dir: Path, spec: ExperimentSpec, repetition: int,
                            branched: ConversationBranchedEvent, seen: frozenset[str]) -> int:
    """The seed of a branch whose record predates `ConversationBranchedEvent.seed`, by the
    rule it was started with: its parent conversation's seed plus its place among the branches
    of one `branch -r` (0 for the first). The place is its repetition minus 1 in a branch
    experiment; in its parent's experiment (`--into-parent`), its place in the run of
    consecutive conversations just before it branched from the same conversation at the same
    turn with the same changes (two such commands one after the other read as one `-r`).
    The parent's seed is read from the parent's record; when its experiment is not in this
    output root, it is this experiment's seed for the parent's repetition."""
    source = branched.source_conversation_id
    own_dir = (experiment_dir / conversation_jsonl_name(source)).exists()
    parent_dir = experiment_dir if own_dir else _parent_dir(experiment_dir, branched)
    if parent_dir is not None and source not in seen and \
            (parent_dir / conversation_jsonl_name(source)).exists():
        parent_seed = _seed(parent_dir, source, seen)
    else:
        parent_seed = spec.seed_for(_number_in(source))
    if not own_dir:
        return parent_seed + repetition - FIRST_REPETITION
    key = (source, branched.branch_turn, branched.changes)
    same_run: dict[int, bool] = {}
    for path in conversation_files(experiment_dir):
        start, other = _head(path)
        if start is not None and other is not None and other.seed is None:
            same_run[start.repetition] = (other.source_conversation_id, other.branch_turn,
                                          other.changes) == key
    place = 0
    while same_run.get(repetition - place - 1, False):
        place += 1
    return parent_seed + place


def _parent_dir(experiment_dir: Path, branched: ConversationBranchedEvent) -> Path | None:
    """The parent conversation's experiment directory, in the same output root, if there."""
    from pidgin_tui.record.layout import ExperimentNotFound
    from pidgin_tui.record.lookup import resolve_experiment

    if not branched.parent_experiment_id:
        return None
    try:
        return resolve_experiment(experiment_dir.parent.parent, branched.parent_experiment_id)
    except ExperimentNotFound:
        return None


def plan_branch(parent_dir: Path, conversation_id: str, turn: int, overrides: dict[str, Any],
                *, repetitions: int = 1,
                inject: tuple[str, Speaker, tuple[AgentId, ...]] | None = None,
                replace: bool = False) -> BranchSource:
    """A branch of `conversation_id` after its turn `turn` (1-based; 0 inherits nothing).
    With `replace`, `inject`'s text stands in for the parent's message at the branch point
    instead of being added after it."""
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
    if inject is not None and not replace:
        changes["inject"] = {"text": inject[0], "as": inject[1], "to": list(inject[2])}
    # the parent's own seed (a branch's is its recorded one), or a changed --seed's
    seed = spec.seed_for(start.repetition) if "seed" in changes \
        else conversation_seed(parent_dir, conversation_id)
    inherited: list[Event] = [
        e for e in events if isinstance(e, INHERITED_TYPES) and _turn_of(e) <= turn
        and not (isinstance(e, MessageCompleteEvent) and e.finish_reason == "interrupted")]
    source = BranchSource(parent_dir, manifest.experiment_id or start.experiment_id,
                          conversation_id, turn, spec, changes, seed, inherited,
                          None if replace else inject)
    if replace:
        if inject is None:
            raise BranchError("--replace needs the new text: --inject TEXT --as a|b")
        replace_message(source, inject[0], inject[1])
    return source


def replace_message(source: BranchSource, text: str, speaker: Speaker) -> None:
    """Put `text` in place of the parent's message at the branch point: the last message of
    the branch turn, which `speaker` must have sent (the one after it would have answered the
    original). The branch's history, record and payloads carry the new text; the change says
    which message it replaced."""
    messages = [i for i, e in enumerate(source.inherited)
                if isinstance(e, MessageCompleteEvent) and e.turn_number == source.turn]
    if not messages:
        raise BranchError(f"--replace: turn {source.turn} has no message to replace")
    index = messages[-1]
    original = source.inherited[index]
    assert isinstance(original, MessageCompleteEvent)
    if speaker != original.agent_id:
        who = AgentId(original.agent_id).letter
        raise BranchError(f"--replace replaces the last message of turn {source.turn}, which "
                          f"agent {who} sent: give --as {who.lower()}")
    replacement = MessageCompleteEvent(
        experiment_id=original.experiment_id, conversation_id=original.conversation_id,
        agent_id=original.agent_id, turn_number=source.turn, content=text)
    source.inherited[index] = replacement
    source.replacement = replacement
    source.changes["replace"] = {"turn": source.turn, "as": speaker, "text": text}
