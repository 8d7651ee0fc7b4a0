"""Opening the DuckDB file briefly, with the schema in place and a clear error when it is locked.

DuckDB holds an exclusive file lock for as long as a connection is open, across processes, even
read-only. So the database is opened only for one import or one query (`open_database`), and a
lock held by another process becomes a `DatabaseLockedError` that names the file and the holder.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb

from pidgin_tui.metrics.catalog import metric_names

SCHEMA_VERSION = "2"
WIDE_VIEW = "turn_metrics_wide"


class DatabaseError(RuntimeError):
    """A database problem worth showing to the user as is."""


class DatabaseLockedError(DatabaseError):
    """Another process has the database file open."""


class DatabaseMissingError(DatabaseError):
    """Nothing has been imported yet."""


_PID = re.compile(r"PID (\d+)")


def _locked_message(path: Path, exc: Exception) -> str:
    pid = _PID.search(str(exc))
    holder = f"another process (PID {pid.group(1)})" if pid else "another process"
    return (f"the analysis database {path} is in use by {holder}. DuckDB allows one process at "
            "a time: close the other pidgin-tui window or DuckDB session using it (or wait for "
            "its import to finish), then retry.")


def _schema_sql() -> str:
    return resources.files("pidgin_tui.database").joinpath("schema.sql").read_text("utf-8")


def wide_view_sql() -> str:
    """`turn_metrics_wide`: one row per turn, one column per catalog metric."""
    columns = []
    for key in [*metric_names(), "convergence_score"]:
        agent, metric = (key[0], key[2:]) if key[:2] in ("a_", "b_") else (None, key)
        condition = f"agent = '{agent}'" if agent else "agent IS NULL"
        columns.append(f"max(value) FILTER (WHERE {condition} AND metric = '{metric}') "
                       f"AS \"{key}\"")
    return (f"CREATE OR REPLACE VIEW {WIDE_VIEW} AS SELECT experiment_id, conversation_id, "
            f"turn_number, {', '.join(columns)} FROM turn_metrics "
            "GROUP BY experiment_id, conversation_id, turn_number")


ANALYSIS_TABLES = ("events", "experiments", "conversations", "messages", "turn_metrics")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> str | None:
    """Create the tables if needed. The tables only hold what the JSONL already has, so a
    database of another schema version is cleared and rebuilt; returns that old version (the
    experiments must be imported again), else None."""
    con.execute(_schema_sql())
    current = con.execute("SELECT value FROM schema_info WHERE key = 'schema_version'").fetchone()
    old = None
    if current is not None and current[0] != SCHEMA_VERSION:
        old = current[0]
        con.execute(f"DROP VIEW IF EXISTS {WIDE_VIEW}")
        for table in ANALYSIS_TABLES:
            con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute(_schema_sql())
    if current is None or old is not None:
        con.execute("DELETE FROM schema_info WHERE key = 'schema_version'")
        con.execute("INSERT INTO schema_info VALUES ('schema_version', ?)", [SCHEMA_VERSION])
    con.execute(wide_view_sql())
    return old


@contextmanager
def open_database(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for the length of a `with` block (writers call `ensure_schema`)."""
    if read_only and not path.exists():
        raise DatabaseMissingError(
            f"no analysis database at {path} yet: import an experiment first "
            "(`pidgin-tui import EXPERIMENT` or `pidgin-tui import --all`)")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseLockedError(_locked_message(path, exc)) from None
        raise DatabaseError(f"cannot open the analysis database {path}: {exc}") from None
    try:
        yield con
    finally:
        con.close()
