"""Staging a batch of JSONL files for an import: every line parsed once into the `_stage` view.

DuckDB reads text files (`read_text`) on one thread, whatever its `threads` setting, and a
second thread only adds cost to that statement (measured on 2 cores: 0.30 s of staging with
two threads, 0.23 s with one). So on a machine with a core to spare the batch's files are
split into parts, each staged by a cursor of its own on a thread of its own (DuckDB lets go of
the GIL while it works), into tables of an in-memory database attached for the import; `_stage`
is the view of every part. The statements that fill the tables read that view (a cursor opens
its own with `open_stage`).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

from pidgin_tui.database.import_sql import (
    FILE_HEADERS_SQL,
    RESCORED_TABLE,
    STAGE,
    STAGE_SQL,
    STAGE_TEXT_SQL,
    STAGING_DB,
    rescored_sql,
)
from pidgin_tui.record.compact import FileHeader
from pidgin_tui.record.layout import conversation_id_of, rescored_file

LOADAVG = Path("/proc/loadavg")

STAGED_LINES = f"{STAGING_DB}.lines"
"""Every part of the batch, as one view that every cursor can read (`_stage` reads it)."""

_FILE_COLUMNS = ("file", "conversation", "start", "version", "model_a", "model_b",
                 "effective_a", "effective_b")

# DuckDB scans a table in parallel one row group at a time; a smaller staged batch is scanned
# on one thread, and a second thread only adds coordination (measured: ~15% slower on 2 cores).
ROW_GROUP_ROWS = 122_880


def busy() -> bool:
    """Whether other processes keep all cores but one busy. Linux counts the tasks running
    now in /proc/loadavg (this one among them; the fewest of a few reads, as one read can catch
    a passing task); elsewhere the 1-minute load average stands in. That average alone is no
    use here: an import that runs for a while counts itself in it, and turned its own second
    thread off."""
    cores = os.cpu_count() or 1
    try:
        others = min(int(LOADAVG.read_text().split()[3].split("/")[0]) for _ in range(3)) - 1
    except (OSError, ValueError, IndexError):
        return os.getloadavg()[0] >= cores - 1
    return others >= cores - 1


def part_count(files: list[Path]) -> int:
    """How many parts to stage `files` in at once: one per core on an idle machine; one on a
    busy one, where a second thread costs more CPU than it saves (measured on 2 cores at load
    4: 0.33 s of CPU and 0.45 s of wall time in parallel, 0.23 s and 0.35 s without)."""
    return 1 if busy() else max(1, min(os.cpu_count() or 1, len(files)))


def split_files(files: list[Path], parts: int) -> list[list[Path]]:
    """`files` dealt into `parts` groups of about the same size (largest first)."""
    groups: list[list[Path]] = [[] for _ in range(parts)]
    sizes = [0] * parts
    for path, size in sorted(((p, p.stat().st_size) for p in files), key=lambda ps: -ps[1]):
        smallest = sizes.index(min(sizes))
        groups[smallest].append(path)
        sizes[smallest] += size
    return [group for group in groups if group]


def commit(con: duckdb.DuckDBPyConnection) -> None:
    """Commit the import's transaction. Its size makes DuckDB checkpoint at once (see
    `EventStore.import_many`), which compresses the tables' columns in parallel: on an idle
    machine with every core (measured on 2 cores: 0.446 s an import against 0.471 s)."""
    if not busy():
        set_threads(con, None)
    con.execute("COMMIT")


def detach(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the stage and everything staged (the in-memory database goes with it)."""
    con.execute(f"DROP VIEW IF EXISTS {STAGE}")
    con.execute(f"DETACH DATABASE IF EXISTS {STAGING_DB}")


def open_stage(cursor: duckdb.DuckDBPyConnection) -> None:
    """The `_stage` view in `cursor` (a view of a connection's own: each cursor needs one)."""
    cursor.execute(f"CREATE OR REPLACE TEMP VIEW {STAGE} AS SELECT * FROM {STAGED_LINES}")


