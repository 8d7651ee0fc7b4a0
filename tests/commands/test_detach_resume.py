"""`resume --detach`: a resumed run goes on in the background and streams its message in
progress (thinking included) to the disk, like a new detached run; a SIGKILL leaves stale live
files that readers recognise and a resume clears."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from pidgin_tui.experiments.daemon import RESUMED_CHILD_FLAG, resume_command
from pidgin_tui.record.layout import control_live_text_files
from pidgin_tui.record.live_text import LiveText, read_live_text
from pidgin_tui.record.lock import is_locked
from pidgin_tui.record.manifest import read_manifest
from tests.commands.test_detach_stop_monitor import _cli, _wait_for


def test_the_detached_resume_command_is_a_list_ending_with_the_experiment(tmp_path: Path) -> None:
    argv = resume_command(tmp_path, tmp_path / "experiments" / "-x; rm -rf ~", ["--verbose"])
    assert argv[3] == "resume" and RESUMED_CHILD_FLAG in argv
    assert argv[-2:] == ["--", str(tmp_path / "experiments" / "-x; rm -rf ~")]


def _conversations(exp_dir: Path) -> list[str]:
    manifest = read_manifest(exp_dir)
    return list(manifest.conversations) if manifest else []


def _live(exp_dir: Path) -> LiveText | None:
    for cid in _conversations(exp_dir):
        live = read_live_text(exp_dir, cid)
        if live is not None and live.thinking:
            return live
    return None


def test_a_resumed_detached_run_streams_live_text_and_stale_files_are_ignored_and_cleared(
        tmp_path: Path) -> None:
    started = _cli(tmp_path, "run", "-a", "local:test", "-b", "local:test", "-t", "30",
                   "--think", "--name", "again", "--detach", "--json", "--no-post-process")
    assert started.returncode == 0, started.stderr
    info = json.loads(started.stdout)
    experiment_id, exp_dir = info["experiment_id"], Path(info["experiment_dir"])
    first = info["pid"]
    _wait_for(lambda: _live(exp_dir), timeout=60)
    os.kill(first, signal.SIGKILL)  # a crash: it cannot remove its live files
    _wait_for(lambda: not is_locked(exp_dir))  # the kernel freed its lock
    left = control_live_text_files(exp_dir)
    assert left and all(_header_pid(path) == first for path in left)

    resumed = _cli(tmp_path, "resume", experiment_id, "--detach", "--json",
                   "--no-post-process")
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["resumed"] == 1 and summary["experiment_dir"] == str(exp_dir)
    child = summary["pid"]
    live = _wait_for(lambda: _live(exp_dir), timeout=60)
    assert live.thinking  # the resumed run streams its thinking too, from its own files
    assert all(_header_pid(path) in (child, None) for path in control_live_text_files(exp_dir))

    os.kill(child, signal.SIGKILL)
    _wait_for(lambda: not is_locked(exp_dir))
    assert control_live_text_files(exp_dir), "left behind by the killed resume"
    assert all(read_live_text(exp_dir, cid) is None for cid in _conversations(exp_dir))
    assert control_live_text_files(exp_dir) == [], "nobody writes it: the reader tidied them"


def _header_pid(path: Path) -> int | None:
    try:
        return int(json.loads(path.read_text().splitlines()[0])["pid"])
    except (OSError, ValueError, KeyError, IndexError):
        return None


def test_stop_json_is_one_object_also_when_nothing_runs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pidgin_tui.cli import main
    from pidgin_tui.experiments.synthetic import write_experiment

    assert main(["--output", str(tmp_path), "stop", "--all", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"stopped": []}
    path = write_experiment(tmp_path, "done01", "finished")
    assert main(["--output", str(tmp_path), "stop", "done01", "--json"]) == 0
    [entry] = json.loads(capsys.readouterr().out)["stopped"]
    assert entry["experiment_id"] == "done01" and entry["path"] == str(path)
    assert entry["outcome"] == "not running" and entry["status"] == "completed"
