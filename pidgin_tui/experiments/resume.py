"""Where each conversation of an experiment stands on disk, so `pidgin-tui resume` can continue it.

A conversation is continued when it ended paused, interrupted or on a storage error, and also
when it has no end event at all: its process died (kill -9, OOM, power cut). Resume holds the
experiment's lock, so no live process can still be writing such a conversation. A planned
conversation that never began (no file, an empty file) is started from its first turn.

A torn last line (a write cut short by the crash) is moved into a `.torn` file next to the
JSONL before anything is appended, and reported; it is never dropped.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from pidgin_tui.core.history import item_turn, recorded_items
from pidgin_tui.core.resume_point import ResumePoint
from pidgin_tui.core.types import AgentId, EndReason, Status
from pidgin_tui.record.conversation import ConversationRecord
from pidgin_tui.record.jsonl import read_all_events
from pidgin_tui.record.layout import torn_path
from pidgin_tui.record.manifest_types import Manifest

RESUMABLE_END_REASONS = frozenset({EndReason.PAUSED, EndReason.INTERRUPTED,
                                   EndReason.STORAGE_ERROR})
"""Conversations that ended for these reasons can be continued; others ended on purpose."""


class NotResumable(ValueError):
    """The conversation cannot be continued; the message says why."""


@dataclass(slots=True)
class SavedConversation:
    """One planned conversation as its JSONL left it."""

    point: ResumePoint | None
    """Where to continue; None when it never began (start it from its first turn)."""
    last_seq: int = 0
    end_reason: EndReason | None = None
    """The reason of the last end event, None when the last segment has no end event."""
    ended: bool = False
    torn_bytes: int = 0
    """Bytes of an incomplete last line (moved aside by `move_torn_tail` before resuming)."""
    max_turns: int = 0
    """The turns its start event planned (0: not recorded)."""
    unreadable_lines: list[str] = field(default_factory=list)

    @property
    def crashed(self) -> bool:
        """Began, but its process died before recording an end."""
        return self.point is not None and not self.ended

    @property
    def resumable(self) -> bool:
        return self.point is None or not self.ended or self.end_reason in RESUMABLE_END_REASONS

    def describe(self) -> str:
        """What resume does with it, in a few words (for `resume` and `doctor`)."""
        if self.point is None:
            return "start from turn 1 (never began)"
        if not self.resumable:
            return f"nothing (ended {self.end_reason})"
        why = "process gone" if self.crashed else str(self.end_reason)
        if self.point.turns_completed >= self.max_turns > 0:
            return f"record its end: all {self.max_turns} turns were done ({why})"
        return f"continue at turn {self.point.turns_completed + 1} ({why})"


def load_saved_conversation(path: Path) -> SavedConversation:
    """Read a conversation's JSONL (complete lines only) into where it stands."""
    result = read_all_events(path)
    saved = SavedConversation(None, torn_bytes=result.partial_tail_bytes,
                              unreadable_lines=list(result.errors))
    if not result.events:
        return saved
    record = ConversationRecord(path=path)
    record.apply_all(result.events)
    saved.last_seq, saved.ended, saved.end_reason, saved.max_turns = \
        record.last_seq, record.ended, record.end_reason, record.max_turns
    if record.start is None and not record.system_prompts:
        return saved
    turns_done = record.turns_completed
    scores = [t.convergence_score for t in record.turns_in_order]
    saved.point = ResumePoint(
        turns_completed=turns_done,
        messages=[item for item in recorded_items(result.events)
                  if item_turn(item) <= turns_done + 1],
        system_prompts={AgentId(k): v for k, v in record.system_prompts.items()},
        names={AgentId(k): v for k, v in record.names.items()},
        last_convergence=scores[-1] if scores else None,
        previous_convergence=scores[-2] if len(scores) > 1 else None,
        policy_pending=not saved.ended and turns_done > 0 and not record.after_last_turn)
    return saved



def move_torn_tail(jsonl: Path) -> int:
    """Move an incomplete last line into the `.torn` file; returns the bytes moved.

    The tail is appended to the `.torn` file and fsynced before the JSONL is cut, so a crash in
    between leaves the bytes in both places, never in neither.
    """
    try:
        with open(jsonl, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return 0
    keep = data.rfind(b"\n") + 1
    tail = data[keep:]
    if not tail:
        return 0
    with open(torn_path(jsonl), "ab") as torn:
        torn.write(tail + b"\n")
        torn.flush()
        os.fsync(torn.fileno())
    with open(jsonl, "r+b") as handle:
        handle.truncate(keep)
        handle.flush()
        os.fsync(handle.fileno())
    return len(tail)


def manifest_for_resume(manifest: Manifest, saved: dict[str, SavedConversation]) -> Manifest:
    """The manifest a resume starts from: crashed conversations marked interrupted, counts redone.

    A process killed mid-run leaves its conversations `running` and its counts as of its last
    manifest write; both are rebuilt here from what the JSONL files hold.
    """
    conversations = dict(manifest.conversations)
    for cid, conversation in saved.items():
        entry = conversations.get(cid)
        if conversation.point is None:
            conversations.pop(cid, None)  # nothing on disk: it starts afresh
        elif entry is not None:
            changes: dict[str, Any] = {"turns_completed": conversation.point.turns_completed}
            if not conversation.ended:
                changes.update(status=Status.INTERRUPTED, end_reason=EndReason.INTERRUPTED)
            conversations[cid] = msgspec.structs.replace(entry, **changes)
    counts = Counter(conv.status for conv in conversations.values())
    return msgspec.structs.replace(
        manifest, status=Status.RUNNING, completed_at=None, pid=os.getpid(),
        conversations=conversations, running_conversations=0,
        completed_conversations=counts[Status.COMPLETED],
        failed_conversations=counts[Status.FAILED],
        interrupted_conversations=counts[Status.INTERRUPTED],
        total_turns=sum(s.point.turns_completed for s in saved.values() if s.point is not None))
