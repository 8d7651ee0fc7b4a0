"""Replacing a file atomically, with the permissions every other file gets.

`tempfile.mkstemp` creates its file 0600 whatever the umask, so a file written through it ends up
readable by its owner only while its neighbours follow the umask. `write_atomic` creates the
temporary file with mode 0666 and lets the kernel apply the umask, like `open()` does; a file
that may hold credentials (the config file with `[keys]`) passes `private=True` and is 0600.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PUBLIC_MODE = 0o666
"""Requested mode of an ordinary file; the umask takes its share (0644 under umask 022)."""
PRIVATE_MODE = 0o600
"""Mode of a file that may hold credentials, whatever the umask."""


def write_atomic(path: Path, data: bytes, *, private: bool = False, durable: bool = True,
                 sync_directory: bool = True) -> None:
    """Write `data` to a temporary file beside `path`, then replace `path` with it.

    With `durable`, the file and then its directory are fsynced, so after a crash `path` holds
    either the old or the new content, never a mix. Without `sync_directory` the caller
    fsyncs the directory itself (`fsync_directory`), once for several files replaced together.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    mode = PRIVATE_MODE if private else PUBLIC_MODE
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        if private:
            os.chmod(tmp, PRIVATE_MODE)  # also when the umask would have allowed less
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable and sync_directory:
        fsync_directory(path.parent)


def fsync_directory(directory: Path) -> None:
    """Make the names replaced in `directory` durable."""
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
