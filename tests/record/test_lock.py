"""One writer per experiment: the second writer is refused naming the first one's pid."""

from __future__ import annotations

import os
import subprocess
import sys
import time
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


def test_resume_of_a_running_experiment_is_refused_naming_the_runs_pid(tmp_path: Path) -> None:
    from tests.conftest import cli_command, cli_env

    root = tmp_path / "out"
    run = subprocess.Popen(cli_command("run", "-a", "local:test", "-b", "local:test", "-t", "20",
                                       "--no-post-process", "--quiet", "--output", str(root)),
                           env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        directory = None
        for _ in range(3000):  # until the run holds its experiment's lock
            found = sorted((root / "experiments").glob("experiment_*"))
            if found and holder_pid(found[0]) == run.pid:
                directory = found[0]
                break
            assert run.poll() is None
            time.sleep(0.01)
        assert directory is not None
        second = subprocess.run(cli_command("resume", directory.name, "--output", str(root)),
                                env=cli_env(), capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert second.stderr.count("\n") == 1 and f"pid {run.pid}" in second.stderr
        assert run.poll() is None  # the writer carries on
    finally:
        run.kill()
        run.wait()
