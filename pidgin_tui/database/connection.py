"""Opening the DuckDB file briefly, with the schema in place and a clear error when it is locked.

DuckDB holds an exclusive file lock for as long as a connection is open, across processes, even
read-only. So the database is opened only for one import or one query (`open_database`), and a
lock held by another process becomes a `DatabaseLockedError` that names the file and the holder.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from pidgin_tui.database.metrics_schema import (
    EXTRA_TABLE,
    LONG_VIEW,
    WIDE_TABLE,
    catalog_fingerprint,
    long_view_sql,
    wide_table_sql,
)

# The layout version, then the metrics catalog's fingerprint: either changing rebuilds.
SCHEMA_VERSION = f"7-{catalog_fingerprint()}"


class DatabaseError(RuntimeError):
    """A database problem worth showing to the user as is."""


class DatabaseLockedError(DatabaseError):
    """Another process has the database file open."""


class DatabaseMissingError(DatabaseError):
    """Nothing has been imported yet."""


def one_line(exc: BaseException) -> str:
    """A DuckDB error as one line (its messages carry a `LINE 1: ...` caret block)."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


_PID = re.compile(r"PID (\d+)")


def _locked_message(path: Path, exc: Exception) -> str:
    pid = _PID.search(str(exc))
    holder = f"another process (PID {pid.group(1)})" if pid else "another process"
    return (f"the analysis database {path} is in use by {holder}. DuckDB allows one process at "
            "a time: close the other pidgin-tui window or DuckDB session using it (or wait for "
            "its import to finish), then retry.")


def _schema_sql() -> str:
    return resources.files("pidgin_tui.database").joinpath("schema.sql").read_text("utf-8")


ANALYSIS_TABLES = ("events", "experiments", "conversations", "messages", WIDE_TABLE, EXTRA_TABLE)


def _existing(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Which of the import's tables and views exist, and as what (`BASE TABLE` or `VIEW`)."""
    return dict(con.execute(
        "SELECT table_name, 'BASE TABLE' FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name = 'main' "
        "AND list_contains($names, table_name) "
        "UNION ALL SELECT view_name, 'VIEW' FROM duckdb_views() "
        "WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal "
        "AND list_contains($names, view_name)",
        {"names": [*ANALYSIS_TABLES, LONG_VIEW]}).fetchall())


def _complete(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether every table and view of the import can be read. Looked up by name: listing
    them (`_existing`) first makes DuckDB build its built-in views, in every new connection,
    which takes three times as long."""
    try:
        con.execute(f"SELECT 1 FROM {', '.join((*ANALYSIS_TABLES, LONG_VIEW))} LIMIT 0")
    except duckdb.Error:  # one is missing, or the view reads a table that is
        return False
    return True


def ensure_schema(con: duckdb.DuckDBPyConnection, new: bool = False) -> str | None:
    """Create the tables if needed (`new`: the database file did not exist before this
    connection, so there is nothing in it to clear). The tables only hold what the JSONL
    already has, so a database of another schema version is cleared and rebuilt; returns that
    old version (the experiments must be imported again), else None. What it changes is
    committed once: each statement committed alone waits for the disk (~40 ms in all)."""
    current, old = None, None
    if not new:
        con.execute(f"CREATE TABLE IF NOT EXISTS {_SCHEMA_INFO}")
        current = con.execute(_VERSION_SQL).fetchone()
        old = current[0] if current is not None and current[0] != SCHEMA_VERSION else None
        if current is not None and old is None and _complete(con):
            return None  # the common case: nothing to create
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"CREATE TABLE IF NOT EXISTS {_SCHEMA_INFO}")
        existing = {} if new else _existing(con)
        if current is None or old is not None:
            for name, kind in sorted(existing.items(), key=lambda item: item[1] != "VIEW"):
                con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} {name}")
            existing = {}
            con.execute("DELETE FROM schema_info WHERE key = 'schema_version'")
            con.execute("INSERT INTO schema_info VALUES ('schema_version', ?)", [SCHEMA_VERSION])
        if len(existing) < len(ANALYSIS_TABLES) + 1:
            con.execute(_schema_sql())
            con.execute(wide_table_sql())
            con.execute(long_view_sql())
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # none is open if the BEGIN failed
            con.execute("ROLLBACK")
        raise
    return old


_SCHEMA_INFO = "schema_info (key VARCHAR, value VARCHAR)"
_VERSION_SQL = "SELECT value FROM schema_info WHERE key = 'schema_version'"


@contextmanager
def open_database(path: Path, read_only: bool = False, config: dict[str, Any] | None = None
                  ) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for the length of a `with` block (writers call `ensure_schema`); `config`
    holds DuckDB settings applied at connect time (the query sandbox's)."""
    if read_only and not path.exists():
        raise DatabaseMissingError(
            f"no analysis database at {path} yet: import an experiment first "
            "(`pidgin-tui import EXPERIMENT` or `pidgin-tui import --all`)")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=config or {})
    except duckdb.Error as exc:
        if isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower():
            raise DatabaseLockedError(_locked_message(path, exc)) from None
        raise DatabaseError(f"cannot open the analysis database {path}: {one_line(exc)}"
                            ) from None
    try:
        yield con
    finally:
        con.close()
