"""Rows an import computes on a second thread while its transaction appends the others.

A batch's messages and conversations take long to compute (joins and aggregations over the
staged lines) and little to append: 12,000 and 200 rows for 200 conversations × 30 turns. Its
events and wide metrics are the other way round. On a machine with a core to spare, a cursor of
its own computes the first two into tables of an in-memory database (`ROWS_DB`) while the
import's transaction appends the events and the metrics on the other core; the transaction then
copies the computed rows in (measured on 2 cores, imports alternating with and without: 7-12 %
less wall time).

The transaction sees tables committed after it began because DuckDB starts a transaction on an
attached database when the transaction first touches that database, and the import's touches
`ROWS_DB` only to copy, after the cursor is done. `snapshots_per_database` checks that this
DuckDB does so (once a process); where it does not, or on a busy machine, `ComputedRows`
computes them in the transaction.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import duckdb

from pidgin_tui.database.import_sql import CONVERSATIONS_ROWS, MESSAGES_ROWS
from pidgin_tui.database.staging import open_stage

ROWS_DB = "_rows"
"""The in-memory database the computed rows wait in, attached for the import."""

COMPUTED = {"messages": MESSAGES_ROWS, "conversations": CONVERSATIONS_ROWS}
"""The tables whose rows can be computed aside, and the SELECT of each."""

_probed: bool | None = None


def snapshots_per_database(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a transaction of this DuckDB sees a table that another cursor committed into an
    attached database after the transaction began but before the transaction first read that
    database (checked once a process, with databases of its own; call it outside a
    transaction)."""
    global _probed
    if _probed is None:
        con.execute("ATTACH ':memory:' AS _probe_begun")
        con.execute("ATTACH ':memory:' AS _probe_later")
        try:
            con.execute("BEGIN TRANSACTION")
            con.execute("CREATE TABLE _probe_begun.t AS SELECT 1 AS x")
            with con.cursor() as cursor:
                cursor.execute("CREATE TABLE _probe_later.t AS SELECT 2 AS x")
            _probed = con.execute("SELECT x FROM _probe_later.t").fetchone() == (2,)
        except duckdb.Error:
            _probed = False
        finally:
            con.execute("ROLLBACK")
            con.execute("DETACH _probe_begun")
            con.execute("DETACH _probe_later")
    return _probed


class ComputedRows:
    """A batch's `COMPUTED` rows with each table's query parameters (`params`). Computed aside
    (`aside`): by a cursor on a thread of its own from the moment this is made, before the
    import's transaction begins, and `insert` copies them in; else `insert` computes them in the
    transaction. Call `close` when the import is done, failed or not."""

    def __init__(self, con: duckdb.DuckDBPyConnection, params: dict[str, dict[str, object]],
                 aside: bool) -> None:
        self._con = con
        self._params = params
        self._pool: ThreadPoolExecutor | None = None
        self._done: Future[None] | None = None
        if aside:
            con.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {ROWS_DB}")
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="pidgin-import")
            self._done = self._pool.submit(self._compute, con.cursor(), params)

    @property
    def aside(self) -> bool:
        return self._done is not None

    @staticmethod
    def _compute(cursor: duckdb.DuckDBPyConnection, params: dict[str, dict[str, object]]
                 ) -> None:
        with cursor:
            open_stage(cursor)
            for table, rows in COMPUTED.items():
                cursor.execute(f"CREATE OR REPLACE TABLE {ROWS_DB}.{table} AS {rows}",
                               params[table])

    def insert(self, table: str) -> int:
        """Insert `table`'s rows (in the caller's transaction); returns how many (raises what
        computing them aside raised)."""
        if self._done is None:
            row = self._con.execute(f"INSERT INTO {table} {COMPUTED[table]}",
                                    self._params[table]).fetchone()
        else:
            self._done.result()
            row = self._con.execute(
                f"INSERT INTO {table} SELECT * FROM {ROWS_DB}.{table}").fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        """Wait for the cursor, if any (its errors are the caller's to have seen through
        `insert`)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def detach_rows(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the computed rows (the in-memory database goes with them)."""
    con.execute(f"DETACH DATABASE IF EXISTS {ROWS_DB}")
