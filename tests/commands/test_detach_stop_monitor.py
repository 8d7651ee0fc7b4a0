"""`run --detach`, `stop` and `monitor --once` as a user runs them: real subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pidgin_tui.commands.run import add_arguments
from pidgin_tui.commands.run_flags import child_arguments
from pidgin_tui.experiments.daemon import run_command
from pidgin_tui.experiments.monitor_state import MonitorState
from pidgin_tui.experiments.synthetic import write_experiment
from pidgin_tui.record.layout import pid_file
from pidgin_tui.record.manifest import read_manifest

REPO = Path(__file__).resolve().parents[2]


def _cli(root: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "pidgin_tui", "--output", str(root), *args],
                          capture_output=True, text=True, env=env, timeout=timeout, check=False)


def _wait_for(predicate, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def test_child_arguments_are_a_list_with_the_same_run(tmp_path: Path) -> None:
    import argparse

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["-a", "local:test", "--prompt", "hi; rm -rf / $(x)", "--think",
                              "--detach", "-t", "3", "--no-post-process"])
    argv = run_command(tmp_path, "abc123", child_arguments(args))
    assert argv[:4] == [sys.executable, "-m", "pidgin_tui", "run"]
    assert "--detach" not in argv
    assert "--prompt=hi; rm -rf / $(x)" in argv  # one argument, no shell
    assert "--think" in argv and "--no-post-process" in argv
    assert argv[-2:] == ["--experiment-id", "abc123"]


def test_the_child_parses_back_every_spec_override(tmp_path: Path) -> None:
    """Every spec flag of `run` reaches the detached child with the same value, including
    values that start with `-` or hold spaces, commas and `=`."""
    import argparse

    from pidgin_tui.commands.run_flags import SWITCH_FLAGS, VALUE_FLAGS, spec_overrides

    given = [f"{flags[-1]}=-{key} value, x=1" for flags, key, _help in VALUE_FLAGS]
    given += [flag for flag, _key, _help in SWITCH_FLAGS]
    spec = tmp_path / "spec.yaml"
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args([str(spec), *given, "--detach", "--verbose", "--yes", "--json"])
    child = parser.parse_args(child_arguments(args))
    assert spec_overrides(child) == spec_overrides(args)
    assert len(spec_overrides(child)) == len(VALUE_FLAGS) + len(SWITCH_FLAGS)
    assert child.spec == str(spec.resolve())
    assert (child.verbose, child.yes, child.json, child.detach) == (True, True, False, False)


def test_detached_run_is_monitored_and_stopped_as_interrupted(tmp_path: Path) -> None:
    started = _cli(tmp_path, "run", "-a", "local:test", "-b", "local:silent", "-t", "40",
                   "--name", "bg", "--detach", "--json")
    assert started.returncode == 0, started.stderr
    info = json.loads(started.stdout)
    exp_dir = Path(info["experiment_dir"])
    assert exp_dir.is_dir() and pid_file(tmp_path, info["experiment_id"]).exists()

    state = MonitorState(tmp_path)
    row = _wait_for(lambda: next((r for r in state.refresh() if r.turns >= 1), None))
    assert row.status == "running" and not row.in_this_process

    once = _cli(tmp_path, "monitor", "--once")
    assert info["experiment_id"] in once.stdout and "running" in once.stdout

    stopped = _cli(tmp_path, "stop", info["experiment_id"])
    assert stopped.returncode == 0, stopped.stderr
    assert "stopped (interrupted)" in stopped.stdout
    manifest = read_manifest(exp_dir)
    assert manifest is not None and manifest.status == "interrupted"
    assert all(c.status == "interrupted" for c in manifest.conversations.values())
    # the stop came through the experiment's control folder, not a signal to the process
    assert all(c.end_reason == "stopped" for c in manifest.conversations.values())
    _wait_for(lambda: not pid_file(tmp_path, info["experiment_id"]).exists(), timeout=30)
    assert state.refresh()[0].status == "interrupted"
    assert (exp_dir / "README.md").is_file()  # post-processing still ran after the stop
    assert state.refresh()[0].post_processing == "done"


def test_stop_of_a_stale_pid_reports_process_gone(tmp_path: Path) -> None:
    write_experiment(tmp_path, "dead01", "crashed", conversations=1, running=1, pid=2**22 + 11)
    result = _cli(tmp_path, "stop", "dead01")
    assert result.returncode == 0 and "interrupted (process gone)" in result.stdout
    listed = _cli(tmp_path, "monitor", "--once")
    assert "interrupted (process gone)" in listed.stdout


def test_monitor_once_json_and_stop_usage(tmp_path: Path) -> None:
    write_experiment(tmp_path, "done01", "finished", conversations=2, turns=3)
    data = json.loads(_cli(tmp_path, "monitor", "--json").stdout)["experiments"]
    assert data[0]["experiment_id"] == "done01" and data[0]["completed"] == 2
    assert _cli(tmp_path, "stop").returncode == 2
    assert "no running experiments" in _cli(tmp_path, "stop", "--all").stdout


@pytest.mark.parametrize("ref", ["nope"])
def test_stop_unknown_experiment_is_a_usage_error(tmp_path: Path, ref: str) -> None:
    result = _cli(tmp_path, "stop", ref)
    assert result.returncode == 2 and "no experiment matches" in result.stderr


def test_stop_of_a_foreground_run_ends_it_through_its_control_folder(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "pidgin_tui", "--output", str(tmp_path), "run", "-a",
         "local:test", "-b", "local:silent", "-t", "40", "--name", "fg", "-q",
         "--no-post-process"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        state = MonitorState(tmp_path)
        row = _wait_for(lambda: next((r for r in state.refresh() if r.turns >= 1), None))
        stopped = _cli(tmp_path, "stop", row.experiment_id)
        assert stopped.returncode == 0, stopped.stderr
        assert "stopped (interrupted)" in stopped.stdout
        assert process.wait(timeout=30) == 143  # as after SIGTERM: the run did not complete
    finally:
        process.kill()
        process.wait()
    manifest = read_manifest(row.path)
    assert manifest is not None
    assert [c.end_reason for c in manifest.conversations.values()] == ["stopped"]


def test_stop_signals_a_run_that_does_not_listen_for_requests(tmp_path: Path) -> None:
    """A process without a run session (an older version) still gets SIGTERM."""
    from pidgin_tui.core.events import utc_now
    from pidgin_tui.record.manifest import write_json_atomic

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        path = write_experiment(tmp_path, "old001", "older", conversations=1, running=1,
                                pid=sleeper.pid)
        manifest = json.loads((path / "manifest.json").read_text())
        write_json_atomic(path / "manifest.json", {**manifest, "updated_at": utc_now()})
        result = _cli(tmp_path, "stop", "old001", "--wait", "0")
        assert result.returncode == 0, result.stderr
        assert "asked to stop" in result.stdout
        assert sleeper.wait(timeout=10) == -signal.SIGTERM
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_detached_branch_child_parses_back_every_option(tmp_path: Path) -> None:
    """`branch --detach` starts `pidgin-tui branch` again in the background: the child gets
    the same parent, turn, text to put in, every spec override and branch count."""
    import argparse

    from pidgin_tui.commands import branch
    from pidgin_tui.commands.run_flags import SWITCH_FLAGS, VALUE_FLAGS, spec_overrides

    given = [f"{flags[-1]}=-{key} value, x=1" for flags, key, _help in VALUE_FLAGS
             if key != "repetitions"]
    given += [flag for flag, _key, _help in SWITCH_FLAGS]
    parser = argparse.ArgumentParser()
    branch.add_arguments(parser)
    args = parser.parse_args(["par", "2", "--turn", "3", "--inject=-- not a flag", "--as", "b",
                              "--to", "a", "-r", "2", "--into-parent", "--detach", "--json",
                              "--no-post-process", *given])
    child = parser.parse_args(branch.child_arguments(args, tmp_path, "par00001_0002"))
    assert spec_overrides(child) == spec_overrides(args)
    assert len(spec_overrides(child)) == len(VALUE_FLAGS) - 1 + len(SWITCH_FLAGS)
    assert (child.experiment, child.conversation) == (str(tmp_path.resolve()), "par00001_0002")
    assert (child.turn, child.inject, child.speaker, child.to, child.branches) == \
        (3, "-- not a flag", "b", "a", 2)
    assert child.into_parent and child.no_post_process
    assert (child.detach, child.json, child.dry_run) == (False, False, False)


def _parent_experiment(root: Path) -> Path:
    import asyncio

    from pidgin_tui.experiments.runner import ExperimentRunner
    from pidgin_tui.experiments.spec import parse_spec

    spec = parse_spec({"agent_a": "local:test", "agent_b": "local:test", "max_turns": 3,
                       "name": "parent", "convergence_threshold": None})
    return asyncio.run(ExperimentRunner(spec, root, experiment_id="prnt0001").run()
                       ).experiment_dir


def _events_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_detached_branches_into_a_new_experiment_and_into_the_parent(tmp_path: Path) -> None:
    parent_dir = _parent_experiment(tmp_path)
    started = _cli(tmp_path, "branch", "prnt0001", "1", "--turn", "1", "-t", "4",
                   "--temperature-b=0.3", "--prompt=-a prompt that starts with a dash",
                   "--detach", "--json", "--no-post-process")
    assert started.returncode == 0, started.stderr
    info = json.loads(started.stdout)
    _wait_for(lambda: not pid_file(tmp_path, info["experiment_id"]).exists())
    (cid,) = info["conversations"]
    events = _events_of(Path(info["experiment_dir"]) / f"conv_{cid}_events.jsonl")
    branched = next(e for e in events if e["event_type"] == "ConversationBranchedEvent")
    assert (branched["source_conversation_id"], branched["branch_turn"]) == ("prnt0001_0001", 1)
    assert branched["changes"]["temperature_b"] == 0.3
    assert branched["changes"]["prompt"] == "-a prompt that starts with a dash"
    assert events[-1]["event_type"] == "ConversationEndEvent" and \
        events[-1]["total_turns"] == 4

    into = _cli(tmp_path, "branch", "prnt0001", "1", "--turn", "2", "-t", "5", "-r", "2",
                "--into-parent", "--detach", "--json", "--no-post-process")
    assert into.returncode == 0, into.stderr
    info = json.loads(into.stdout)
    assert info["experiment_dir"] == str(parent_dir)
    assert info["conversations"] == ["prnt0001_0002", "prnt0001_0003"]
    from pidgin_tui.record.experiment import ExperimentRecord

    _wait_for(lambda: not pid_file(tmp_path, "prnt0001").exists())
    record = ExperimentRecord.load(parent_dir, detail=False)
    assert record.status == "completed" and len(record.conversations) == 3
    for cid in info["conversations"]:
        conversation = record.conversations[cid]
        assert record.status_of(conversation) == "completed"
        assert conversation.turns_completed == 5
