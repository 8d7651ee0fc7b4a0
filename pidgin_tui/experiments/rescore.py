"""Rescoring: recompute an experiment's scores with the current metric definitions.

A run records each turn's metrics, convergence score and end states as the scorer of its
`metrics_version` computed them. When the definitions change (a new `METRICS_VERSION`), an old
experiment keeps those values and can be rescored: every conversation's turns are fed, in
order, through a fresh scorer of the current version (profile, first speaker and opening prompt
as recorded), and the results are written as TurnComplete and EndStateDetected events under
`rescored/v<version>/` (see `record.layout.RESCORED_DIR`). The original JSONL is never written;
readers (`ConversationRecord`, the DuckDB import) take the newest rescore's scores in place of
the recorded ones. Rescoring again with the same version replaces that version's files.

A rescore acts on nothing, so its end states carry the action `continue`. Inherited turns of a
branch are rescored too (the scorer needs them for its cumulative metrics) and stay marked
inherited; as in a live branch, an end state detected within them is not announced.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from pidgin_tui.core.events import (
    Event,
    encode_event,
    utc_now,
)
from pidgin_tui.core.files import write_atomic
from pidgin_tui.core.plan import AFTER_RUN_ACTION
from pidgin_tui.metrics.convergence import DEFAULT_PROFILE, PROFILES
from pidgin_tui.metrics.turn import METRICS_VERSION, make_turn_scorer
from pidgin_tui.record.conversation import ConversationRecord
from pidgin_tui.record.experiment import ExperimentRecord
from pidgin_tui.record.layout import RESCORE_SUMMARY_NAME, rescore_dir
from pidgin_tui.record.lock import ExperimentLock


class RescoreError(RuntimeError):
    """An experiment that cannot be rescored; the message says why in one line."""


@dataclass(slots=True)
class ConversationRescore:
    conversation_id: str
    profile: str = DEFAULT_PROFILE
    turns: int = 0
    skipped_turns: list[int] = field(default_factory=list)
    """Turns without both messages (nothing to score): their recorded scores stay."""
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    """End-state labels in order of onset, as recorded and as rescored."""
    final_convergence: tuple[float | None, float | None] = (None, None)


@dataclass(slots=True)
class RescoreReport:
    experiment_dir: Path
    metrics_version: int
    profile: str
    output_dir: Path
    rescored: list[ConversationRescore] = field(default_factory=list)

    @property
    def turns(self) -> int:
        return sum(c.turns for c in self.rescored)

    @property
    def changed_end_states(self) -> int:
        return sum(c.before != c.after for c in self.rescored)

    def end_state_counts(self) -> Counter[str]:
        return Counter(label for c in self.rescored for label in c.after)

    def as_dict(self) -> dict[str, object]:
        """The summary written to `rescore.json` and printed by `rescore --json`."""
        return {
            "experiment_dir": str(self.experiment_dir), "output_dir": str(self.output_dir),
            "metrics_version": self.metrics_version, "profile": self.profile,
            "rescored_at": utc_now(), "conversations": len(self.rescored),
            "turns": self.turns, "changed_end_states": self.changed_end_states,
            "end_states": dict(sorted(self.end_state_counts().items())),
            "per_conversation": [
                {"conversation_id": c.conversation_id, "profile": c.profile, "turns": c.turns,
                 "skipped_turns": c.skipped_turns, "end_states_before": c.before,
                 "end_states_after": c.after,
                 "final_convergence_before": c.final_convergence[0],
                 "final_convergence_after": c.final_convergence[1]}
                for c in self.rescored],
        }


def _profile(conv: ConversationRecord, fallback: str) -> str:
    recorded = conv.start.config.get("convergence_profile") if conv.start else None
    return recorded if isinstance(recorded, str) and recorded in PROFILES else fallback


def rescore_conversation(conv: ConversationRecord, profile: str
                         ) -> tuple[list[Event], ConversationRescore]:
    """The rescored events of one conversation (read with `detail`, without a rescore)."""
    scorer = make_turn_scorer(profile, conv.first_speaker, conv.initial_prompt)
    texts: dict[int, dict[str, str]] = {}
    for message in conv.complete_messages:
        texts.setdefault(message.turn_number, {})[message.agent_id] = message.content
    summary = ConversationRescore(conv.conversation_id, profile, before=conv.end_state_labels)
    events: list[Event] = []
    for turn in conv.turns_in_order:
        pair = texts.get(turn.turn_number, {})
        if "agent_a" not in pair or "agent_b" not in pair:
            summary.skipped_turns.append(turn.turn_number)
            continue
        metrics, score = scorer(turn.turn_number, pair["agent_a"], pair["agent_b"])
        version = int(metrics.pop("metrics_version", METRICS_VERSION))
        events.append(msgspec.structs.replace(
            turn, convergence_score=score, metrics=metrics, metrics_version=version))
        summary.turns += 1
        onsets = scorer.take_end_states()
        if turn.inherited:
            continue
        events += [onset.event(turn.experiment_id, turn.conversation_id, turn.turn_number,
                               AFTER_RUN_ACTION, seq=turn.seq, timestamp=turn.timestamp)
                   for onset in onsets]
    rescored = ConversationRecord(conversation_id=conv.conversation_id)
    rescored.completed_turns = set(conv.completed_turns)
    rescored.apply_scores(events)
    summary.after = rescored.end_state_labels if events else summary.before
    summary.final_convergence = (conv.convergence,
                                 rescored.convergence if events else conv.convergence)
    return events, summary


def rescore_experiment(experiment_dir: Path, profile: str | None = None) -> RescoreReport:
    """Rescore every conversation of an experiment with the current metrics version.

    `profile` overrides the convergence profile each conversation was run with. Raises
    RescoreError when a run is writing the experiment or it has no conversations.
    """
    from pidgin_tui.record.lock import ExperimentLocked

    if profile is not None and profile not in PROFILES:
        raise RescoreError(f"unknown convergence profile {profile!r} "
                           f"(choose one of: {', '.join(PROFILES)})")
    try:
        lock = ExperimentLock.acquire(experiment_dir)
    except ExperimentLocked as exc:
        raise RescoreError(str(exc)) from None
    with lock:
        record = ExperimentRecord.load(experiment_dir, rescored=False)
        if not record.conversations:
            raise RescoreError(f"{experiment_dir.name}: no conversations to rescore")
        out = rescore_dir(experiment_dir, METRICS_VERSION)
        out.mkdir(parents=True, exist_ok=True)
        recorded = record.manifest.config.get("convergence_profile")
        default = recorded if isinstance(recorded, str) and recorded in PROFILES \
            else DEFAULT_PROFILE
        report = RescoreReport(experiment_dir, METRICS_VERSION,
                               profile or "as recorded", out)
        for conv in record.conversations.values():
            if conv.path is None:
                continue
            events, summary = rescore_conversation(conv, profile or _profile(conv, default))
            write_atomic(out / conv.path.name,
                         b"".join(encode_event(e) + b"\n" for e in events))
            report.rescored.append(summary)
        write_atomic(out / RESCORE_SUMMARY_NAME,
                     json.dumps(report.as_dict(), indent=1).encode("utf-8") + b"\n")
    return report
