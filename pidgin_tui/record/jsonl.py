"""JSONL files of events: an append-only writer and the one reader, from a byte offset.

The reader returns only complete lines, leaves a truncated last line for the next read
(reporting it), and reports malformed lines without stopping. Given the event types it wants,
it skips other lines by their first bytes without parsing them (a transcript or a metric plot
need a fraction of a file's lines).

The writer leaves out of each line the experiment and conversation ids the file's name and
directory already say, and writes every line after the first compact (`record.compact`: what
the first line states is left to it); the reader puts all of it back, so every event it
returns is whole (lines of earlier releases spell everything out).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from pidgin_tui.core.events import (
    SCHEMA_VERSION,
    Event,
    TurnCompleteEvent,
    decode_event,
    encode_event,
)
from pidgin_tui.record.compact import FileHeader, compact_time
from pidgin_tui.record.layout import conversation_id_of, experiment_id_of_dir

_fsync_pool: ThreadPoolExecutor | None = None


def _fsync_executor() -> ThreadPoolExecutor:
    """One background thread for fsync: it releases the GIL, so turns never wait on the disk."""
    global _fsync_pool
    if _fsync_pool is None:
        _fsync_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pidgin-fsync")
    return _fsync_pool


def _final_sync(fd: int, pending: Future[None] | None) -> None:
    try:
        if pending is not None:
            pending.result()
        os.fsync(fd)
    finally:
        os.close(fd)


def wait_for_background_syncs() -> None:
    """Return once every fsync and close queued so far has run (the thread runs in order)."""
    if _fsync_pool is not None:
        _fsync_pool.submit(lambda: None).result()


def append_bytes(fd: int, data: bytes) -> None:
    """Append `data` to an O_APPEND descriptor, looping over short writes; raises OSError."""
    written = os.write(fd, data)
    if written < len(data):  # rare: the rest in as many writes as it takes
        view = memoryview(data)[written:]
        while view:
            view = view[os.write(fd, view):]


SYNC_INTERVAL_S = 0.1
"""Least time between two fsyncs of one file. A turn's end is fsynced at once when the file's
last fsync is older than this, else this long after it: a real model's turn takes longer, so
each of its turns gets its own fsync, while the instant local models, hundreds of turns a
second, do not wake the fsync thread (and contend for the interpreter) hundreds of times."""


_clock = time.monotonic
"""When fsyncs were queued (a test stops it)."""


class JsonlWriter:
    """Appends one event per line; fsyncs at turn ends (`SYNC_INTERVAL_S` apart) and on close.

    Each line goes to the OS with one `write` on an O_APPEND descriptor (no Python buffer), so a
    killed process loses nothing that was written, and a failed write never leaves bytes behind
    to be flushed later. `sync` queues an fsync on a background thread against power loss;
    `close` waits for it and fsyncs once more. A failed fsync is raised by the next `sync` or
    `close`.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = os.open(
            path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        self._pending_sync: Future[None] | None = None
        self._last_sync = -SYNC_INTERVAL_S
        """When the last fsync was queued (`time.monotonic`)."""
        self._deferred: asyncio.TimerHandle | None = None
        """The fsync queued for when `SYNC_INTERVAL_S` has passed since the last one."""
        self.lines_written = 0
        self._context = _FileContext.of(path)
        self._empty = os.fstat(self._fd).st_size == 0
        self._header = None if self._empty else FileHeader.of_file(path)
        """What the file's first line states, if later lines may leave it to it."""

    def _line(self, event: Event) -> bytes:
        """`event` as written: the file's first line in full, a later one compact if it can be."""
        changes = self._context.changes(event)
        if self._header is not None and not self._empty:
            compact = self._header.compact(event, changes)
            if compact is not None:
                return compact
        event = msgspec.structs.replace(event, **changes) if changes else event
        if self._empty:
            self._empty = False
            self._header = FileHeader.of_event(event)
        return encode_event(event)

    def write(self, event: Event) -> None:
        assert self._fd is not None, f"{self.path.name} is closed"
        try:
            append_bytes(self._fd, self._line(event) + b"\n")
        except OSError as exc:
            exc.filename = exc.filename or str(self.path)  # os.write does not name the file
            raise
        self.lines_written += 1

    def sync(self) -> None:
        """Make what was written durable: now, or `SYNC_INTERVAL_S` after the last fsync."""
        if self._fd is None:
            return
        if self._pending_sync is not None and self._pending_sync.done():
            self._pending_sync.result()  # raises the error of the previous fsync
        if self._deferred is not None:
            return  # what was written meanwhile goes with it
        wait = self._last_sync + SYNC_INTERVAL_S - _clock()
        in_flight = self._pending_sync is not None and not self._pending_sync.done()
        if in_flight:
            wait = max(wait, SYNC_INTERVAL_S / 4)
        if wait > 0:
            try:
                self._deferred = asyncio.get_running_loop().call_later(wait, self._deferred_sync)
                return
            except RuntimeError:  # no loop to come back on
                pass
        if not in_flight:  # else what it does not cover waits for the next sync or close
            self._queue_sync()

    def _deferred_sync(self) -> None:
        self._deferred = None
        if self._fd is None:
            return
        if self._pending_sync is not None and not self._pending_sync.done():
            self.sync()  # the previous fsync is still running: after it
        elif self._pending_sync is None or self._pending_sync.exception() is None:
            self._queue_sync()
        # else the previous fsync failed: the next `sync` or `close` raises it

    def _queue_sync(self) -> None:
        assert self._fd is not None
        self._pending_sync = _fsync_executor().submit(os.fsync, self._fd)
        self._last_sync = _clock()

    def _cancel_deferred(self) -> None:
        if self._deferred is not None:
            self._deferred.cancel()
            self._deferred = None

    def close(self) -> None:
        if self._fd is None:
            return
        self._cancel_deferred()
        fd, self._fd = self._fd, None
        _final_sync(fd, self._pending_sync)

    def close_in_background(self) -> Future[None] | None:
        """Fsync and close on the fsync thread (after this file's pending fsync); the caller
        goes on at once. The future raises what the fsync raised."""
        if self._fd is None:
            return None
        self._cancel_deferred()
        fd, self._fd = self._fd, None
        return _fsync_executor().submit(_final_sync, fd, None)

    def abandon(self) -> None:
        """Close without syncing (after a storage error): nothing more is attempted."""
        self._cancel_deferred()
        if self._fd is not None:
            fd, self._fd = self._fd, None
            if self._pending_sync is not None:
                self._pending_sync.exception()  # wait for it, whatever it raised
            os.close(fd)


@dataclass(frozen=True, slots=True)
class _FileContext:
    """The ids a file's place says: its experiment (the directory), its conversation (the
    name of a conversation file; None for the experiment-level file)."""

    experiment_id: str
    conversation_id: str | None

    @classmethod
    def of(cls, path: Path) -> _FileContext:
        return cls(experiment_id_of_dir(path.parent), conversation_id_of(path))

    def changes(self, event: Event) -> dict[str, Any]:
        """What `event` is written without: the ids its file says (they are restored on
        reading) and the event id of earlier releases; and it is written in today's schema
        version."""
        changes: dict[str, Any] = {"event_id": ""} if event.event_id else {}
        if event.schema_version != SCHEMA_VERSION:
            changes["schema_version"] = SCHEMA_VERSION
        if event.conversation_id == self.conversation_id:
            if event.conversation_id is not None:
                changes["conversation_id"] = None
            if event.experiment_id == self.experiment_id:
                changes["experiment_id"] = ""
        return changes

    def restore(self, event: Event) -> None:
        if event.conversation_id is None:
            event.conversation_id = self.conversation_id
        if not event.experiment_id:
            event.experiment_id = self.experiment_id


@dataclass(slots=True)
class ReadResult:
    events: list[Event] = field(default_factory=list)
    offset: int = 0
    """Byte offset to pass to the next read: just past the last complete line."""
    partial_tail_bytes: int = 0
    """Bytes of an incomplete last line left for later (a writer mid-line, or a truncated file)."""
    errors: list[str] = field(default_factory=list)
    """`line N: problem` for complete lines that did not parse."""
    complete_lines: int = 0
    """Complete lines read, skipped ones included (to number the lines of the next read)."""


_BLANK = frozenset(b" \t\r\n\x0b\x0c")
"""First bytes of a line that may be blank (`bytes.strip` removes these)."""


def _prefix(cls: type[Event]) -> bytes:
    """The first bytes of a line of `cls`: the encoder writes the tag field first."""
    return f'{{"event_type":"{cls.__name__}"'.encode()


_TURN_PREFIX = _prefix(TurnCompleteEvent)
_METRICS_KEY = b',"metrics":['


def _without_metrics(line: bytes) -> bytes:
    """A turn's line without its positional metrics (an array of numbers: its first `]` ends
    it; no string holds an unescaped quote, so none holds the key)."""
    at = line.find(_METRICS_KEY)
    if at < 0:
        return line
    end = line.find(b"]", at)
    return line if end < 0 else line[:at] + line[end + 1:]


def _prefixes(types: Iterable[type[Event]]) -> tuple[bytes, ...]:
    """The first bytes of a line of each type."""
    return tuple(map(_prefix, types))


def read_events(path: Path, offset: int = 0, max_bytes: int | None = None,
                first_line_number: int = 1,
                types: Iterable[type[Event]] | None = None, metrics: bool = True) -> ReadResult:
    """Read the complete event lines of `path` from byte `offset` on (only `types`, if given).

    With `metrics=False`, a turn's positional metrics are neither read nor checked: its
    TurnCompleteEvent comes without them (for readers that keep counts and scores only; the
    metrics are most of a turn's line and of the time to read it)."""
    wanted = _prefixes(types) if types is not None else None
    packed = None if metrics else _TURN_PREFIX
    result = ReadResult(offset=offset)
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read() if max_bytes is None else handle.read(max_bytes)
    except FileNotFoundError:
        return result
    end = data.rfind(b"\n")
    if end < 0:
        result.partial_tail_bytes = len(data)
        return result
    complete, result.partial_tail_bytes = data[:end], len(data) - end - 1
    line_number = first_line_number
    restore = _FileContext.of(path).restore
    header: FileHeader | None | bool = False  # read from the first line at the first need
    for line in complete.split(b"\n"):
        if (line and (wanted is None or line.startswith(wanted))
                and (line[0] not in _BLANK or line.strip())):  # a line of blanks is no line
            if packed is not None and line.startswith(packed):
                line = _without_metrics(line)
            time = compact_time(line)
            if time is not None and header is False:
                header = FileHeader.of_file(path)
            try:
                if time is not None:
                    if not isinstance(header, FileHeader):
                        raise msgspec.DecodeError(
                            "a compact line, but the file's first line is unreadable or of an "
                            "earlier version")
                    event = decode_event(header.expand(line, time))
                    header.restore(event)
                else:
                    event = decode_event(line)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                result.errors.append(f"line {line_number}: {exc}")
            else:
                restore(event)
                result.events.append(event)
        line_number += 1
    result.offset = offset + end + 1
    result.complete_lines = line_number - first_line_number
    return result


def read_all_events(path: Path, types: Iterable[type[Event]] | None = None,
                    metrics: bool = True) -> ReadResult:
    """Every complete event of a file; a truncated last line is reported in `partial_tail_bytes`
    (`metrics` as in `read_events`)."""
    return read_events(path, 0, types=types, metrics=metrics)
