"""`pidgin-tui` as a user runs it: exit codes, error lines, odd names, signals, JSON output."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from pidgin_tui.record.jsonl import read_all_events
from pidgin_tui.record.manifest import read_manifest
from tests.conftest import cli_command, cli_env


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli_command(*args), capture_output=True, text=True, env=cli_env(),
                          timeout=timeout)


@pytest.mark.parametrize(("spec_text", "expected"), [
    ("name: [unclosed\n", "malformed YAML at line 2"),
    ("", "the spec file is empty"),
    ("max_turns: abc\n", 'max_turns: expected an integer >= 1, got "abc"'),
    ("max_turnz: 3\n", "max_turnz: unknown key (did you mean 'max_turns'?)"),
    ("agent_a: gpt-9-ultra\n", "unknown model 'gpt-9-ultra'"),
    ("repetitions: -2\n", "repetitions: expected an integer between 1 and 100000, got -2"),
])
def test_bad_specs_exit_2_with_a_message_naming_the_problem(
        tmp_path: Path, spec_text: str, expected: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_text)
    result = run_cli("run", str(spec), "--output", str(tmp_path / "out"))
    assert result.returncode == 2
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out" / "experiments").exists()  # nothing half-created


def test_bad_flag_value_names_the_key(tmp_path: Path) -> None:
    result = run_cli("run", "-t", "abc", "--output", str(tmp_path))
    assert result.returncode == 2
    assert 'max_turns: expected an integer >= 1, got "abc"' in result.stderr


@pytest.mark.parametrize("name", ["it's \"quoted\"", "a/b/../../c", "..", "🦜 parrots 🦜",
                                  "/etc/passwd"])
def test_awkward_experiment_names_stay_inside_experiments(tmp_path: Path, name: str) -> None:
    out = tmp_path / "out"
    result = run_cli("run", "-a", "local:instant", "-b", "local:instant", "-t", "1",
                     "--name", name, "--output", str(out), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    exp_dir = Path(summary["experiment_dir"])
    assert exp_dir.parent == (out / "experiments").resolve()
    manifest = read_manifest(exp_dir)
    assert manifest is not None and manifest.name == name  # kept verbatim in the data
    shown = run_cli("show", summary["experiment_id"], "--output", str(out))
    assert shown.returncode == 0 and name in shown.stdout


def test_json_summary_on_stdout_and_human_output_on_stderr(tmp_path: Path) -> None:
    result = run_cli("run", "-a", "local:instant", "-b", "local:instant", "-t", "2", "-r", "2",
                     "--output", str(tmp_path), "--json")
    assert result.returncode == 0
    summary = json.loads(result.stdout)
    assert {k: summary[k] for k in ("status", "completed", "failed", "interrupted",
                                    "total_turns")} == {
        "status": "completed", "completed": 2, "failed": 0, "interrupted": 0, "total_turns": 4}
    assert summary["total_tokens"] > 0 and summary["total_cost_usd"] == 0.0
    assert "completed: 2 completed" in result.stderr


def test_failed_run_exits_1(tmp_path: Path) -> None:
    result = run_cli("run", "-a", "local:fail-at-1", "-b", "local:instant", "-t", "2",
                     "--output", str(tmp_path))
    assert result.returncode == 1
    assert "failed" in result.stdout


def test_dry_run_prints_the_plan_and_runs_nothing(tmp_path: Path) -> None:
    result = run_cli("run", "-a", "local:test", "-b", "local:instant", "-t", "4", "-r", "3",
                     "--dry-run", "--json", "--output", str(tmp_path))
    assert result.returncode == 0
    plan = json.loads(result.stdout)
    assert (plan["conversations"], plan["max_turns"], plan["requests"]) == (3, 4, 24)
    assert not (tmp_path / "experiments").exists()


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_interrupts_cleanly_and_loses_nothing(tmp_path: Path, signum: int,
                                                       code: int) -> None:
    process = subprocess.Popen(
        cli_command("run", "-a", "local:test", "-b", "local:test", "-t", "50", "-r", "3",
                    "--max-parallel", "2", "--output", str(tmp_path), "--json"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env())
    deadline = time.monotonic() + 30
    manifest = None
    while time.monotonic() < deadline:
        dirs = list((tmp_path / "experiments").glob("experiment_*"))
        manifest = read_manifest(dirs[0]) if dirs else None
        if manifest and manifest.status == "running" and manifest.total_turns >= 1:
            break
        time.sleep(0.1)
    assert manifest and manifest.status == "running"
    process.send_signal(signum)
    stdout, _ = process.communicate(timeout=30)
    assert process.returncode == code
    exp_dir = next((tmp_path / "experiments").glob("experiment_*"))
    manifest = read_manifest(exp_dir)
    assert manifest is not None and manifest.status == "interrupted"
    assert [c.status for c in manifest.conversations.values()] == ["interrupted"] * 3
    assert json.loads(stdout)["interrupted"] == 3
    for path in exp_dir.glob("*.jsonl"):
        raw = path.read_bytes()
        assert raw.endswith(b"\n")
        events = read_all_events(path).events
        if path.name.startswith("conv_"):
            assert events[-1].event_type == "ConversationEndEvent"
            assert events[-1].reason == "interrupted"  # type: ignore[attr-defined]


def test_list_and_show_find_experiments_by_prefix_and_name(tmp_path: Path) -> None:
    result = run_cli("run", "-a", "local:instant", "-b", "local:instant", "-t", "1", "-r", "3",
                     "--name", "alpha run", "--output", str(tmp_path), "--json")
    exp_id = json.loads(result.stdout)["experiment_id"]
    listed = run_cli("list", "--output", str(tmp_path))
    assert exp_id in listed.stdout and "completed" in listed.stdout
    for ref in (exp_id[:4], "alpha run"):
        shown = run_cli("show", ref, "--output", str(tmp_path))
        assert shown.returncode == 0 and exp_id in shown.stdout
    lines = [line.split()[0] for line in shown.stdout.splitlines() if line.startswith("  ")]
    assert lines == sorted(lines) and len(lines) == 3, shown.stdout  # by id, whatever the order
    missing = run_cli("show", "nothing-like-this", "--output", str(tmp_path))
    assert missing.returncode == 2 and "no experiment matches" in missing.stderr


def test_models_lists_the_local_models() -> None:
    result = run_cli("models")
    assert result.returncode == 0
    for ref in ("local:test", "local:instant", "local:silent"):
        assert ref in result.stdout


def test_a_missing_key_is_one_line_and_nothing_is_created(tmp_path: Path) -> None:
    result = run_cli("run", "-a", "claude", "-b", "local:instant", "-t", "2",
                     "--output", str(tmp_path / "out"), "-q")
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("pidgin-tui: error: anthropic:claude-sonnet-5: no API key: set "
                           "ANTHROPIC_API_KEY, or add anthropic = \"...\" under [keys] in ")
    assert line.endswith("config.toml")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", [["show"], ["transcript"], ["export", "--format", "jsonl"],
                                     ["rescore"]])
def test_an_unknown_experiment_is_one_error_line_and_exit_2(tmp_path: Path,
                                                            command: list[str]) -> None:
    result = run_cli(command[0], "no-such-experiment", *command[1:],
                     "--output", str(tmp_path / "out"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no-such-experiment" in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""
