"""manifest.json: the live state of an experiment, with one writer and atomic replaces."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

MANIFEST_SCHEMA_VERSION = 1
WRITE_INTERVAL_S = 0.5
"""Least time between throttled manifest writes; lifecycle changes are written at once."""


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write via a temp file in the same directory: fsync, os.replace, fsync the directory."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def read_manifest(path: Path) -> dict[str, Any] | None:
    """The manifest at `path` (a file or an experiment directory), or None if absent/unreadable."""
    if path.is_dir():
        path = path / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class ManifestWriter:
    """Holds the manifest in memory and writes it at a throttled rate (or at once, if forced)."""

    def __init__(self, path: Path, data: dict[str, Any],
                 interval_s: float = WRITE_INTERVAL_S) -> None:
        self.path = path
        self.data = data
        self.interval_s = interval_s
        self._last_write = 0.0
        self._dirty = True
        self.writes = 0

    def mark_dirty(self) -> None:
        self._dirty = True

    def maybe_write(self, force: bool = False) -> bool:
        now = time.monotonic()
        if not self._dirty or (not force and now - self._last_write < self.interval_s):
            return False
        self.data["updated_at"] = _now_iso()
        write_json_atomic(self.path, self.data)
        self._last_write = now
        self._dirty = False
        self.writes += 1
        return True


def _now_iso() -> str:
    from pidgin_tui.core.events import utc_now

    return utc_now()


def new_manifest(experiment_id: str, name: str, config: dict[str, Any],
                 total_conversations: int, created_at: str) -> dict[str, Any]:
    return {
        "schema_version": MANIFEST_SCHEMA_VERSION,
        "experiment_id": experiment_id,
        "name": name,
        "status": "created",
        "created_at": created_at,
        "started_at": None,
        "completed_at": None,
        "updated_at": created_at,
        "pid": os.getpid(),
        "config": config,
        "total_conversations": total_conversations,
        "completed_conversations": 0,
        "failed_conversations": 0,
        "interrupted_conversations": 0,
        "running_conversations": 0,
        "total_turns": 0,
        "total_tokens": 0,
        "total_cost_usd": 0.0,
        "unpriced_requests": 0,
        "error_count": 0,
        "conversations": {},
    }
