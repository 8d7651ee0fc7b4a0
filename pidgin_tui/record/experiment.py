"""ExperimentRecord: an experiment directory's manifest plus the record of each conversation.

Read from the JSONL itself, not the database, so transcripts and the README are written even
when the database step fails or the database is held by another process. Unreadable lines (a
truncated last line after a crash) are skipped and listed in `problems`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pidgin_tui.core.events import Event
from pidgin_tui.core.types import ExperimentStatus, RecordState, Status
from pidgin_tui.record.conversation import ConversationRecord
from pidgin_tui.record.jsonl import ReadResult, read_all_events
from pidgin_tui.record.layout import (
    EXPERIMENT_EVENTS_NAME,
    conversation_files,
    conversation_id_of,
    rescore_versions,
)
from pidgin_tui.record.manifest import Manifest, read_manifest


@dataclass(slots=True)
class ExperimentRecord:
    directory: Path
    manifest: Manifest
    conversations: dict[str, ConversationRecord] = field(default_factory=dict)
    experiment_events: list[Event] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, directory: Path, detail: bool = True, rescored: bool = True,
             visit: Callable[[ExperimentRecord, ConversationRecord], None] | None = None,
             keep: bool = True) -> ExperimentRecord:
        """Every conversation of an experiment directory, from its JSONL files; with
        `rescored`, each conversation's scores come from its newest rescore when it has one.

        With `visit`, each conversation is read with its detail, handed to `visit` and then
        kept without it (`ConversationRecord.drop_detail`), or not kept at all when `keep` is
        false: memory stays that of one conversation's messages and metrics, however many
        conversations there are (the manifest is then read without its per-conversation states
        too: the records are the conversations' state).
        """
        record = cls(directory, read_manifest(directory, conversations=keep) or Manifest())
        rescored = rescored and bool(rescore_versions(directory))  # looked up once, not per file
        exp_file = directory / EXPERIMENT_EVENTS_NAME
        if exp_file.exists():
            result = read_all_events(exp_file)
            record.experiment_events = result.events
            record._note(exp_file, result)
        for path in conversation_files(directory):
            conv_id = conversation_id_of(path) or path.stem
            conv = ConversationRecord(conversation_id=conv_id, detail=detail or visit is not None,
                                      path=path)
            result = read_all_events(path, metrics=conv.detail)
            conv.apply_all(result.events)
            result.events = []  # folded in: not kept twice
            if rescored:
                conv.apply_rescore()
            if keep or visit is None:
                record.conversations[conv_id] = conv
            record._note(path, result)
            if visit is not None:
                visit(record, conv)
                if not detail:
                    conv.drop_detail()
        return record

    def _note(self, path: Path, result: ReadResult) -> None:
        if result.partial_tail_bytes:
            self.problems.append(f"{path.name}: truncated last line skipped "
                                 f"({result.partial_tail_bytes} bytes)")
        self.problems += [f"{path.name}: {error}" for error in result.errors]

    @property
    def experiment_id(self) -> str:
        return self.manifest.experiment_id or self.directory.name

    @property
    def name(self) -> str:
        return self.manifest.name or self.directory.name

    @property
    def status(self) -> ExperimentStatus:
        return self.manifest.status or RecordState.UNKNOWN

    @property
    def live(self) -> bool:
        """Whether the manifest says the run is still going (its conversations may yet end)."""
        return self.status == Status.RUNNING

    def status_of(self, conversation: ConversationRecord) -> Status:
        return conversation.settled_status(self.live)
