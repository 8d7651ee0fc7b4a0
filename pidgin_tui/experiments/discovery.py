"""Finding experiments on disk and describing their state, including runs whose process died."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pidgin_tui.experiments.manifest import read_manifest
from pidgin_tui.paths import experiment_dirs, pid_file


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(slots=True)
class ExperimentInfo:
    path: Path
    manifest: dict[str, Any]
    process_gone: bool = False
    """The manifest says running, but the process that runs it has died without cleaning up."""

    @property
    def experiment_id(self) -> str:
        return str(self.manifest.get("experiment_id", ""))

    @property
    def name(self) -> str:
        return str(self.manifest.get("name", ""))

    @property
    def status(self) -> str:
        status = str(self.manifest.get("status", "unknown"))
        return "interrupted" if self.process_gone else status

    @property
    def status_label(self) -> str:
        return "interrupted (process gone)" if self.process_gone else self.status

    @property
    def conversations_done(self) -> int:
        m = self.manifest
        return int(m.get("completed_conversations", 0)) + int(m.get("failed_conversations", 0)) \
            + int(m.get("interrupted_conversations", 0))

    @property
    def total_conversations(self) -> int:
        return int(self.manifest.get("total_conversations", 0))


def describe(path: Path, root: Path | None = None) -> ExperimentInfo | None:
    manifest = read_manifest(path)
    if manifest is None:
        return None
    gone = False
    if manifest.get("status") in ("created", "running"):
        pid = manifest.get("pid")
        if root is not None and manifest.get("experiment_id"):
            pid_path = pid_file(root, str(manifest["experiment_id"]))
            if pid_path.exists():
                try:
                    pid = int(pid_path.read_text().strip())
                except ValueError:
                    pass
        gone = not isinstance(pid, int) or not process_alive(pid)
    return ExperimentInfo(path, manifest, gone)


def list_experiments(root: Path) -> list[ExperimentInfo]:
    infos = (describe(path, root) for path in experiment_dirs(root))
    return [info for info in infos if info is not None]
