"""The analysis commands as a user runs them: import, query, export, transcript."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import cli_command, cli_env


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli_command(*args), capture_output=True, text=True, env=cli_env(),
                          timeout=timeout)


@pytest.fixture(scope="module")
def cli_root(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("cli") / "out"
    result = run_cli("run", "-a", "local:instant", "-b", "local:instant", "-t", "3", "-r", "2",
                     "--name", "cli analysis", "--output", str(out), "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    return out, json.loads(result.stdout)["experiment_id"]


def test_import_query_and_reimport(cli_root: tuple[Path, str]) -> None:
    out, exp = cli_root
    first = run_cli("import", "--all", "--output", str(out))
    assert first.returncode == 0, first.stderr
    assert f"{exp}: " in first.stdout and "12 messages" in first.stdout
    again = run_cli("import", exp, "--output", str(out))
    assert again.returncode == 0 and "12 messages" in again.stdout
    rows = run_cli("query", "--json", "SELECT agent_id, count(*) AS n FROM messages "
                   "GROUP BY 1 ORDER BY 1", "--output", str(out))
    assert rows.returncode == 0, rows.stderr
    assert json.loads(rows.stdout) == {
        "columns": ["agent_id", "n"], "row_count": 2, "truncated": False,
        "rows": [{"agent_id": "agent_a", "n": 6}, {"agent_id": "agent_b", "n": 6}]}
    table = run_cli("query", "SELECT status, count(*) AS n FROM conversations GROUP BY 1",
                    "--output", str(out))
    assert table.stdout.splitlines()[0].split() == ["status", "n"]
    assert "completed  2" in table.stdout and "(1 row)" in table.stdout


def test_query_refuses_writes_and_bad_sql_with_one_line(cli_root: tuple[Path, str]) -> None:
    out, _ = cli_root
    run_cli("import", "--all", "--output", str(out))
    write = run_cli("query", "DROP TABLE events", "--output", str(out))
    assert write.returncode == 1 and "read-only" in write.stderr
    bad = run_cli("query", "SELEC nonsense", "--output", str(out))
    assert bad.returncode == 1 and bad.stderr.startswith("pidgin-tui: error:")


def test_import_needs_an_experiment_or_all(cli_root: tuple[Path, str]) -> None:
    out, _ = cli_root
    assert run_cli("import", "--output", str(out)).returncode == 2
    missing = run_cli("import", "no-such-experiment", "--output", str(out))
    assert missing.returncode == 2 and "no experiment matches" in missing.stderr


def test_export_csv_and_md(cli_root: tuple[Path, str], tmp_path: Path) -> None:
    out, exp = cli_root
    result = run_cli("export", exp, "--format", "csv", "--to", str(tmp_path / "csv"),
                     "--output", str(out))
    assert result.returncode == 0, result.stderr
    with open(tmp_path / "csv" / "messages.csv", newline="", encoding="utf-8") as handle:
        messages = list(csv.DictReader(handle))
    assert len(messages) == 12 and all(m["content"] for m in messages)
    md = run_cli("export", exp, "--format", "md", "--output", str(out))
    assert md.returncode == 0, md.stderr
    paths = [Path(line) for line in md.stdout.splitlines()]
    assert {p.parent.name for p in paths} == {"transcripts"}
    transcript = run_cli("transcript", exp, "1", "--output", str(out))
    first = next(p for p in paths if p.name == f"conv_{exp}_0001.md")
    assert first.read_text(encoding="utf-8") == transcript.stdout
    refused = run_cli("export", exp, "--format", "md", "--to", str(tmp_path / "md"),
                      "--output", str(out))
    assert refused.returncode == 2 and "transcripts" in refused.stderr


def test_transcript_prints_one_conversation_and_writes_all(cli_root: tuple[Path, str]) -> None:
    out, exp = cli_root
    one = run_cli("transcript", exp, "2", "--output", str(out))
    assert one.returncode == 0, one.stderr
    assert one.stdout.startswith(f"# Conversation {exp}_0002")
    assert one.stdout.count("\n## Turn ") == 3
    every = run_cli("transcript", exp, "--output", str(out))
    paths = [Path(line) for line in every.stdout.splitlines()]
    assert sorted(p.name for p in paths) == [f"conv_{exp}_0001.md", f"conv_{exp}_0002.md",
                                             "summary.md"]
    assert run_cli("transcript", exp, "9", "--output", str(out)).returncode == 2


def test_locked_database_gives_a_clear_error(cli_root: tuple[Path, str]) -> None:
    out, _ = cli_root
    run_cli("import", "--all", "--output", str(out))
    db = out / "experiments" / "experiments.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, time\n"
         f"con = duckdb.connect({str(db)!r})\nprint('ready', flush=True)\ntime.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        result = run_cli("import", "--all", "--output", str(out))
        assert result.returncode == 1
        assert str(db) in result.stderr and f"PID {holder.pid}" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    finally:
        holder.kill()
        holder.wait()
