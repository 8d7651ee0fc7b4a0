"""JSONL files of events: an append-only writer and an incremental reader from a byte offset.

The reader is what the monitor tails files with: it returns only complete lines, leaves a
truncated last line for the next read (reporting it), and reports malformed lines without
stopping.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from pidgin_tui.core.events import Event, decode_event, encode_event

_fsync_pool: ThreadPoolExecutor | None = None


def _fsync_executor() -> ThreadPoolExecutor:
    """One background thread for fsync: it releases the GIL, so turns never wait on the disk."""
    global _fsync_pool
    if _fsync_pool is None:
        _fsync_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pidgin-fsync")
    return _fsync_pool


class JsonlWriter:
    """Appends one event per line; flushes every event, fsyncs at turn ends and on close.

    `flush` puts each line in the OS page cache at once, so a killed process loses nothing;
    `sync` queues an fsync on a background thread against power loss; `close` waits for it and
    fsyncs once more.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = open(path, "ab", buffering=1024 * 64)  # noqa: SIM115 - kept open on purpose
        self._pending_sync: Future[None] | None = None
        self.lines_written = 0

    def write(self, event: Event) -> None:
        self._file.write(encode_event(event) + b"\n")
        self._file.flush()
        self.lines_written += 1

    def sync(self) -> None:
        self._file.flush()
        if self._pending_sync is None or self._pending_sync.done():
            self._pending_sync = _fsync_executor().submit(os.fsync, self._file.fileno())

    def close(self) -> None:
        if not self._file.closed:
            self._file.flush()
            if self._pending_sync is not None:
                self._pending_sync.result()
            os.fsync(self._file.fileno())
            self._file.close()


@dataclass(slots=True)
class ReadResult:
    events: list[Event] = field(default_factory=list)
    offset: int = 0
    """Byte offset to pass to the next read: just past the last complete line."""
    partial_tail_bytes: int = 0
    """Bytes of an incomplete last line left for later (a writer mid-line, or a truncated file)."""
    errors: list[str] = field(default_factory=list)
    """`line N: problem` for complete lines that did not parse."""


def read_events(path: Path, offset: int = 0, max_bytes: int | None = None,
                first_line_number: int = 1) -> ReadResult:
    """Read the complete event lines of `path` from byte `offset` on."""
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
    for line in complete.split(b"\n"):
        if line.strip():
            try:
                result.events.append(decode_event(line))
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                result.errors.append(f"line {line_number}: {exc}")
        line_number += 1
    result.offset = offset + end + 1
    return result


def read_all_events(path: Path) -> ReadResult:
    """Every complete event of a file; a truncated last line is reported in `partial_tail_bytes`."""
    return read_events(path, 0)
