"""Errors recorded on disk by every experiment in the output root, live and past, headless too.

The error screen shows these next to the errors of runs in this app, so detached and headless
runs and earlier sessions are covered. Files are read incrementally (byte offsets) and only the
lines of error event types are decoded, so a refresh costs little when nothing changed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from pidgin_tui.record.jsonl import read_events
from pidgin_tui.record.layout import EXPERIMENT_EVENTS_NAME, conversation_files, experiment_dirs
from pidgin_tui.record.manifest import Manifest, read_manifest
from pidgin_tui.tui.error_entries import ERROR_EVENTS, ErrorEntry, error_entries


@dataclass(slots=True)
class ExperimentErrors:
    """One experiment's recorded errors, oldest first."""

    experiment_id: str
    name: str
    entries: list[ErrorEntry] = field(default_factory=list)


@dataclass(slots=True)
class DiskErrors:
    """Reads new error lines of every experiment's JSONL on each `refresh`."""

    root: Path
    _offsets: dict[Path, int] = field(default_factory=dict)
    _groups: dict[Path, ExperimentErrors] = field(default_factory=dict)

    def refresh(self) -> list[ExperimentErrors]:
        """Every experiment with at least one recorded error, in directory order."""
        for directory in experiment_dirs(self.root):
            group = self._groups.get(directory)
            if group is None:
                manifest = read_manifest(directory, conversations=False) or Manifest()
                group = self._groups[directory] = ExperimentErrors(
                    manifest.experiment_id or directory.name, manifest.name or directory.name)
            for path in (directory / EXPERIMENT_EVENTS_NAME, *conversation_files(directory)):
                group.entries.extend(self._read(path))
        return [group for group in self._groups.values() if group.entries]

    def _read(self, path: Path) -> list[ErrorEntry]:
        offset = self._offsets.get(path, 0)
        try:
            if path.stat().st_size <= offset:
                return []
        except OSError:
            return []
        # A damaged line is reported by `doctor`/import, not as an error here.
        result = read_events(path, offset, types=ERROR_EVENTS)
        self._offsets[path] = result.offset
        # A recorded retry is long over: no countdown for entries read back from disk.
        return [dataclasses.replace(entry, retry_deadline=None)
                for event in result.events for entry in error_entries(event, 0.0)]


def entry_key(entry: ErrorEntry) -> tuple[str, ...]:
    """What makes two entries the same error (one from the bus, one read back from disk)."""
    return (entry.experiment_id, entry.conversation_id, entry.kind, entry.time, entry.message)


def grouped(session: list[ErrorEntry], disk: list[ExperimentErrors]) -> list[ErrorEntry]:
    """Errors of this app's runs and errors read from disk, each once, grouped by experiment
    (experiments in directory order, then ones only this session knows), oldest first within."""
    kept = {entry_key(entry) for entry in session}
    groups: dict[str, list[ErrorEntry]] = {}
    for group in disk:
        groups.setdefault(group.experiment_id, []).extend(
            entry for entry in group.entries if entry_key(entry) not in kept)
    for entry in session:
        groups.setdefault(entry.experiment_id, []).append(entry)
    return [entry for entries in groups.values()
            for entry in sorted(entries, key=lambda entry: entry.time)]
