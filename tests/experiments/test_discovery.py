"""Stale pids: a dead process, or a live one that cannot have written the manifest."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pidgin_tui.experiments.discovery import (
    describe,
    list_experiments,
    process_start_time,
    run_process_alive,
)
from pidgin_tui.experiments.synthetic import EPOCH, update_manifest, write_experiment
from pidgin_tui.record.layout import pid_file


@pytest.fixture
def sleeper():  # type: ignore[no-untyped-def]
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


def test_dead_pid_is_process_gone(tmp_path: Path) -> None:
    path = write_experiment(tmp_path, "dead01", "crashed", running=1, pid=2**22 + 3)
    info = describe(path, tmp_path)
    assert info is not None and info.status_label == "interrupted (process gone)"


def test_reused_pid_is_process_gone_but_the_writer_is_live(tmp_path: Path, sleeper) -> None:
    if process_start_time(sleeper.pid) is None:
        pytest.skip("no process start times on this platform")
    old = write_experiment(tmp_path, "old01", "long-ago", running=1, pid=sleeper.pid,
                           start=EPOCH)  # written long before the sleeper started
    assert describe(old, tmp_path).process_gone  # type: ignore[union-attr]
    now = datetime.now(UTC) + timedelta(seconds=1)
    update_manifest(old, updated_at=now.isoformat())  # as a resumed run writes it
    assert not describe(old, tmp_path).process_gone  # type: ignore[union-attr]
    assert run_process_alive(sleeper.pid, now.isoformat())
    assert not run_process_alive(sleeper.pid, EPOCH.isoformat())


def test_pid_file_of_a_detached_run_wins_over_the_manifest(tmp_path: Path, sleeper) -> None:
    path = write_experiment(tmp_path, "det01", "detached", running=1, pid=2**22 + 5,
                            start=datetime.now(UTC) + timedelta(seconds=1))
    pid_file(tmp_path, "det01").parent.mkdir(parents=True, exist_ok=True)
    pid_file(tmp_path, "det01").write_text(f"{sleeper.pid}\n")
    assert [i.status_label for i in list_experiments(tmp_path)] == ["running"]
    assert describe(path, tmp_path).status == "running"  # type: ignore[union-attr]
