"""Line scans remembered across processes, so that `list`, the monitor and the app do not read
every event line of every experiment again each time they start.

`damage.line_problem` reads each conversation file once per process. What it found (how far it
read, and the first bad line if any) is kept here under the file's absolute path, with the
file's device, inode, size and modification time. A later process takes the remembered scan
only when all four are unchanged, so any write to the file, in place or appended, makes it read
again. The file lives in the user's cache dir (`paths.cache_dir`): it can always be worked out
again, and a damaged, missing or unwritable cache only costs the reading it would have saved.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import suppress
from pathlib import Path

import msgspec

from pidgin_tui.paths import cache_dir

CACHE_NAME = "line_scans.json"
MAX_ENTRIES = 200_000
"""Past this many files the oldest-checked are forgotten (about 100 bytes each on disk)."""
SETTLED_NS = 2_000_000_000
"""A file modified less than this long before its scan is not remembered: a file system keeps
times in coarse ticks, so a same-size write in the same tick would look unchanged (git's "racy"
entries); a file being written is read again next time anyway."""


class Scan(msgspec.Struct, array_like=True, frozen=True):
    """One file's scan and the file's state when it was read."""

    device: int
    inode: int
    size: int
    mtime_ns: int
    offset: int
    """Bytes read: up to the end of the last complete line."""
    next_line: int
    problem: str | None


_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(dict[str, Scan])
_remembered: dict[str, Scan] | None = None
"""Loaded on first use; entries added in this process are saved by `save`."""
_loaded_from: Path | None = None
_changed = False
_saved_at = float("-inf")
_lock = threading.Lock()
"""The monitor's refresh worker and the app's other readers may look at once."""


def _cache_file() -> Path:
    return cache_dir() / CACHE_NAME


def _entries() -> dict[str, Scan]:
    global _remembered, _loaded_from, _changed
    source = _cache_file()
    if _remembered is None or source != _loaded_from:
        _loaded_from, _changed = source, False
        try:
            _remembered = _DECODER.decode(source.read_bytes())
        except (OSError, msgspec.DecodeError):
            _remembered = {}  # none yet, unreadable or damaged: read the files instead
    return _remembered


def recall(path: Path, st: os.stat_result) -> Scan | None:
    """The scan of `path` made when the file was exactly as `st` describes it, if any."""
    with _lock:
        scan = _entries().get(str(path.absolute()))
    if scan is None or (scan.device, scan.inode, scan.size, scan.mtime_ns) != (
            st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns):
        return None
    return scan


def remember(path: Path, st: os.stat_result, offset: int, next_line: int,
             problem: str | None) -> None:
    """Keep a scan that read `path` as `st` describes it (taken before reading), unless the
    file was modified too recently to tell a later same-size write from it."""
    global _changed
    if time.time_ns() - st.st_mtime_ns < SETTLED_NS:
        return
    key = str(path.absolute())
    with _lock:
        entries = _entries()
        entries.pop(key, None)  # re-inserted last: the dict's order is the order of checking
        entries[key] = Scan(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, offset,
                            next_line, problem)
        _changed = True


def save(every_s: float = 0.0) -> None:
    """Write the scans out if this process added any and the last save is `every_s` old
    (atomically; a read-only or full disk is ignored: it is only a cache)."""
    global _changed, _saved_at
    with _lock:
        if not _changed or _remembered is None or _loaded_from is None or \
                time.monotonic() - _saved_at < every_s:
            return
        _changed, _saved_at = False, time.monotonic()
        entries, target = _remembered, _loaded_from
        for key in list(entries)[:max(0, len(entries) - MAX_ENTRIES)]:
            del entries[key]
        data = _ENCODER.encode(entries)
    temporary = target.with_name(f".{CACHE_NAME}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, target)
    except OSError:
        with suppress(OSError):
            temporary.unlink(missing_ok=True)


def forget() -> None:
    """Drop what this process loaded or added, as a new process starts."""
    global _remembered, _loaded_from, _changed, _saved_at
    with _lock:
        _remembered, _loaded_from, _changed, _saved_at = None, None, False, float("-inf")
