"""Bulk import of one experiment directory's JSONL into DuckDB, replacing its previous rows.

Files are read a batch of files at a time, as text split into lines that DuckDB parses once (no
Python-side parsing, no row-at-a-time inserts); every table is then filled with one INSERT ...
SELECT each. The experiment's old rows are replaced only once every batch is in, so a re-import
is idempotent and a failed import leaves the previous data intact (see `import_experiment`).
A batch with an unparseable line (a truncated last line after a crash, or a corrupt line) is
read again by `read_json_objects` scans, where such a line becomes a NULL row; it is skipped and
reported per file.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pidgin_tui.core.events import ExperimentStartEvent
from pidgin_tui.database.connection import DatabaseError
from pidgin_tui.database.import_sql import (
    EVENTS_SQL,
    EXPERIMENT_SQL,
    EXTRA_METRICS_SQL,
    EXTRA_OBJECT_METRICS_SQL,
    HAS_OBJECT_METRICS_SQL,
    WIDE_METRICS_SQL,
    WIDE_OBJECT_METRICS_SQL,
)
from pidgin_tui.database.metrics_schema import EXTRA_TABLE, WIDE_TABLE, metric_columns_expr
from pidgin_tui.database.offload import ComputedRows, detach_rows, snapshots_per_database
from pidgin_tui.database.staging import busy, commit, detach, part_count, stage
from pidgin_tui.record.jsonl import read_all_events
from pidgin_tui.record.layout import (
    EXPERIMENT_EVENTS_NAME,
    conversation_files,
    experiment_id_of_dir,
)
from pidgin_tui.record.manifest import read_manifest
from pidgin_tui.record.manifest_types import Manifest

TABLES = ("events", "messages", WIDE_TABLE, EXTRA_TABLE, "conversations", "experiments")


@dataclass(slots=True)
class ImportReport:
    experiment_id: str
    experiment_dir: Path
    files: int = 0
    events: int = 0
    conversations: int = 0
    messages: int = 0
    metric_rows: int = 0
    skipped_lines: int = 0
    problems: list[str] = field(default_factory=list)
    """One line per file with skipped lines, e.g. `conv_x_events.jsonl: truncated last line
    skipped`."""
    duration_s: float = 0.0

    @property
    def events_per_second(self) -> float:
        return self.events / self.duration_s if self.duration_s else 0.0

    def summary(self) -> str:
        text = (f"{self.experiment_id}: {self.events} events, {self.conversations} conversations, "
                f"{self.messages} messages, {self.metric_rows} metric values "
                f"in {self.duration_s:.2f}s")
        if self.skipped_lines:
            text += f"; {self.skipped_lines} unreadable line(s) skipped"
        return text


def event_files(experiment_dir: Path) -> list[Path]:
    """The experiment-level JSONL (if any) and every conversation JSONL, in name order."""
    files = conversation_files(experiment_dir)
    exp_file = experiment_dir / EXPERIMENT_EVENTS_NAME
    return ([exp_file] if exp_file.is_file() else []) + files


def _ends_with_newline(path: Path) -> bool:
    size = path.stat().st_size
    if size == 0:
        return True
    with open(path, "rb") as handle:
        handle.seek(size - 1)
        return handle.read(1) == b"\n"


def _experiment_id(manifest: Manifest | None, experiment_dir: Path) -> str:
    """The experiment's own id: its manifest's, else its ExperimentStartEvent's as the one
    reader reads it (an id the line leaves out is the directory's), else the directory's.
    Never an id that conversation lines name: a conversation file copied from another
    experiment keeps that experiment's id, and its rows must not replace that experiment's."""
    if manifest is not None and manifest.experiment_id:
        return manifest.experiment_id
    started = read_all_events(experiment_dir / EXPERIMENT_EVENTS_NAME,
                              types=(ExperimentStartEvent,), metrics=False).events
    return started[0].experiment_id if started else experiment_id_of_dir(experiment_dir)


def _skipped(con: duckdb.DuckDBPyConnection) -> tuple[int, list[str]]:
    rows = con.execute("SELECT filename, count(*) FROM _stage WHERE event_type IS NULL "
                       "GROUP BY filename ORDER BY filename").fetchall()
    problems, total = [], 0
    for filename, count in rows:
        path = Path(filename)
        total += count
        truncated = not _ends_with_newline(path)
        parts = (["truncated last line skipped"] if truncated else []) + (
            [f"{count - truncated} unreadable line(s) skipped"] if count - truncated else [])
        problems.append(f"{path.name}: {', '.join(parts)}")
    return total, problems


BATCH_BYTES = 32 * 1024 * 1024
"""JSONL staged at a time: conversations are whole within a file, so an experiment is imported
in batches of files and the database's memory stays that of one batch, however large the
experiment (measured: 10,000 conversations stay under ~250 MB; one stage took ~1.5 GB)."""


def _batches(files: list[Path]) -> list[list[Path]]:
    batches: list[list[Path]] = [[]]
    size = 0
    for path in files:
        file_size = path.stat().st_size
        if batches[-1] and size + file_size > BATCH_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(path)
        size += file_size
    return batches


IMPORT_MEMORY_FLOOR = 192 * 1024 * 1024
BATCH_MEMORY_FACTOR = 6
"""DuckDB's memory during an import: the floor, or this many times the largest batch (a single
conversation file larger than a batch is a batch of its own). Past it DuckDB evicts cached
blocks and spills to disk instead of keeping every block it has touched. Measured on 10,000
conversations (204 MB of JSONL): 510 MB peak RSS without a limit, 361 MB at 256 MB, 303 MB at
192 MB (for ~25 % more CPU); at 128 MB with 8 MB batches a batch ran out of memory."""


def _memory_limit(batches: list[list[Path]]) -> int:
    largest = max(sum(path.stat().st_size for path in batch) for batch in batches)
    return max(IMPORT_MEMORY_FLOOR, BATCH_MEMORY_FACTOR * largest)


SKIPPED_OPTIMIZERS = "in_clause"
"""DuckDB optimizers the import's statements are planned without: `in_clause` turns an `IN` list
of more than a few names into a join against a table of them, and the stage's checks of which
events require which fields (`import_sql._MISSING`) took 80 M instructions more that way than
compared one by one (7 % of an import)."""


def _skip_optimizers(con: duckdb.DuckDBPyConnection) -> bool:
    """Plan the import without `SKIPPED_OPTIMIZERS`; False when this DuckDB does not know them
    (the import then runs as planned by default, only slower)."""
    try:
        con.execute(f"SET disabled_optimizers = '{SKIPPED_OPTIMIZERS}'")
    except duckdb.Error:
        return False
    return True


def _experiment_times(con: duckdb.DuckDBPyConnection) -> tuple[object, object]:
    row = con.execute(
        "SELECT min(timestamp) FILTER (WHERE event_type = 'ExperimentStartEvent'), "
        "max(timestamp) FILTER (WHERE event_type = 'ExperimentCompleteEvent') FROM _stage"
    ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def _computed(con: duckdb.DuckDBPyConnection, exp: str, running: bool) -> ComputedRows:
    """The batch's messages and conversations: computed on a second thread (see
    `database.offload`), or in the transaction on a busy machine (two threads on one core would
    only add the copying)."""
    return ComputedRows(con, {"messages": {"exp": exp},
                              "conversations": {"exp": exp, "running": running}},
                        aside=not busy() and snapshots_per_database(con))


def _insert_batch(con: duckdb.DuckDBPyConnection, report: ImportReport, exp: str,
                  computed: ComputedRows) -> None:
    """Insert the staged batch's rows under the experiment id `exp` (`computed`: its messages
    and conversations)."""
    report.events += _inserted(con, EVENTS_SQL, exp)
    _inserted(con, WIDE_METRICS_SQL, exp)
    if EXTRA_METRICS_SQL is not None:
        report.metric_rows += _inserted(con, EXTRA_METRICS_SQL, exp)
    if con.execute(HAS_OBJECT_METRICS_SQL).fetchone() == (True,):
        _inserted(con, WIDE_OBJECT_METRICS_SQL, exp)
        report.metric_rows += _inserted(con, EXTRA_OBJECT_METRICS_SQL, exp)
    report.messages += computed.insert("messages")
    report.conversations += computed.insert("conversations")


PENDING_PREFIX = "\x00importing:"
"""Rows of an import in batches are written under this prefix + the experiment id, committed
batch by batch, and take the experiment's id in one last transaction (see `import_experiment`);
no real experiment id starts with a NUL byte."""


def _delete_rows(con: duckdb.DuckDBPyConnection, exp: str) -> None:
    for table in TABLES:
        con.execute(f"DELETE FROM {table} WHERE experiment_id = ?", [exp])


def _discard_pending(con: duckdb.DuckDBPyConnection) -> None:
    """Drop what an import in batches that died (a crash, a kill) left under a pending id."""
    for table in TABLES:
        con.execute(f"DELETE FROM {table} WHERE starts_with(experiment_id, ?)",
                    [PENDING_PREFIX])


def import_experiment(con: duckdb.DuckDBPyConnection, experiment_dir: Path) -> ImportReport:
    """Import (or re-import) one experiment directory; returns what was loaded and skipped.
    A small experiment leaves the connection at one thread (see `staging.stage`).

    An experiment of one batch is imported in one transaction. A larger one is written under a
    pending id and committed and checkpointed after each batch, so DuckDB holds one batch in
    memory instead of the whole experiment; one last transaction then replaces the
    experiment's previous rows with the pending ones. Either way the previous rows stay as
    they were until the import has succeeded."""
    started = time.perf_counter()
    experiment_dir = experiment_dir.resolve()
    files = event_files(experiment_dir)
    if not files:
        raise DatabaseError(f"{experiment_dir}: no event files (*.jsonl) to import")
    manifest = read_manifest(experiment_dir, conversations=False)
    batches = _batches(files)  # the experiment-level file, if any, is in the first
    con.execute(f"SET memory_limit = '{_memory_limit(batches) // 1024}KiB'")
    optimizers = _skip_optimizers(con)
    computed: ComputedRows | None = None
    stage(con, batches[0], part_count(batches[0]))
    try:
        exp = _experiment_id(manifest, experiment_dir)
        report = ImportReport(exp, experiment_dir, files=len(files))
        known = manifest if manifest is not None else Manifest()
        status = manifest.status if manifest is not None else ""  # else the events say
        if not status:
            ended = con.execute("SELECT data->>'status' FROM _stage WHERE event_type = "
                                "'ExperimentCompleteEvent' ORDER BY seq DESC LIMIT 1").fetchone()
            status = ended[0] if ended else "interrupted"
        exp_started, exp_completed = _experiment_times(con)
        target = exp if len(batches) == 1 else PENDING_PREFIX + exp
        running = status == "running"
        computed = _computed(con, target, running)
        con.execute("BEGIN TRANSACTION")
        try:
            if target == exp:
                _delete_rows(con, exp)
            else:
                _discard_pending(con)
            for index, batch in enumerate(batches):
                if index:
                    commit(con)
                    con.execute("CHECKPOINT")
                    stage(con, batch, part_count(batch))  # outside a transaction
                    computed.close()  # done: its rows are in
                    computed = _computed(con, target, running)
                    con.execute("BEGIN TRANSACTION")
                skipped, problems = _skipped(con)
                report.skipped_lines += skipped
                report.problems += problems
                _insert_batch(con, report, target, computed)
            report.metric_rows += _wide_values(con, target)
            con.execute(EXPERIMENT_SQL, {
                "exp": target, "name": known.name or experiment_dir.name,
                "status": status, "directory": str(experiment_dir),
                "created_at": known.created_at,
                "started_at": known.started_at or exp_started,
                "completed_at": known.completed_at or exp_completed,
                "total": known.total_conversations, "config": json.dumps(known.config),
                "events": report.events, "skipped": report.skipped_lines,
            })
            if target != exp:
                _delete_rows(con, exp)
                for table in TABLES:
                    con.execute(f"UPDATE {table} SET experiment_id = ? WHERE experiment_id = ?",
                                [exp, target])
            commit(con)
        except BaseException:
            with contextlib.suppress(duckdb.Error):  # none is open if a CHECKPOINT failed
                con.execute("ROLLBACK")
            if target != exp:
                _discard_pending(con)
            raise
    finally:
        if computed is not None:
            computed.close()  # its cursor reads the stage: done before the stage goes
        detach_rows(con)
        detach(con)
        con.execute("RESET memory_limit")
        if optimizers:
            con.execute("RESET disabled_optimizers")
    report.duration_s = time.perf_counter() - started
    return report


def _inserted(con: duckdb.DuckDBPyConnection, sql: str, exp: str, **params: object) -> int:
    """Run one INSERT of the import; returns how many rows it wrote."""
    row = con.execute(sql, {"exp": exp, **params}).fetchone()
    return int(row[0]) if row else 0


def _wide_values(con: duckdb.DuckDBPyConnection, exp: str) -> int:
    """How many metric values (non-NULL cells) the experiment's wide rows hold."""
    # One count per column, summed here: a `count(a) + count(b) + ...` expression of ~160
    # terms takes DuckDB three times longer to plan than the counting itself.
    row = con.execute(f"SELECT count({metric_columns_expr()}) FROM {WIDE_TABLE} "
                      "WHERE experiment_id = ?", [exp]).fetchone()
    return sum(row) if row else 0
