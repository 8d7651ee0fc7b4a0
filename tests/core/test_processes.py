"""Whether a process runs: an exited process nobody collected (a zombie) does not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from pidgin_tui.core.processes import process_alive, process_arguments, process_state


def test_a_running_process_runs_and_a_killed_uncollected_one_does_not() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        assert process_alive(child.pid)
        if process_state(child.pid) is None:
            pytest.skip("no /proc on this platform")
        expected = [sys.executable, "-c", "import time; time.sleep(600)"]
        for _ in range(600):  # until the child has exec'd (before, it shows our command line)
            if process_arguments(child.pid) == expected:
                break
            time.sleep(0.05)
        assert process_arguments(child.pid) == expected
        os.kill(child.pid, signal.SIGKILL)
        for _ in range(600):  # until the kernel made it a zombie (we do not collect it yet)
            if process_state(child.pid) == "Z":
                break
            time.sleep(0.05)
        assert process_state(child.pid) == "Z"
        assert not process_alive(child.pid)
    finally:
        child.kill()
        child.wait()
    assert not process_alive(child.pid)


def test_no_such_process_and_nonsense_pids_do_not_run() -> None:
    assert not process_alive(0) and not process_alive(-1)
    assert not process_alive(2**22 + 7)
    assert process_alive(os.getpid())
