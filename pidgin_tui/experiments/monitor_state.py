"""What the experiment monitor shows, read incrementally from the output root (no Textual).

`MonitorState.refresh()` is called about once a second by the monitor screen and once by
`pidgin-tui monitor --once`. Its cost follows what is *changing*, not what exists:

- the experiments directory is re-listed only when its mtime changes;
- a manifest is re-read only when its (mtime, size) changes, otherwise one `stat` per refresh;
- conversation JSONL files are tailed from remembered byte offsets (`read_events`), and only
  while their experiment is live and the conversation has not ended.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pidgin_tui.core.events import (
    PostProcessingCompleteEvent,
    PostProcessingStartEvent,
)
from pidgin_tui.experiments.discovery import LIVE_STATUSES, process_gone
from pidgin_tui.experiments.monitor_rows import (
    ConversationRow,
    ExperimentRow,
    build_row,
    damaged_row,
    parse_time,
)
from pidgin_tui.experiments.resume import RESUMABLE_END_REASONS
from pidgin_tui.record import line_scans
from pidgin_tui.record.conversation import ConversationRecord
from pidgin_tui.record.damage import load_manifest, quick_damage
from pidgin_tui.record.jsonl import read_events
from pidgin_tui.record.layout import (
    EXPERIMENT_EVENTS_NAME,
    MANIFEST_NAME,
    conversation_jsonl_name,
    experiments_dir,
)
from pidgin_tui.record.manifest_types import Manifest

__all__ = ["ConversationRow", "ExperimentRow", "MonitorState"]

RESCAN_EVERY = 30
"""The experiments directory is re-listed at least once in this many refreshes."""
FINISHED_RECHECK_EVERY = 10
"""A finished experiment's manifest is stat'ed on one refresh in this many (staggered), so a
refresh costs little however many finished experiments exist; live ones are read every time."""
POST_PROCESSING_WATCH_S = 600.0
"""How long after an experiment finishes the monitor keeps watching for post-processing events."""
SCANS_SAVED_EVERY_S = 30.0
"""The line scans (`record.line_scans`) are saved after the first refresh, then at most this
often: live files change on every refresh."""


@dataclass(slots=True)
class _Tracked:
    """One experiment directory as the monitor last saw it."""

    path: Path
    stamp: tuple[int, int] = (-1, -1)
    manifest: Manifest | None = None
    tails: dict[str, ConversationRecord] = field(default_factory=dict)
    events_offset: int = 0
    post_processing: str | None = None
    row: ExperimentRow | None = None
    order: int = 0
    """Position in the listing, which staggers the rechecks of finished experiments."""


class MonitorState:
    """Every experiment under an output root, refreshed incrementally."""

    def __init__(self, root: Path, *, clock: Callable[[], float] = time.time,
                 tail_jsonl: bool = True) -> None:
        self.root = root
        self.clock = clock
        self.tail_jsonl = tail_jsonl
        self._tracked: dict[Path, _Tracked] = {}
        self._dir_stamp: int | None = None
        self._lock = threading.Lock()
        self.refreshes = 0
        self.manifest_reads = 0
        self.bytes_tailed = 0

    # --- public -------------------------------------------------------------------------------

    def refresh(self) -> list[ExperimentRow]:
        """Bring every experiment up to date and return the rows, live ones first, newest first.

        Safe to call from several threads: calls run one at a time.
        """
        with self._lock:
            return self._refresh()

    def _refresh(self) -> list[ExperimentRow]:
        self.refreshes += 1
        self._rescan_if_changed()
        now = self.clock()
        phase = self.refreshes % FINISHED_RECHECK_EVERY
        for tracked in self._tracked.values():
            if tracked.row is not None and not tracked.row.is_live and \
                    tracked.order % FINISHED_RECHECK_EVERY != phase and \
                    tracked.post_processing != "running":
                continue  # finished and settled: looked at again in a later refresh
            self._refresh_one(tracked, now)
        line_scans.save(every_s=SCANS_SAVED_EVERY_S)
        return self.rows()

    def rows(self) -> list[ExperimentRow]:
        """The rows as of the last refresh, live first, newest first, without touching the disk."""
        found = [t.row for t in self._tracked.values() if t.row is not None]
        return sorted(found, key=_row_order)

    def experiment(self, experiment_id: str) -> ExperimentRow | None:
        for tracked in self._tracked.values():
            if tracked.row is not None and tracked.row.experiment_id == experiment_id:
                return tracked.row
        return None

    def tail(self, experiment_id: str, conversation_id: str) -> ConversationRecord | None:
        for tracked in self._tracked.values():
            if tracked.row is not None and tracked.row.experiment_id == experiment_id:
                return tracked.tails.get(conversation_id)
        return None

    # --- internals ------------------------------------------------------------------------------

    def _rescan_if_changed(self) -> None:
        parent = experiments_dir(self.root)
        try:
            stamp = parent.stat().st_mtime_ns
        except OSError:
            self._tracked.clear()
            self._dir_stamp = None
            return
        if stamp == self._dir_stamp and self.refreshes % RESCAN_EVERY:
            return  # unchanged (re-listed now and then for filesystems with coarse mtimes)
        self._dir_stamp = stamp
        seen: set[Path] = set()
        with os.scandir(parent) as entries:
            for entry in entries:
                if entry.name.startswith("experiment_") and entry.is_dir():
                    path = Path(entry.path)
                    seen.add(path)
                    if path not in self._tracked:
                        self._tracked[path] = _Tracked(path, order=len(self._tracked))
        for gone in set(self._tracked) - seen:
            del self._tracked[gone]

    def _refresh_one(self, tracked: _Tracked, now: float) -> ExperimentRow | None:
        manifest_path = tracked.path / MANIFEST_NAME
        try:
            st = manifest_path.stat()
        except OSError:
            return None  # a directory being created: its manifest is not written yet
        stamp = (st.st_mtime_ns, st.st_size)
        changed = stamp != tracked.stamp
        if changed:
            manifest, problem = load_manifest(tracked.path)
            self.manifest_reads += 1
            tracked.stamp = stamp
            damage = problem or quick_damage(tracked.path, manifest)
            if damage:  # shown with its reason; the other experiments carry on
                tracked.manifest = None
                tracked.row = damaged_row(tracked.path, damage, manifest)
                return tracked.row
            tracked.manifest = manifest
        manifest = tracked.manifest
        if manifest is None:
            return tracked.row
        live = manifest.status in LIVE_STATUSES
        gone = live and process_gone(manifest, self.root)
        if live and not gone and self.tail_jsonl:
            self._tail_conversations(tracked, manifest)
        watch_pp = tracked.post_processing not in ("done", "failed") and (
            live or changed or tracked.row is None or _pp_pending(tracked)
            or _recently_finished(manifest, now))
        if watch_pp:
            self._tail_experiment_events(tracked)
        if not changed and not live and not watch_pp and tracked.row is not None:
            return tracked.row  # a finished experiment: nothing can have moved
        tracked.row = build_row(tracked.path, manifest, tracked.tails, gone=gone, now=now,
                                post_processing=tracked.post_processing)
        return tracked.row

    def _tail_conversations(self, tracked: _Tracked, manifest: Manifest) -> None:
        for conv_id, conv in manifest.conversations.items():
            tail = tracked.tails.get(conv_id)
            if tail is None:
                jsonl = conv.jsonl or conversation_jsonl_name(conv_id)
                tail = tracked.tails[conv_id] = ConversationRecord(
                    conversation_id=conv_id, detail=False, path=tracked.path / Path(jsonl).name)
            # A conversation that ended interrupted or paused may be resumed while the
            # experiment is live, appending to the same file: keep reading those.
            if not tail.ended or tail.end_reason in RESUMABLE_END_REASONS:
                before = tail.offset
                tail.read_more()
                self.bytes_tailed += tail.offset - before

    def _tail_experiment_events(self, tracked: _Tracked) -> None:
        result = read_events(tracked.path / EXPERIMENT_EVENTS_NAME, tracked.events_offset)
        tracked.events_offset = result.offset
        for event in result.events:
            if isinstance(event, PostProcessingStartEvent):
                tracked.post_processing = "running"
            elif isinstance(event, PostProcessingCompleteEvent):
                tracked.post_processing = "failed" if event.failed else "done"


def _pp_pending(tracked: _Tracked) -> bool:
    return tracked.post_processing == "running"


def _recently_finished(manifest: Manifest, now: float) -> bool:
    """Finished within POST_PROCESSING_WATCH_S: its post-processor may still start or report."""
    finished = parse_time(manifest.completed_at)
    return finished is not None and now - finished < POST_PROCESSING_WATCH_S


def _row_order(row: ExperimentRow) -> tuple[bool, float, str]:
    """Live experiments first, then newest first."""
    return (not row.is_live, -row.created_ts, row.experiment_id)
