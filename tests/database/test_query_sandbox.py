"""`pidgin-tui query` runs sandboxed: every write, file, network or extension statement is refused
with one line and changes no file; reads are limited in rows and in time."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pidgin_tui.cli import main
from pidgin_tui.database.event_store import EventStore
from pidgin_tui.database.sandbox import QueryTimeout
from pidgin_tui.record.layout import database_path
from tests.analysis_fixtures import copy_experiment

# Every statement the issue lists, and the other ways out of a read-only connection.
# {events} is a conversation's JSONL, {db} the analysis database, {other} another DuckDB file,
# {home} a directory of private files, {url} a loopback URL.
HOSTILE = [
    "COPY (SELECT 1) TO '{events}'",
    "COPY messages TO '{events}' (FORMAT json)",
    "COPY (SELECT 1) TO '{db}'",
    "COPY messages TO '{home}/stolen.csv'",
    "COPY messages FROM '{events}'",
    "EXPORT DATABASE '{home}/dump'",
    "IMPORT DATABASE '{home}'",
    "ATTACH '{other}' AS o (READ_ONLY false)",
    "ATTACH '{other}' AS o",
    "ATTACH ':memory:' AS m",
    "DETACH experiments",
    "USE memory",
    "SELECT * FROM read_text('/proc/self/environ')",
    "SELECT content FROM read_text('/etc/shadow')",
    "SELECT * FROM read_text('{home}/secret.txt')",
    "SELECT * FROM read_blob('{home}/secret.txt')",
    "SELECT * FROM read_csv('/proc/self/environ')",
    "SELECT * FROM read_json('{events}')",
    "SELECT * FROM read_parquet('{home}/x.parquet')",
    "SELECT * FROM glob('{home}/*')",
    "SELECT * FROM '{home}/secret.txt'",
    "FROM '{events}'",
    "SELECT * FROM read_text('{url}')",
    "SELECT * FROM '{url}'",
    "SUMMARIZE SELECT * FROM read_text('/proc/self/environ')",
    "DESCRIBE SELECT * FROM read_text('{home}/secret.txt')",
    "INSTALL httpfs",
    "LOAD httpfs",
    "FORCE INSTALL httpfs FROM '{url}'",
    "SET enable_external_access = true",
    "SET autoinstall_known_extensions = true",
    "RESET lock_configuration",
    "PRAGMA enable_profiling",
    "CALL pragma_version()",
    "CHECKPOINT",
    "VACUUM",
    "INSERT INTO experiments SELECT * FROM experiments",
    "UPDATE messages SET content = 'x'",
    "DELETE FROM events",
    "DROP TABLE events",
    "ALTER TABLE messages ADD COLUMN x INT",
    "CREATE TABLE t AS SELECT 1",
    "CREATE TEMP TABLE t AS SELECT 1",
    "CREATE MACRO m() AS 1",
    "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
    "BEGIN TRANSACTION",
    "SELECT 1; DROP TABLE events",
    "SELECT 1; SELECT 2",
    "EXPLAIN ANALYZE COPY (SELECT 1) TO '{events}'",
    "EXPLAIN COPY (SELECT 1) TO '{events}'",
    "SELECT * FROM query('COPY (SELECT 1) TO ''{events}''')",
    "WITH x AS (SELECT 1) INSERT INTO events SELECT * FROM events",
]


def _snapshot(*roots: Path) -> dict[Path, str]:
    found: dict[Path, str] = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                found[path] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                found[path] = "dir"
    return found


@pytest.fixture
def sandbox_root(experiment: Path, tmp_path: Path) -> dict[str, str]:
    root = tmp_path / "out"
    exp_dir = copy_experiment(experiment, root)
    EventStore(database_path(root)).import_experiment(exp_dir)
    home = tmp_path / "home"
    home.mkdir()
    (home / "secret.txt").write_text("TOP-SECRET-CONTENT\n", encoding="utf-8")
    import duckdb  # the test builds another DuckDB file for ATTACH to aim at

    other = tmp_path / "other.duckdb"
    with duckdb.connect(str(other)) as con:
        con.execute("CREATE TABLE keep AS SELECT 1 AS a")
    return {"root": str(root), "events": str(next(exp_dir.glob("conv_*_events.jsonl"))),
            "db": str(database_path(root)), "other": str(other), "home": str(home),
            "url": "http://127.0.0.1:9/x.csv", "tmp": str(tmp_path)}


def test_every_hostile_statement_is_refused_with_one_line_and_changes_nothing(
        sandbox_root: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    tmp = Path(sandbox_root["tmp"])
    before = _snapshot(tmp)
    refused = 0
    for template in HOSTILE:
        sql = template.format(**sandbox_root)
        code = main(["query", sql, "--output", sandbox_root["root"]])
        out, err = capsys.readouterr()
        assert code == 1, sql
        assert out == "", sql
        assert err.startswith("pidgin-tui: error: ") and err.count("\n") == 1, (sql, err)
        assert "TOP-SECRET" not in err and "Traceback" not in err, sql
        refused += 1
    assert _snapshot(tmp) == before
    assert refused == len(HOSTILE)


@pytest.mark.parametrize("sql", [
    "SELECT count(*) FROM messages",
    "WITH m AS (SELECT * FROM messages) SELECT count(*) FROM m",
    "DESCRIBE messages",
    "SHOW TABLES",
    "SUMMARIZE conversations",
    "EXPLAIN SELECT * FROM messages",
    "FROM conversations SELECT status",
    "/* why */ SELECT 1 AS one",
])
def test_reads_still_run(sandbox_root: dict[str, str], capsys: pytest.CaptureFixture[str],
                         sql: str) -> None:
    assert main(["query", sql, "--output", sandbox_root["root"]]) == 0
    assert "row" in capsys.readouterr().out


def test_row_limit_is_applied_and_announced(sandbox_root: dict[str, str],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "SELECT * FROM range(5000)", "--output", sandbox_root["root"]]) == 0
    out = capsys.readouterr().out
    assert "(first 1000 rows; more matched" in out
    assert main(["query", "SELECT * FROM range(50)", "--limit", "7",
                 "--output", sandbox_root["root"]]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 + 7 + 1 and "first 7 rows" in lines[-1]


def test_a_long_query_is_interrupted(sandbox_root: dict[str, str]) -> None:
    store = EventStore(Path(sandbox_root["db"]))
    with pytest.raises(QueryTimeout, match="stopped after 0.2 s"):
        store.query("SELECT count(*) FROM range(1000000000000) a", timeout_s=0.2)
    # The connection was closed cleanly: the next query runs.
    assert store.query("SELECT 1").rows == [(1,)]


@pytest.mark.parametrize("flag", [["--limit", "0"], ["--timeout", "-1"], ["--limit", "x"]])
def test_bad_limits_are_usage_errors(flag: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["query", "SELECT 1", *flag])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1
