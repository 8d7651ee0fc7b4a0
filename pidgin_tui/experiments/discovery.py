"""Finding experiments on disk and describing their state, including runs whose process died.

A manifest that says `created`/`running` is only believed while the process that wrote it is
alive. A pid can be reused after its process dies, so on Linux the process start time is also
compared with the manifest's last write (`updated_at`): a process that started after the
manifest was last written cannot be the one that wrote it. (Comparing with the last write, not
the creation, keeps a resumed experiment, run by a newer process, recognised as live.)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pidgin_tui.core.processes import process_alive as process_alive  # re-exported
from pidgin_tui.core.processes import process_start_time as process_start_time
from pidgin_tui.core.types import ExperimentStatus, RecordState, Status
from pidgin_tui.record.layout import experiment_dirs, experiment_id_of_dir, pid_file
from pidgin_tui.record.manifest_types import Manifest

LIVE_STATUSES = frozenset({Status.CREATED, Status.RUNNING})
"""Manifest statuses that claim a process is still working on the experiment."""
START_TIME_SLACK_S = 2.0
"""How much later than the manifest's last write a process may appear to have started (clock
tick rounding of the start time)."""


def _parse_time(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None


def run_process_alive(pid: Any, written_at: Any = None) -> bool:
    """Whether `pid` is alive and can be the process that wrote a manifest at `written_at`."""
    if not isinstance(pid, int) or isinstance(pid, bool) or not process_alive(pid):
        return False
    if pid == os.getpid():
        return True
    written = _parse_time(written_at)
    started = process_start_time(pid)
    if written is None or started is None:
        return True
    return started <= written + START_TIME_SLACK_S


def last_written(manifest: Manifest) -> str | None:
    """When the manifest's writer last wrote it (`updated_at`, else `created_at`)."""
    return manifest.updated_at or manifest.created_at


def run_pid(manifest: Manifest, root: Path | None) -> int | None:
    """The pid that runs an experiment: its pid file (detached runs), else the manifest's pid."""
    pid = manifest.pid
    if root is not None and manifest.experiment_id:
        try:
            pid = int(pid_file(root, manifest.experiment_id).read_text().strip())
        except (OSError, ValueError):
            pass
    return pid


def process_gone(manifest: Manifest, root: Path | None) -> bool:
    """The manifest claims a live run, but no matching process is running it."""
    if manifest.status not in LIVE_STATUSES:
        return False
    return not run_process_alive(run_pid(manifest, root), last_written(manifest))


@dataclass(slots=True)
class ExperimentInfo:
    path: Path
    manifest: Manifest
    process_gone: bool = False
    """The manifest says running, but the process that runs it has died without cleaning up."""
    manifest_read: bool = True
    """False when the manifest itself is damaged (`manifest` is then empty)."""
    damage: str | None = None
    """Why the experiment is damaged (its manifest, or a missing or empty file), in one line."""

    @property
    def experiment_id(self) -> str:
        return self.manifest.experiment_id or experiment_id_of_dir(self.path)

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def status(self) -> ExperimentStatus:
        if self.damage:
            return RecordState.DAMAGED
        status = self.manifest.status or RecordState.UNKNOWN
        return Status.INTERRUPTED if self.process_gone else status

    @property
    def status_label(self) -> str:
        if self.damage:
            return f"damaged: {self.damage}"
        return "interrupted (process gone)" if self.process_gone else self.status

    @property
    def conversations_done(self) -> int:
        return self.manifest.conversations_done

    @property
    def total_conversations(self) -> int:
        return self.manifest.total_conversations


def describe(path: Path, root: Path | None = None) -> ExperimentInfo:
    """The experiment at `path`; a damaged one is described as such, never raised."""
    from pidgin_tui.record.damage import load_manifest, quick_damage

    manifest, problem = load_manifest(path)
    if manifest is None:
        return ExperimentInfo(path, Manifest(), manifest_read=False, damage=problem)
    return ExperimentInfo(path, manifest, process_gone(manifest, root),
                          damage=quick_damage(path, manifest))


def list_experiments(root: Path) -> list[ExperimentInfo]:
    from pidgin_tui.record import line_scans

    found = [describe(path, root) for path in experiment_dirs(root)]
    line_scans.save()  # the next `list` reads only the files that changed
    return found


def recent_experiments(root: Path, limit: int) -> list[ExperimentInfo]:
    """The `limit` experiments whose manifest was written last, newest first."""
    from pidgin_tui.record.layout import MANIFEST_NAME

    def written(path: Path) -> float:
        try:
            return (path / MANIFEST_NAME).stat().st_mtime
        except OSError:
            return 0.0

    return [describe(path, root) for path in
            sorted(experiment_dirs(root), key=written, reverse=True)[:limit]]