def set_threads(con: duckdb.DuckDBPyConnection, threads: int | None) -> None:
    """`threads` (None: DuckDB's default, one per core), unless already so: a change costs
    milliseconds."""
    single = con.execute("SELECT current_setting('threads') = 1").fetchone() == (True,)
    if threads == 1 and not single:
        con.execute("SET threads = 1")
    elif threads is None and single and (os.cpu_count() or 1) > 1:
        con.execute("RESET threads")


def _file_headers(con: duckdb.DuckDBPyConnection, files: list[Path]) -> None:
    """Each file's conversation id (`record.layout`) and what its first line states for its
    compact lines (the one reader's own `FileHeader`), as the table the staging reads them
    from."""
    columns: dict[str, list[object]] = {name: [] for name in _FILE_COLUMNS}
    for path in files:
        header = FileHeader.of_file(path)
        stated = header.columns() if header is not None else dict.fromkeys(_FILE_COLUMNS[2:])
        columns["file"].append(str(path))
        columns["conversation"].append(conversation_id_of(path))
        for name, value in stated.items():
            columns[name].append(value)
    con.execute(FILE_HEADERS_SQL, columns)


def _part_names(parts: int) -> list[str]:
    return [f"{STAGING_DB}.part{index}" for index in range(parts)]


def _stage_parts(con: duckdb.DuckDBPyConnection, sql: str, groups: list[list[Path]]
                 ) -> list[str]:
    """Stage each group of files into a part table of its own, at once; returns the parts."""
    parts = _part_names(len(groups))
    statements = [(f"CREATE OR REPLACE TABLE {part} AS {sql}", {"files": list(map(str, group))})
                  for part, group in zip(parts, groups, strict=True)]
    if len(statements) == 1:
        con.execute(*statements[0])
        return parts
    cursors = [con.cursor() for _ in statements]
    try:
        with ThreadPoolExecutor(len(statements)) as pool:
            list(pool.map(lambda cursor, statement: cursor.execute(*statement), cursors,
                          statements))
    finally:
        for cursor in cursors:
            cursor.close()
    return parts


def stage(con: duckdb.DuckDBPyConnection, files: list[Path], parts: int = 1) -> None:
    """Parse every file into the `_stage` view (in no particular order: every statement
    afterwards orders or groups by itself), in `parts` at once, then pick the threads for the
    rest. The lines are read as text and parsed once; only a batch with a line that will not
    parse (or blanks around one) is read again, whole, by DuckDB's JSON reader, which turns
    such a line into a row of its own to report. Call `detach` when the import is done."""
    detach(con)  # the last batch's
    con.execute(f"ATTACH ':memory:' AS {STAGING_DB}")
    set_threads(con, 1)
    rescores = [r for r in map(rescored_file, files) if r is not None]
    _file_headers(con, files + rescores)
    con.execute("SET preserve_insertion_order = false")
    try:
        try:
            tables = _stage_parts(con, STAGE_TEXT_SQL, split_files(files, parts))
        except duckdb.Error:  # a malformed line (a torn last one after a crash): find it
            for table in _part_names(parts)[1:]:
                con.execute(f"DROP TABLE IF EXISTS {table}")  # what the first reading left
            tables = _stage_parts(con, STAGE_SQL, [files])
    finally:
        con.execute("RESET preserve_insertion_order")
    if rescores:
        statements = rescored_sql(tables)
        con.execute(statements[0], {"files": [str(f) for f in rescores]})
        for statement in statements[1:]:
            con.execute(statement)
        tables.append(RESCORED_TABLE)
    con.execute(f"CREATE VIEW {STAGED_LINES} AS "
                + " UNION ALL ".join(f"SELECT * FROM {table}" for table in tables))
    open_stage(con)
    rows = con.execute(f"SELECT count(*) FROM {STAGE}").fetchone()
    set_threads(con, 1 if rows and rows[0] < ROW_GROUP_ROWS or busy() else None)

