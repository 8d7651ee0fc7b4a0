"""Crash-safe resume: SIGKILL a run (and its resumes) at random points, then resume to the end.

The resumed experiment must hold exactly the messages of an uninterrupted run with the same seed:
every conversation, every turn, byte for byte, none lost and none doubled, with one unbroken
`seq` per file. The kill points come from a seeded generator, so a failure replays.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from pathlib import Path

from pidgin_tui.core.events import ConversationEndEvent, MessageCompleteEvent
from pidgin_tui.record.jsonl import read_all_events
from tests.conftest import cli_command, cli_env

TURNS, REPETITIONS = 16, 6
SPEC_FLAGS = ("-a", "local:instant", "-b", "local:instant", "-t", str(TURNS), "-r",
              str(REPETITIONS), "--max-parallel", "3", "--seed", "17", "--name", "crash",
              "--no-post-process", "--quiet")
KILLS = 10
KILL_SEED = 20261201


def _experiment_dir(root: Path) -> Path | None:
    found = sorted((root / "experiments").glob("experiment_*/manifest.json"))
    return found[0].parent if found else None


def _events(path: Path) -> list:
    return read_all_events(path).events


def _messages(experiment_dir: Path) -> dict[str, list[tuple[int, str, str]]]:
    """Complete messages per repetition (the id suffix): (turn, speaker, exact text)."""
    found = {}
    for path in sorted(experiment_dir.glob("conv_*_events.jsonl")):
        repetition = path.name.removesuffix("_events.jsonl").rsplit("_", 1)[1]
        found[repetition] = [(e.turn_number, e.agent_id, e.content) for e in _events(path)
                             if isinstance(e, MessageCompleteEvent)
                             and e.finish_reason != "interrupted"]
    return found


def _start(root: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cli_command(*args, "--output", str(root)), env=cli_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _next_process(root: Path, attempt: int) -> subprocess.Popen[bytes]:
    """`resume` once the experiment exists; a run killed before creating it is run again."""
    directory = _experiment_dir(root)
    if directory is None:
        return _start(root, "run", *SPEC_FLAGS, "--experiment-id", f"c{attempt:07d}")
    return _start(root, "resume", "--no-post-process", "--quiet", directory.name)


def _wait_until_writing(process: subprocess.Popen[bytes], root: Path) -> None:
    """Until the process holds the experiment's lock (it is past start-up) or has exited."""
    deadline = time.monotonic() + 30
    while process.poll() is None and time.monotonic() < deadline:
        directory = _experiment_dir(root)
        lock = directory / "experiment.lock" if directory else None
        if lock is not None and lock.exists() and lock.read_text().strip() == str(process.pid):
            return
        time.sleep(0.005)


def test_resume_after_random_sigkills_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    reference_root = tmp_path / "reference"
    subprocess.run(cli_command("run", *SPEC_FLAGS, "--output", str(reference_root)),
                   env=cli_env(), check=True, capture_output=True)
    reference_dir = _experiment_dir(reference_root)
    assert reference_dir is not None
    manifest = json.loads((reference_dir / "manifest.json").read_text())
    work_s = manifest["duration_ms"] / 1000  # only to spread the kill points over a run

    root = tmp_path / "killed"
    rng = random.Random(KILL_SEED)
    kills = 0
    process = _start(root, "run", *SPEC_FLAGS, "--experiment-id", "c0000000")
    for attempt in range(1, KILLS + 1):
        _wait_until_writing(process, root)
        try:
            process.wait(timeout=rng.uniform(0.0, work_s / 5))
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.communicate()
        process = _next_process(root, attempt)
    outputs = []
    for _ in range(3):  # unkilled resumes until nothing is left to do
        out, err = process.communicate()
        assert process.returncode == 0, err.decode()
        outputs.append(out.decode() + err.decode())
        process = _next_process(root, KILLS + 1)
    process.communicate()
    assert kills >= KILLS // 2, f"only {kills} of {KILLS} processes were killed part-way"

    experiment_dir = _experiment_dir(root)
    assert experiment_dir is not None
    assert _messages(experiment_dir) == _messages(reference_dir)
    for path in experiment_dir.glob("conv_*_events.jsonl"):
        events = _events(path)
        assert [e.seq for e in events] == list(range(1, len(events) + 1)), path.name
        ends = [e for e in events if isinstance(e, ConversationEndEvent)]
        assert [(e.reason, e.total_turns) for e in ends] == [("max_turns", TURNS)], path.name
    status = subprocess.run(cli_command("list", "--json", "--output", str(root)),
                            env=cli_env(), capture_output=True, text=True, check=True)
    assert '"status": "completed"' in status.stdout
