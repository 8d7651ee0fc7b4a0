"""One line for whatever a command did not handle itself: the path and the problem, no traceback.

The CLI wraps every command: a read-only or full disk, a missing or unreadable file, a file that
is not UTF-8 or not the JSON it should be becomes `pidgin-tui: error: <path>: <problem>` and a
non-zero exit. The traceback is printed only with `-v`.
"""

from __future__ import annotations

import errno
import json
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

_ERRNO_TEXT: dict[int, str] = {
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "read-only file system",
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.ENOENT: "no such file or directory",
    errno.ENOTDIR: "a part of the path is a file, not a directory",
    errno.EISDIR: "is a directory, not a file",
    errno.EEXIST: "already exists",
    errno.ENAMETOOLONG: "file name too long",
    errno.EMFILE: "too many open files",
    errno.EIO: "input/output error",
}

HINT = "(run with -v for the traceback)"


def _os_error(exc: OSError) -> str:
    problem = _ERRNO_TEXT.get(exc.errno or -1) or (exc.strerror or type(exc).__name__).lower()
    if exc.filename is not None:
        where = os.fsdecode(exc.filename)
        if exc.filename2 is not None:
            where = f"{where} -> {os.fsdecode(exc.filename2)}"
        return f"{where}: {problem}"
    return f"{problem} ({exc})" if str(exc) and problem not in str(exc).lower() else problem


def _path_in_traceback(tb: TracebackType | None) -> Path | None:
    """The innermost `Path` a failing frame held (names the file a decode error came from)."""
    found: Path | None = None
    while tb is not None:
        for value in tb.tb_frame.f_locals.values():
            if isinstance(value, Path):
                found = value
        tb = tb.tb_next
    return found


def describe_failure(exc: BaseException) -> str:
    """The one-line message for an exception no command handled."""
    if isinstance(exc, OSError):
        return _os_error(exc)
    path = _path_in_traceback(exc.__traceback__)
    where = f"{path}: " if path is not None else ""
    if isinstance(exc, UnicodeDecodeError):
        return (f"{where}not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} at offset "
                f"{exc.start})")
    if isinstance(exc, json.JSONDecodeError):
        return f"{where}not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
    text = " ".join(str(exc).split())
    kind = type(exc).__name__
    detail = f"{kind}: {text}" if text else kind
    return f"{where}{detail} {HINT}"


def report_failure(exc: BaseException, verbose: bool) -> None:
    """Print the traceback when verbose, then the one-line error."""
    from pidgin_tui.cli import error

    if verbose:
        traceback.print_exception(exc, file=sys.stderr)
    error(describe_failure(exc))
