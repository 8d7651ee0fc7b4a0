"""Every subcommand answers a read-only output root, damaged experiments, unreadable input files
and an unwritable `--to` with one line naming the problem and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pidgin_tui.cli import build_parser
from pidgin_tui.commands.failure import describe_failure
from pidgin_tui.database.event_store import EventStore
from pidgin_tui.record.layout import database_path
from tests.analysis_fixtures import run_experiment
from tests.commands.cli_probe import probe
from tests.conftest import REPO_ROOT, cli_env

RUN = ["run", "-a", "local:instant", "-b", "local:instant", "-t", "2", "-r", "1", "-q",
       "--name", "probe"]


def invocations(exp: str) -> list[list[str]]:
    """Command lines covering every registered subcommand (a new one is tried with EXPERIMENT)."""
    known: dict[str, list[list[str]]] = {
        "run": [RUN],
        "resume": [["resume", exp]],
        "list": [["list"], ["list", "--json"]],
        "show": [["show", exp], ["show", exp, "--json"]],
        "monitor": [["monitor", "--once"], ["monitor", "--once", "--conversations"],
                    ["monitor", "--json"]],
        "stop": [["stop", exp]],
        "models": [["models", "--no-ollama"]],
        "import": [["import", "--all"], ["import", exp]],
        "export": [["export", exp, "--format", fmt] for fmt in ("csv", "md")],
        "query": [["query", "SELECT count(*) FROM messages"]],
        "transcript": [["transcript", exp], ["transcript", exp, "1"]],
        "config": [["config"], ["config", "--json"]],
        "completion": [["completion", "bash"]],
        "serve": [],  # a long-running server: its own tests cover its start-up errors
    }
    return [argv for name in subcommands() for argv in known.get(name, [[name, exp]])]


def subcommands() -> list[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return list(action.choices)


REPORTS = {"doctor"}
"""Commands whose non-zero exit means "damage found", reported on stdout rather than as an error."""


def assert_clean(result: dict[str, Any]) -> None:
    """No traceback; a failure is one `pidgin-tui ... error:` line (a report command's finding
    is its report)."""
    argv, err = result["argv"], result["stderr"]
    assert "Traceback" not in err and "Traceback" not in result["stdout"], (argv, err)
    if argv[0] in REPORTS and result["code"] != 0 and result["stdout"].strip() and not err:
        return
    if result["code"] != 0:
        lines = err.splitlines()
        assert len(lines) == 1, (argv, err)
        assert lines[0].startswith("pidgin-tui") and "error:" in lines[0], (argv, err)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """An output root with one imported two-conversation experiment; copied before damage."""
    root = tmp_path_factory.mktemp("errors") / "out"
    exp_dir = run_experiment(root, max_turns=2, repetitions=2, name="probe", think=False)
    EventStore(database_path(root)).import_experiment(exp_dir)
    manifest = json.loads((exp_dir / "manifest.json").read_text(encoding="utf-8"))
    return root, str(manifest["experiment_id"])


def _copy(pristine: tuple[Path, str], tmp_path: Path) -> tuple[Path, Path, str]:
    root = tmp_path / "root"
    shutil.copytree(pristine[0], root)
    exp_dir = next((root / "experiments").glob("experiment_*"))
    return root, exp_dir, pristine[1]


def _conversation(exp_dir: Path) -> Path:
    return sorted(exp_dir.glob("conv_*_events.jsonl"))[0]


def _wrong_types(exp_dir: Path) -> None:
    path = exp_dir / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data = {k: ([] if isinstance(v, str | int | float) else "x") for k, v in data.items()}
    path.write_text(json.dumps(data), encoding="utf-8")


def _append(path: Path, text: bytes) -> None:
    with path.open("ab") as handle:
        handle.write(text)


DAMAGE: dict[str, Callable[[Path], None]] = {
    "malformed manifest": lambda d: (d / "manifest.json").write_text("{not json", "utf-8"),
    "manifest not an object": lambda d: (d / "manifest.json").write_text("[1, 2]", "utf-8"),
    "manifest field of wrong type": _wrong_types,
    "empty manifest": lambda d: (d / "manifest.json").write_bytes(b""),
    "deleted manifest": lambda d: (d / "manifest.json").unlink(),
    "non-UTF-8 manifest": lambda d: _append(d / "manifest.json", b"\xff\xfe"),
    "event line missing fields": lambda d: _append(
        _conversation(d), b'{"event_type": "TurnCompleteEvent"}\n'
                          b'{"event_type": "MessageCompleteEvent", "conversation_id": 3}\n'),
    "event line not an object": lambda d: _append(_conversation(d), b'[1, 2]\n"text"\n'),
    "torn last line": lambda d: _append(_conversation(d), b'{"event_type": "TurnStart'),
    "non-UTF-8 event line": lambda d: _append(_conversation(d), b'{"x": "\xff"}\n'),
    "empty conversation file": lambda d: _conversation(d).write_bytes(b""),
    "deleted conversation file": lambda d: _conversation(d).unlink(),
}


@pytest.mark.parametrize("kind", DAMAGE)
def test_every_command_on_a_damaged_experiment(pristine: tuple[Path, str], tmp_path: Path,
                                               kind: str) -> None:
    root, exp_dir, exp = _copy(pristine, tmp_path)
    DAMAGE[kind](exp_dir)
    argvs = [[*argv, "--output", str(root)] for argv in invocations(exp) if argv[0] != "run"]
    for result in probe(argvs):
        assert_clean(result)


def _run_read_only(root: Path, argvs: list[list[str]]) -> list[dict[str, Any]]:
    """Run the probe with `root` read-only for it: a private read-only bind mount when running as
    root (where permission bits do not stop writes), else permission bits."""
    command = [sys.executable, "-m", "tests.commands.cli_probe", json.dumps(argvs)]
    if os.geteuid() == 0:
        if shutil.which("unshare") is None:
            pytest.skip("running as root without unshare: cannot make a read-only directory")
        command = ["unshare", "-m", "sh", "-c",
                   'mount --bind -o ro "$1" "$1" && shift && exec "$@"', "sh", str(root),
                   *command]
        done = subprocess.run(command, capture_output=True, text=True, env=cli_env(),
                              cwd=REPO_ROOT, timeout=600)
        if done.returncode != 0 and not done.stdout.strip():
            pytest.skip(f"running as root and no private read-only mount: {done.stderr[:200]}")
        return list(json.loads(done.stdout))
    modes = {}
    for path in [root, *root.rglob("*")]:
        modes[path] = path.stat().st_mode
        path.chmod(modes[path] & ~0o222)
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=cli_env(),
                              cwd=REPO_ROOT, timeout=600)
    finally:
        for path, mode in modes.items():
            path.chmod(mode)
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


def test_every_command_on_a_read_only_output_root(pristine: tuple[Path, str],
                                                  tmp_path: Path) -> None:
    root, _, exp = _copy(pristine, tmp_path)
    elsewhere = tmp_path / "elsewhere"  # outside the read-only root
    argvs = [[*argv, "--output", str(root)] for argv in invocations(exp)]
    argvs += [["export", exp, "--format", fmt, "--to", str(root / "exported"),
               "--output", str(root)] for fmt in ("parquet", "csv", "jsonl", "md")]
    results = _run_read_only(root, argvs)
    for result in results:
        assert_clean(result)
    by_command = {tuple(r["argv"][:2]): r for r in results}
    for writer in (("run", "-a"), ("import", "--all"), ("transcript", exp)):
        failed = by_command[writer]
        assert failed["code"] != 0 and str(root) in failed["stderr"], failed
        problem = failed["stderr"].lower()
        assert "read-only file system" in problem or "permission denied" in problem, failed
    exports = [r for r in results if "--to" in r["argv"]]
    assert exports and all(r["code"] != 0 for r in exports)
    assert not elsewhere.exists()


def test_export_to_an_unwritable_target(pristine: tuple[Path, str], tmp_path: Path) -> None:
    root, _, exp = _copy(pristine, tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    targets = [blocker, blocker / "below"]  # an existing file; a directory under a file
    argvs = [["export", exp, "--format", fmt, "--to", str(target), "--output", str(root)]
             for fmt in ("parquet", "csv", "jsonl") for target in targets]  # md takes no --to
    results = probe(argvs)
    for result in results:
        assert_clean(result)
        assert result["code"] != 0 and str(blocker) in result["stderr"], result
    assert blocker.read_text(encoding="utf-8") == "not a directory"


def test_unreadable_input_files_for_run(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"agent_a: local:test\nprompt: '\xff\xfe'\n")
    damaged_json = tmp_path / "damaged.yaml"
    damaged_json.write_text("agent_a: [unclosed\n", encoding="utf-8")
    argvs = [["run", str(bad), "--output", str(tmp_path / "out")],
             ["run", str(damaged_json), "--output", str(tmp_path / "out")],
             ["run", str(tmp_path / "missing.yaml"), "--output", str(tmp_path / "out")],
             [*RUN, "--awareness", str(bad), "--output", str(tmp_path / "out")],
             [*RUN, "--awareness", str(tmp_path), "--output", str(tmp_path / "out")]]
    for result in probe(argvs):
        assert_clean(result)
        assert result["code"] != 0, result


@pytest.mark.parametrize("code, text", [
    (errno.ENOSPC, "no space left on device"), (errno.EROFS, "read-only file system"),
    (errno.EACCES, "permission denied"), (errno.ENOTDIR, "a part of the path is a file"),
])
def test_os_errors_name_the_path_and_the_problem(code: int, text: str) -> None:
    exc = OSError(code, os.strerror(code), "/data/out/manifest.json")
    assert describe_failure(exc) == f"/data/out/manifest.json: {text}" or \
        describe_failure(exc).startswith(f"/data/out/manifest.json: {text}")


def test_verbose_shows_the_traceback(pristine: tuple[Path, str], tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    root, exp_dir, exp = _copy(pristine, tmp_path)

    def broken(self: EventStore, dirs: object) -> None:  # a failure no command expects
        raise RuntimeError("the import broke")

    monkeypatch.setattr(EventStore, "import_many", broken)
    quiet, verbose = probe([["import", "--all", "--output", str(root)],
                            ["-v", "import", "--all", "--output", str(root)]])
    assert quiet["code"] != 0 and "Traceback" not in quiet["stderr"]
    assert quiet["stderr"].count("\n") == 1 and "the import broke" in quiet["stderr"]
    assert verbose["code"] == quiet["code"] and "Traceback" in verbose["stderr"]
    assert verbose["stderr"].splitlines()[-1] == quiet["stderr"].strip()
