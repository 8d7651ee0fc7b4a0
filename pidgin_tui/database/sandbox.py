"""The sandboxed connection every user-written query runs on (`pidgin-tui query`, a query pane).

`read_only=True` protects only the tables of the opened file; DuckDB itself can still write and
read other files (`COPY ... TO`, `ATTACH`, `read_text('/proc/self/environ')`), reach the network
and install extensions. So a user query runs on a connection that:

- has file system and network access off, extension installs and autoloading off, and its
  configuration locked so no statement can turn any of that back on (`SANDBOX_CONFIG`);
- accepts one statement whose type, as DuckDB's own parser reports it, is on the allowlist:
  SELECT (which covers WITH, DESCRIBE, SHOW, SUMMARIZE, FROM and VALUES) or EXPLAIN of one;
- returns at most `limit` rows and is interrupted after `timeout_s` seconds.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from pidgin_tui.database.connection import DatabaseError, one_line, open_database

DEFAULT_LIMIT = 1000
"""Rows returned by default; `--limit` changes it."""
DEFAULT_TIMEOUT_S = 30.0
"""Seconds before a query is interrupted by default; `--timeout` changes it."""

SANDBOX_CONFIG: dict[str, Any] = {
    "enable_external_access": False,       # no files but the database, no network, no ATTACH
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "temp_directory": "",                  # never spill next to the database
    "lock_configuration": True,            # last: nothing above can be SET back
}

ALLOWED = {duckdb.StatementType.SELECT: "SELECT", duckdb.StatementType.EXPLAIN: "EXPLAIN"}
"""Statement types a user query may have. DESCRIBE, SHOW, SUMMARIZE and WITH parse as SELECT."""

_EXPLAIN_PREFIX = re.compile(r"\s*explain(?:\s+analy[sz]e)?\s+", re.IGNORECASE)


class QueryRefused(DatabaseError):
    """A statement the sandbox does not run; the message says which and what is allowed."""


class QueryTimeout(DatabaseError):
    """The query ran past its time limit and was interrupted."""


def _refusal(kind: str) -> QueryRefused:
    return QueryRefused(
        f"query refuses {kind} statements: only read-only SELECT, WITH, DESCRIBE, SHOW, "
        "SUMMARIZE and EXPLAIN run here (use `pidgin-tui export` to write files)")


def _statement_kind(statement: Any) -> str:
    return str(statement.type).rsplit(".", 1)[-1]


def checked_statement(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """The one allowed statement in `sql`, or QueryRefused / DatabaseError (syntax) saying why."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise DatabaseError(one_line(exc)) from None
    if len(statements) != 1:
        raise QueryRefused(f"query runs exactly one statement, got {len(statements)}")
    statement = statements[0]
    if statement.type not in ALLOWED:
        raise _refusal(_statement_kind(statement))
    if statement.type == duckdb.StatementType.EXPLAIN:
        # EXPLAIN ANALYZE runs what it explains: the explained statement must pass the same test.
        prefix = _EXPLAIN_PREFIX.match(statement.query)
        inner = con.extract_statements(statement.query[prefix.end():]) if prefix else []
        if len(inner) != 1 or inner[0].type != duckdb.StatementType.SELECT:
            raise _refusal("EXPLAIN of non-SELECT")
    return statement.query


def run_sandboxed(path: Path, sql: str, params: Sequence[Any] | dict[str, Any] | None = None,
                  *, limit: int | None = DEFAULT_LIMIT,
                  timeout_s: float | None = DEFAULT_TIMEOUT_S
                  ) -> tuple[list[str], list[tuple[Any, ...]], bool]:
    """(columns, rows, truncated) of one allowed statement on a sandboxed read-only connection."""
    with open_database(path, read_only=True, config=SANDBOX_CONFIG) as con:
        statement = checked_statement(con, sql)
        timer = threading.Timer(timeout_s, con.interrupt) if timeout_s else None
        if timer is not None:
            timer.daemon = True
            timer.start()
        try:
            cursor = con.execute(statement, params)
            columns = [d[0] for d in cursor.description or []]
            if not cursor.description:
                rows: list[tuple[Any, ...]] = []
            elif limit is None:
                rows = cursor.fetchall()
            else:
                rows = cursor.fetchmany(limit + 1)
        except duckdb.InterruptException:
            raise QueryTimeout(f"query stopped after {timeout_s:g} s (raise --timeout to allow "
                               "longer)") from None
        except duckdb.Error as exc:
            raise DatabaseError(one_line(exc)) from None
        finally:
            if timer is not None:
                timer.cancel()
    truncated = limit is not None and len(rows) > limit
    return columns, rows[:limit] if truncated else rows, truncated
