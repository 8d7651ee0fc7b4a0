"""One writer per experiment: the second writer is refused naming the first one's pid."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pidgin_tui.record.lock import (
    ExperimentLock,
    ExperimentLocked,
    holder_pid,
    is_locked,
    lock_path,
)

_HOLD = """
import sys, time
from pathlib import Path
from pidgin_tui.record.lock import ExperimentLock
lock = ExperimentLock.acquire(Path(sys.argv[1]))
print("held", flush=True)
time.sleep(60)
"""


def _holder_process(directory: Path) -> subprocess.Popen[str]:
    from tests.conftest import cli_env

    child = subprocess.Popen([sys.executable, "-c", _HOLD, str(directory)], env=cli_env(),
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    return child


def test_a_second_writer_is_refused_with_the_holders_pid(tmp_path: Path) -> None:
    child = _holder_process(tmp_path)
    try:
        assert is_locked(tmp_path)
        assert holder_pid(tmp_path) == child.pid
        with pytest.raises(ExperimentLocked) as refused:
            ExperimentLock.acquire(tmp_path)
        assert f"pid {child.pid}" in str(refused.value)
        assert "\n" not in str(refused.value)
    finally:
        child.kill()
        child.wait()
    # SIGKILL frees the lock: the experiment can be taken over (that is how resume knows).
    assert not is_locked(tmp_path)
    with ExperimentLock.acquire(tmp_path) as lock:
        assert lock.held and holder_pid(tmp_path) == os.getpid()
    assert not is_locked(tmp_path)


def test_within_one_process_a_second_lock_is_refused_too(tmp_path: Path) -> None:
    first = ExperimentLock.acquire(tmp_path)
    with pytest.raises(ExperimentLocked):
        ExperimentLock.acquire(tmp_path)
    first.release()
    ExperimentLock.acquire(tmp_path).release()


def test_readers_never_need_the_lock(tmp_path: Path) -> None:
    assert not is_locked(tmp_path)  # no lock file: nobody writes
    assert not lock_path(tmp_path).exists()  # probing creates nothing
    child = _holder_process(tmp_path)
    try:
        (tmp_path / "manifest.json").write_text("{}")
        assert (tmp_path / "manifest.json").read_text() == "{}"  # reading is never blocked
        assert is_locked(tmp_path)
    finally:
        child.kill()
        child.wait()
