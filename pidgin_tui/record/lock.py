"""One writer per experiment: an OS lock (`fcntl.flock`) on a lock file in the experiment dir.

`run`, `resume` and the app take it before writing anything; a second writer is refused with one
line naming the holder's pid. Readers never take it. The kernel drops the lock when its holder
exits for any reason (kill -9, OOM, reboot), so "the lock is free" is how `resume` and `doctor`
know a run's process is gone, without trusting a pid that may have been reused.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from pidgin_tui.record.layout import LOCK_NAME

ACQUIRE_ATTEMPTS = 5
"""A reader probing the lock (`holder`) holds it for microseconds; a writer retries briefly
before deciding that another writer has it."""
ACQUIRE_RETRY_S = 0.02


class ExperimentLocked(RuntimeError):
    """Another process is writing the experiment; the message names its pid."""

    def __init__(self, experiment_dir: Path, pid: int | None) -> None:
        holder = f"pid {pid}" if pid is not None else "another process"
        super().__init__(f"{experiment_dir.name} is being written by {holder}; "
                         "one writer per experiment (stop it first, or wait for it to end)")
        self.pid = pid


def lock_path(experiment_dir: Path) -> Path:
    return experiment_dir / LOCK_NAME


def recorded_pid(path: Path) -> int | None:
    try:
        return int(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


class ExperimentLock:
    """The held lock of one experiment directory; `release` (or process exit) frees it."""

    def __init__(self, experiment_dir: Path, fd: int) -> None:
        self.experiment_dir = experiment_dir
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, experiment_dir: Path) -> ExperimentLock:
        """Take the lock or raise `ExperimentLocked`; writes this process's pid into the file."""
        path = lock_path(experiment_dir)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            for attempt in range(ACQUIRE_ATTEMPTS):
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if attempt + 1 == ACQUIRE_ATTEMPTS:
                        raise ExperimentLocked(experiment_dir, recorded_pid(path)) from None
                    time.sleep(ACQUIRE_RETRY_S)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        except BaseException:
            os.close(fd)
            raise
        return cls(experiment_dir, fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> ExperimentLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def is_locked(experiment_dir: Path) -> bool:
    """Whether a process holds the experiment's lock (is writing it now).

    Probes with a shared, non-blocking lock that is dropped at once: a reader never waits and
    never blocks a writer for longer than the probe. No lock file means no writer ever took one.
    """
    try:
        fd = os.open(lock_path(experiment_dir), os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def holder_pid(experiment_dir: Path) -> int | None:
    """The pid of the process holding the lock, or None when the lock is free."""
    if not is_locked(experiment_dir):
        return None
    return recorded_pid(lock_path(experiment_dir))
