"""Whether a process runs, and since when: the one place that asks the operating system.

A process that has exited but whose parent has not collected it yet (a zombie) is not running:
it holds no files and will never write again. Detached runs and the Ollama servers they start
outlive their parents, and where nothing collects orphans (a container without an init that
reaps) they stay zombies indefinitely, so "the pid answers a signal" is not enough.
"""

from __future__ import annotations

import os
from functools import cache


def process_alive(pid: int) -> bool:
    """`pid` is a running process (a zombie is not); one we may not signal counts as running."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return process_state(pid) != "Z"


def process_state(pid: int) -> str | None:
    """The process's state letter (`R`, `S`, `Z`, …) where /proc tells it (Linux), else None."""
    fields = _stat_fields(pid)
    return fields[0] if fields else None


def process_arguments(pid: int) -> list[str] | None:
    """The process's command line where /proc tells it (Linux), else None."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            raw = handle.read()
    except OSError:
        return None
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


@cache
def _boot_time() -> float | None:
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("btime "):
                    return float(line.split()[1])
    except OSError:
        pass
    return None


def process_start_time(pid: int) -> float | None:
    """The process start as a Unix time, where /proc tells it (Linux); otherwise None."""
    boot = _boot_time()
    fields = _stat_fields(pid)
    if boot is None or fields is None:
        return None
    try:
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (IndexError, ValueError, OSError):
        return None


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat after the command name (state first), or None."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return None
    return stat[stat.rfind(")") + 2:].split()
