"""A storage error stops the run at once; what was written stays readable and resumable."""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pidgin_tui.core.events import MessageCompleteEvent
from pidgin_tui.experiments.runner import ExperimentRunner
from pidgin_tui.experiments.spec import parse_spec
from pidgin_tui.providers.base import Chunk, ProviderRequest
from pidgin_tui.providers.local import LocalProvider
from pidgin_tui.record.jsonl import read_all_events
from tests.conftest import cli_command, cli_env
from tests.record.conftest import FailingDisk

SPEC = {"agent_a": "local:instant", "agent_b": "local:instant", "max_turns": 6,
        "repetitions": 6, "max_parallel": 3, "seed": 3, "name": "disk"}


def _messages(directory: Path) -> dict[str, list[tuple[int, str, str]]]:
    found = {}
    for path in sorted(directory.glob("conv_*_events.jsonl")):
        events = read_all_events(path).events
        found[path.name.rsplit("_", 2)[1]] = [
            (e.turn_number, e.agent_id, e.content) for e in events
            if isinstance(e, MessageCompleteEvent) and e.finish_reason != "interrupted"]
    return found


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EROFS, errno.EIO])
async def test_a_write_error_stops_every_provider_call_and_resume_finishes_the_run(
        tmp_path: Path, failing_disk: FailingDisk, monkeypatch: pytest.MonkeyPatch,
        error: int) -> None:
    reference = await ExperimentRunner(parse_spec(SPEC), tmp_path / "reference").run()

    calls_after_failure = 0
    real_stream = LocalProvider.stream

    async def counting_stream(self: LocalProvider, request: ProviderRequest
                              ) -> AsyncIterator[Chunk]:
        nonlocal calls_after_failure
        calls_after_failure += failing_disk.failed_at is not None
        async for chunk in real_stream(self, request):
            yield chunk

    monkeypatch.setattr(LocalProvider, "stream", counting_stream)
    failing_disk.fail_after(40, error)
    result = await ExperimentRunner(parse_spec(SPEC), tmp_path / "out").run()

    assert failing_disk.failed_at == 41
    assert calls_after_failure == 0
    assert result.status.value == "interrupted"
    assert result.storage_error is not None and "\n" not in result.storage_error
    assert "_events.jsonl" in result.storage_error  # names the file it could not write
    unfinished = [o for o in result.outcomes if o.end_reason.value != "max_turns"]
    assert unfinished and {o.end_reason.value for o in unfinished} == {"storage_error"}
    for path in result.experiment_dir.glob("*.jsonl"):  # readable, but for a torn last line
        read = read_all_events(path)
        assert read.errors == []

    failing_disk.heal()
    runner = ExperimentRunner.for_existing(result.experiment_dir, tmp_path / "out")
    resumed = await runner.resume()
    assert resumed.status.value == "completed" and resumed.storage_error is None
    assert sum(runner.torn.values()) > 0  # the half-written line was kept aside
    assert _messages(result.experiment_dir) == _messages(reference.experiment_dir)


def test_the_cli_prints_one_line_and_exits_1_on_a_read_only_directory(tmp_path: Path) -> None:
    root = tmp_path / "readonly"
    if not _mount_tmpfs(root, "1m", "ro"):
        pytest.skip("mounting a read-only tmpfs needs root")
    try:
        run = subprocess.run(cli_command("run", "-a", "local:instant", "-b", "local:instant",
                                         "-t", "2", "--no-post-process", "--output", str(root)),
                             env=cli_env(), capture_output=True, text=True, timeout=60)
    finally:
        subprocess.run(["umount", "-l", str(root)], capture_output=True)
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("pidgin-tui: error: ")
    assert "Read-only file system" in run.stderr


def _mount_tmpfs(path: Path, size: str, *options: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    if shutil.which("mount") is None:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join((f"size={size}", *options)),
                           "tmpfs", str(path)], capture_output=True)
    return done.returncode == 0


def test_a_full_tmpfs_stops_the_run_and_resume_completes_it_after_space_is_freed(
        tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "160k"):
        pytest.skip("mounting a tmpfs needs root")
    try:
        flags = ("-a", "local:instant", "-b", "local:instant", "-t", "12", "-r", "12",
                 "--max-parallel", "4", "--seed", "9", "--no-post-process", "--quiet",
                 "--output", str(disk))
        run = subprocess.run(cli_command("run", *flags), env=cli_env(), capture_output=True,
                             text=True, timeout=120)
        assert run.returncode == 1, run.stderr
        assert run.stderr.count("\n") == 1 and "No space left on device" in run.stderr
        assert "pidgin-tui resume" in run.stderr
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        directory = next((disk / "experiments").glob("experiment_*"))
        resume = subprocess.run(cli_command("resume", "--no-post-process", "--quiet",
                                            directory.name, "--output", str(disk)),
                                env=cli_env(), capture_output=True, text=True, timeout=120)
        assert resume.returncode == 0, resume.stderr
        reference = tmp_path / "reference"
        subprocess.run(cli_command("run", *flags[:-1], str(reference)), env=cli_env(),
                       check=True, capture_output=True, timeout=120)
        assert _messages(directory) == _messages(next((reference / "experiments")
                                                      .glob("experiment_*")))
        assert json.loads((directory / "manifest.json").read_text())["status"] == "completed"
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
