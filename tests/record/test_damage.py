"""Damage is contained: one broken experiment is reported as `damaged`, the others carry on."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pidgin_tui.experiments.runner import ExperimentRunner
from pidgin_tui.experiments.spec import parse_spec
from tests.conftest import cli_command, cli_env

Manifest = dict[str, Any]
DAMAGE: dict[str, Callable[[Path, Path], None]] = {}


def _damage(kind: str) -> Callable[[Callable[[Path, Path], None]], Callable[[Path, Path], None]]:
    def register(how: Callable[[Path, Path], None]) -> Callable[[Path, Path], None]:
        DAMAGE[kind] = how
        return how
    return register


def _rewrite(manifest: Path, change: Callable[[Manifest], str]) -> None:
    manifest.write_text(change(json.loads(manifest.read_text())))


@_damage("not-an-object")
def _(manifest: Path, first: Path) -> None:
    _rewrite(manifest, lambda m: json.dumps([m]))


@_damage("malformed")
def _(manifest: Path, first: Path) -> None:
    _rewrite(manifest, lambda m: json.dumps(m)[:-40])


@_damage("wrong-type")
def _(manifest: Path, first: Path) -> None:
    _rewrite(manifest, lambda m: json.dumps({**m, "total_conversations": "two"}))


@_damage("empty-manifest")
def _(manifest: Path, first: Path) -> None:
    manifest.write_text("")


@_damage("deleted-file")
def _(manifest: Path, first: Path) -> None:
    first.unlink()


@_damage("empty-file")
def _(manifest: Path, first: Path) -> None:
    first.write_bytes(b"")


@_damage("missing-fields")
def _(manifest: Path, first: Path) -> None:
    with first.open("ab") as handle:
        handle.write(b'{"event_type":"TurnCompleteEvent","seq":99}\n')


@_damage("torn-last-line")
def _(manifest: Path, first: Path) -> None:
    with first.open("ab") as handle:  # a crash mid-write: resume's to mend, not damage
        handle.write(b'{"event_type":"TurnCompleteEvent","se')


REASONS = {
    "not-an-object": "manifest.json: an array, not an object",
    "malformed": "manifest.json: not valid JSON",
    "wrong-type": "manifest.json: total_conversations is a string, expected an integer",
    "empty-manifest": "manifest.json: empty file",
    "deleted-file": "_0001_events.jsonl: missing",
    "empty-file": "_0001_events.jsonl: empty file",
    "missing-fields": "_0001_events.jsonl: line ",
}


def _kind(path: str) -> str:
    """`experiment_<id>_<kind>_<date>` -> kind."""
    return Path(path).name.split("_", 2)[2].rsplit("_", 1)[0]


@pytest.fixture
async def root(tmp_path: Path) -> Path:
    root = tmp_path / "out"
    for name in ("healthy", *DAMAGE):
        spec = parse_spec({"agent_a": "local:instant", "agent_b": "local:instant",
                           "max_turns": 2, "repetitions": 2, "name": name})
        directory = (await ExperimentRunner(spec, root).run()).experiment_dir
        if name in DAMAGE:
            DAMAGE[name](directory / "manifest.json",
                         sorted(directory.glob("conv_*_events.jsonl"))[0])
    return root


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli_command(*args, "--output", str(root)), env=cli_env(),
                          capture_output=True, text=True, timeout=120)


def test_list_and_monitor_show_each_damaged_experiment_with_its_reason(root: Path) -> None:
    listed = _cli(root, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    status = {_kind(row["path"]): row["status"] for row in json.loads(listed.stdout)["experiments"]}
    assert len(status) == len(DAMAGE) + 1
    assert status["healthy"] == status["torn-last-line"] == "completed"
    assert "missing required field" in status["missing-fields"]  # the line and why
    for kind, reason in REASONS.items():
        assert status[kind].startswith("damaged: ") and reason in status[kind], kind
    table = _cli(root, "list")
    assert table.returncode == 0 and table.stdout.count("damaged: ") == len(REASONS)

    monitor = _cli(root, "monitor", "--json")
    assert monitor.returncode == 0, monitor.stderr
    rows = {_kind(row["path"]): row for row in json.loads(monitor.stdout)["experiments"]}
    assert rows["healthy"]["status"] == rows["torn-last-line"]["status"] == "completed"
    for kind, reason in REASONS.items():
        assert rows[kind]["status"] == "damaged" and reason in rows[kind]["status_label"], kind
    text = _cli(root, "monitor", "--once")
    assert text.returncode == 0 and "damaged" in text.stdout


def test_commands_on_other_experiments_still_work(root: Path, tmp_path: Path) -> None:
    stopped = _cli(root, "stop", "healthy")
    assert stopped.returncode == 0 and "not running (completed)" in stopped.stdout
    imported = _cli(root, "import", "healthy")
    assert imported.returncode == 0 and "1 experiment(s), " in imported.stdout
    exported = _cli(root, "export", "healthy", "--format", "csv", "--to", str(tmp_path / "csv"))
    assert exported.returncode == 0, exported.stderr
    conversations = (tmp_path / "csv" / "conversations.csv").read_text().splitlines()
    assert len(conversations) == 1 + 2  # the header, then the healthy experiment's two
    for command in (("show", "healthy"), ("resume", "--no-post-process", "healthy"),
                    ("transcript", "healthy")):
        done = _cli(root, *command)
        assert done.returncode == 0, (command, done.stderr)
        assert "Traceback" not in done.stderr
    damaged = next((root / "experiments").glob("experiment_*_not-an-object_*"))
    shown = _cli(root, "show", damaged.name.split("_")[1])  # by id: the name is unreadable
    assert shown.returncode == 1 and "Traceback" not in shown.stderr
    assert shown.stderr.count("\n") == 1 and "damaged" in shown.stderr


def test_doctor_names_the_damage_and_what_resume_and_import_would_do(root: Path) -> None:
    done = _cli(root, "doctor", "--json")
    assert done.returncode == 1, done.stderr  # damage found
    report = {_kind(r["experiment"]): r for r in json.loads(done.stdout)["experiments"]}
    assert report["healthy"]["verdict"] == "ok" and report["healthy"]["damage"] == []
    assert report["healthy"]["resume"] == ["nothing: every conversation ended on purpose"]
    for kind, reason in REASONS.items():
        assert report[kind]["verdict"] == "damaged", kind
        assert any(reason in line for line in report[kind]["damage"]), kind
    assert report["not-an-object"]["resume"][0].startswith("refuse: manifest.json")
    assert report["deleted-file"]["resume"][0].startswith("start from turn 1 1: ")
    assert report["missing-fields"]["verdict"] == "damaged"
    assert "skip 1 unreadable line(s)" in report["missing-fields"]["import"]
    imported = _cli(root, "import", "missing-fields")  # and the import does what it promised
    assert imported.returncode == 0, imported.stderr
    assert "1 unreadable line(s) skipped" in imported.stdout
    one = _cli(root, "doctor", "healthy")
    assert one.returncode == 0 and one.stdout.splitlines()[0].endswith(": ok")
