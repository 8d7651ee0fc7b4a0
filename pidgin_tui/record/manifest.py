"""manifest.json: the live state of an experiment, with one writer and atomic replaces."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from pidgin_tui.core.files import write_atomic
from pidgin_tui.core.types import Status
from pidgin_tui.record import jsonl
from pidgin_tui.record.layout import MANIFEST_NAME, STATE_LOG_NAME
from pidgin_tui.record.manifest_types import (
    MANIFEST_SCHEMA_VERSION,
    ConversationEntry,
    Manifest,
    migrate,
    to_manifest,
)

if TYPE_CHECKING:
    from pidgin_tui.providers.versions import SpecOf

COMPACT_FACTOR, COMPACT_SLACK = 4, 1_000
"""The state log is rewritten with one line per conversation once it holds more lines than
this many per conversation (plus the slack): it stays O(conversations) on disk."""
WRITE_INTERVAL_S = 0.5
"""Least time between writes of routine progress (turns, tokens)."""
LIFECYCLE_INTERVAL_S = 0.1
"""Least time between writes for conversation starts and ends: 200 conversations starting
together cost a handful of writes, not 200 fsyncs."""


class Urgency(IntEnum):
    """How soon a change must reach the file."""

    PROGRESS = 0
    LIFECYCLE = 1
    NOW = 2
    """The experiment's end: written before the publisher continues."""


def replace_atomic(path: Path, encoded: bytes, *, sync_directory: bool = True) -> None:
    """Write atomically and durably (`core.files.write_atomic`), following the umask."""
    write_atomic(path, encoded, sync_directory=sync_directory)


def write_manifest(path: Path, manifest: Manifest) -> None:
    """Write a whole manifest as it is (the state log with every conversation, then the
    summary), outside a run: tests, fixtures and tools that lay an experiment out."""
    replace_atomic(path.with_name(STATE_LOG_NAME), b"".join(
        _state_line(cid, entry) for cid, entry in manifest.conversations.items()))
    write_json_atomic(path, manifest)


def write_json_atomic(path: Path, data: dict[str, Any] | Manifest) -> None:
    """`data` as indented JSON, replaced atomically (a manifest without its conversations,
    which live in the state log)."""
    if isinstance(data, Manifest):
        data = {**data.summary(), "state_log": STATE_LOG_NAME}
    replace_atomic(path, msgspec.json.format(msgspec.json.encode(data), indent=1))


def read_manifest(path: Path, *, conversations: bool = True) -> Manifest | None:
    """The manifest at `path` (a file or an experiment directory), or None if absent,
    unreadable or damaged (`record.damage.load_manifest` says why).

    The per-conversation states are folded back in from the state log, unless `conversations`
    is false (the summary alone costs the same however many conversations there are).
    """
    if path.is_dir():
        path = path / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    if conversations:
        data = with_conversations(data, path.parent)
    try:
        return decode_manifest(data)
    except msgspec.ValidationError:
        return None


def decode_manifest(data: dict[str, Any]) -> Manifest:
    """The typed manifest of a decoded manifest.json, its conversations included when `data`
    has them (migrated to the one numbering); raises `msgspec.ValidationError` naming a field
    of the wrong type."""
    listed = data.get("conversations")
    if isinstance(listed, dict):
        migrate(data, listed)
    return to_manifest(data)


def with_conversations(data: dict[str, Any], experiment_dir: Path) -> dict[str, Any]:
    """`data` with `conversations` read from the state log (the last line per id wins).

    A manifest that holds its conversations itself (schema 1) is returned as it is; an
    unreadable or torn log line is skipped (the conversation's JSONL still has its events).
    """
    if "conversations" in data and not data.get("state_log"):
        return data
    conversations: dict[str, Any] = {}
    try:
        raw = (experiment_dir / STATE_LOG_NAME).read_bytes()
    except OSError:
        raw = b""
    for line in raw.split(b"\n"):
        try:
            entry = _decode_state(line)
        except (msgspec.DecodeError, msgspec.ValidationError):
            continue
        conversation_id = entry.pop("conversation_id", None)
        if isinstance(conversation_id, str):
            conversations[conversation_id] = entry
    data["conversations"] = conversations
    return data


_decode_state = msgspec.json.Decoder(dict[str, Any]).decode
_write_pool: ThreadPoolExecutor | None = None


def _writer_thread() -> ThreadPoolExecutor:
    """One thread for manifest writes: encoding a snapshot stays on the loop (O(changes)),
    the file work and fsyncs happen here."""
    global _write_pool
    if _write_pool is None:
        _write_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pidgin-manifest")
    return _write_pool


class ManifestWriter:
    """Holds the manifest in memory and writes it coalesced, off the event loop.

    Two files, so an update costs O(what changed), not O(conversations):

    - `manifest.json`: the experiment-level summary (status, counts, totals, config), replaced
      atomically;
    - the state log (`manifest_conversations.ndjson`): one line per conversation whose state changed
      since the last write, appended before the summary is replaced.

    Routine progress is written at most every `interval_s`, lifecycle changes every
    LIFECYCLE_INTERVAL_S, by a timer if no later event comes; `write` writes at once, in the
    calling thread. A write error from the background is passed to `on_error` on the loop.
    """

    def __init__(self, path: Path, data: Manifest,
                 interval_s: float = WRITE_INTERVAL_S,
                 on_error: Callable[[OSError], None] | None = None) -> None:
        self.path = path
        self.log_path = path.with_name(STATE_LOG_NAME)
        self.data = data
        self.interval_s = interval_s
        self.on_error = on_error
        self._last_write = 0.0
        self._dirty = True
        self._changed: set[str] = set()
        self._fresh_log = True
        """The first write replaces the log with every conversation's state (compacting it)."""
        self._log_lines = 0
        self._timer: asyncio.TimerHandle | None = None
        self._pending: Future[None] | None = None
        self.writes = 0
        self.before_write: Callable[[set[str]], None] | None = None
        """Called with the ids about to be written, to bring their entries up to date."""

    def mark_dirty(self, conversation_id: str | None = None) -> None:
        self._dirty = True
        if conversation_id is not None:
            self._changed.add(conversation_id)

    def maybe_write(self, urgency: Urgency = Urgency.PROGRESS) -> bool:
        """Write now if the change is urgent enough for the time since the last write."""
        if not self._dirty:
            return False
        if urgency is Urgency.NOW:
            self.write()
            return True
        gap = LIFECYCLE_INTERVAL_S if urgency is Urgency.LIFECYCLE else self.interval_s
        waited = time.monotonic() - self._last_write
        if waited >= gap and (self._pending is None or self._pending.done()):
            self._write_in_background()
            return True
        self._schedule(max(gap - waited, LIFECYCLE_INTERVAL_S / 4))
        return False

    def write(self) -> None:
        """Write everything now, in this thread, after any write still in flight."""
        self.cancel()
        self._wait_pending()
        self._persist(*self._snapshot())

    def flush(self) -> None:
        """Once this returns, the file holds every change (written now only if one is not
        written yet), and no write is scheduled or in flight."""
        self.cancel()
        self._wait_pending()
        if self._dirty:
            self._persist(*self._snapshot())

    def cancel(self) -> None:
        """Drop a scheduled write (after a storage error nothing more is attempted)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _snapshot(self) -> tuple[bytes, bytes, bool]:
        """(summary JSON, state log lines, replace the log?) as of now."""
        data = self.data
        if self.before_write is not None:
            self.before_write(self._changed)
        data.updated_at = _now_iso()
        summary = data.summary()
        summary["state_log"] = STATE_LOG_NAME
        conversations = data.conversations
        if self._log_lines > COMPACT_FACTOR * len(conversations) + COMPACT_SLACK:
            self._fresh_log = True  # rewritten whole now and then: O(1) per line, amortized
        ids = conversations if self._fresh_log else self._changed
        self._log_lines = (0 if self._fresh_log else self._log_lines) + len(ids)
        lines = b"".join(_state_line(cid, conversations[cid])
                         for cid in ids if cid in conversations)
        fresh, self._fresh_log = self._fresh_log, False
        self._changed = set()
        self._dirty = False
        self._last_write = time.monotonic()
        self.writes += 1
        return msgspec.json.format(_encode(summary), indent=1), lines, fresh

    def _persist(self, summary: bytes, lines: bytes, fresh: bool) -> None:
        if fresh:  # its new name is made durable with the summary's, by one directory fsync
            replace_atomic(self.log_path, lines, sync_directory=False)
        elif lines:
            fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC,
                         0o644)
            try:
                jsonl.append_bytes(fd, lines)
                os.fsync(fd)
            finally:
                os.close(fd)
        replace_atomic(self.path, summary)

    def _write_in_background(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.write()  # no loop to come back on: write now
            return
        self._wait_pending()
        future = _writer_thread().submit(self._persist, *self._snapshot())
        self._pending = future

        def done(finished: Future[None]) -> None:
            error = finished.exception()
            if isinstance(error, OSError):
                loop.call_soon_threadsafe(self._report, error)

        future.add_done_callback(done)

    def _wait_pending(self) -> None:
        """Wait for the write in flight; its error was or will be reported by its callback."""
        if self._pending is not None:
            self._pending.exception()
            self._pending = None

    def _report(self, error: OSError) -> None:
        if self.on_error is None:
            raise error
        self.on_error(error)

    def _schedule(self, delay_s: float) -> None:
        if self._timer is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.write()  # no loop to come back on: write now rather than never
            return
        self._timer = loop.call_later(delay_s, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        if not self._dirty:
            return
        if self._pending is not None and not self._pending.done():
            self._schedule(LIFECYCLE_INTERVAL_S / 4)  # the previous write is still going
            return
        try:
            self._write_in_background()
        except OSError as exc:
            self._report(exc)


_encode = msgspec.json.Encoder().encode


def _state_line(conversation_id: str, entry: ConversationEntry) -> bytes:
    """One state-log line: the entry's fields after its conversation id."""
    return b'{"conversation_id":' + _encode(conversation_id) + b"," + _encode(entry)[1:] + b"\n"


def _now_iso() -> str:
    from pidgin_tui.core.events import utc_now

    return utc_now()


def new_manifest(experiment_id: str, name: str, config: dict[str, Any],
                 total_conversations: int, created_at: str,
                 providers: Iterable[str] = (),
                 spec_of: SpecOf | None = None) -> Manifest:
    """A new experiment's manifest; `providers` are those its models use, whose SDK versions
    are recorded with the pidgin-tui and Python versions and the price table's date (`spec_of`:
    the table row a provider runs through, `Registry.spec_of`, which knows named endpoints)."""
    from pidgin_tui.providers.versions import recorded_versions

    return Manifest(
        schema_version=MANIFEST_SCHEMA_VERSION, experiment_id=experiment_id, name=name,
        status=Status.CREATED, created_at=created_at, updated_at=created_at, pid=os.getpid(),
        config=config, total_conversations=total_conversations, state_log=STATE_LOG_NAME,
        versions=(recorded_versions(providers, spec_of) if spec_of
                  else recorded_versions(providers)))
