"""The full-text index of every message in the output root: SQLite FTS5, kept current by file.

Why FTS5: it ships inside Python's `sqlite3` (nothing to install, works offline), ranks with
BM25, answers phrase (`"a b"`) and prefix (`conscious*`) queries, makes snippets, and lets
several processes write one file safely (WAL + busy timeout). DuckDB's `fts` extension cannot be
installed offline for the pinned DuckDB, and its index must be rebuilt in full after each insert.

The index is incremental per conversation file: each JSONL's indexed byte offset, size and mtime
are stored, and `refresh` reads only the complete lines appended since (and of those only the
events the index needs), so a live run's messages are searchable as soon as they are complete.
New messages are added in batches, and their full-text entries with one `INSERT ... SELECT` per
batch rather than by a trigger per row (about 4x less CPU: FTS5 tokenizes the batch at once),
with a larger in-memory term buffer (`hashsize`) so a batch is written as fewer, larger segments.
Post-processing refreshes one experiment; `pidgin-tui index` rebuilds everything. A file that
cannot be read is skipped and counted; it never stops the others.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pidgin_tui.core.events import (
    AgentNameChosenEvent,
    ConversationStartEvent,
    MessageCompleteEvent,
)
from pidgin_tui.core.types import FINAL_STATUSES
from pidgin_tui.record.conversation import ConversationRecord
from pidgin_tui.record.layout import (
    MANIFEST_NAME,
    conversation_files,
    experiment_dirs,
    search_index_path,
)
from pidgin_tui.record.manifest import Manifest, read_manifest

SCHEMA_VERSION = "2"
"""Bumped when the tables change: an index of another version is rebuilt."""
"""Manifest statuses after which nothing more is written, unless the experiment is resumed (which
rewrites the manifest, so the experiment is looked at again)."""
BATCH_ROWS = 5_000
"""Messages held before they are written to the index (bounds the memory of a large refresh)."""
HASH_BYTES = 16 * 1024 * 1024
"""FTS5's in-memory term buffer, flushed to a segment when full (its default is 1 MB)."""
INDEXED_EVENTS = (ConversationStartEvent, AgentNameChosenEvent, MessageCompleteEvent)
"""What the index reads of a conversation file: its names, models and messages."""
BUSY_TIMEOUT_MS = 10_000
"""How long a writer waits for another process's write to finish before giving up."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources(
    path TEXT PRIMARY KEY, experiment_dir TEXT NOT NULL, experiment_id TEXT NOT NULL,
    experiment_name TEXT NOT NULL, conversation_id TEXT NOT NULL, size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL, byte_offset INTEGER NOT NULL, names TEXT NOT NULL,
    models TEXT NOT NULL, started_at TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS messages(
    id INTEGER PRIMARY KEY, path TEXT NOT NULL, turn INTEGER NOT NULL, agent_id TEXT NOT NULL,
    model TEXT NOT NULL, content TEXT NOT NULL, thinking TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS messages_by_path ON messages(path);
CREATE INDEX IF NOT EXISTS sources_by_experiment ON sources(experiment_dir);
CREATE TABLE IF NOT EXISTS done(dir TEXT PRIMARY KEY, manifest_mtime_ns INTEGER NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(
    content, thinking, content='messages', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3');
CREATE TRIGGER IF NOT EXISTS messages_ad AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content, thinking)
    VALUES ('delete', old.id, old.content, old.thinking);
END;
"""


@dataclass(slots=True)
class IndexReport:
    """What a refresh or rebuild did."""

    files_read: int = 0
    messages_added: int = 0
    files_removed: int = 0
    problems: list[str] = field(default_factory=list)
    """`<file>: <problem>` for files that could not be read."""

    def summary(self) -> str:
        text = f"{self.messages_added} messages indexed from {self.files_read} files"
        if self.files_removed:
            text += f", {self.files_removed} removed files dropped"
        return text + (f", {len(self.problems)} unreadable" if self.problems else "")


def connect(root: Path) -> sqlite3.Connection:
    """Open (and create) the output root's index. The caller closes it."""
    path = search_index_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    version = _meta(db, "schema_version")
    if version not in (None, SCHEMA_VERSION):
        db.close()
        path.unlink()
        return connect(root)
    db.executescript(_SCHEMA)
    if version is None:
        db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
        db.execute("INSERT INTO messages_fts(messages_fts, rank) VALUES ('hashsize', ?)",
                   (HASH_BYTES,))
    return db


def _meta(db: sqlite3.Connection, key: str) -> str | None:
    try:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    except sqlite3.OperationalError:
        return None
    return None if row is None else str(row[0])


def refresh(root: Path, experiments: Iterable[Path] | None = None) -> IndexReport:
    """Index what was appended since the last refresh, for every (or the given) experiment.

    An experiment whose manifest is unchanged since it was indexed in a final state is skipped
    without looking at its files. Files and experiments that disappeared are dropped when the
    whole root is refreshed.
    """
    report = IndexReport()
    db = connect(root)
    try:
        done = {row[0]: row[1] for row in db.execute("SELECT dir, manifest_mtime_ns FROM done")}
        dirs = experiment_dirs(root) if experiments is None else list(experiments)
        for experiment_dir in dirs:
            try:
                manifest_mtime = (experiment_dir / MANIFEST_NAME).stat().st_mtime_ns
            except OSError:
                manifest_mtime = -1
            if done.get(str(experiment_dir)) == manifest_mtime:
                continue
            _index_experiment(db, experiment_dir, manifest_mtime, report)
        if experiments is None:
            present = {str(path) for path in dirs}
            for (gone,) in db.execute("SELECT DISTINCT experiment_dir FROM sources").fetchall():
                if gone not in present:
                    report.files_removed += _drop(db, "experiment_dir", gone)
    finally:
        db.close()
    return report


def _index_experiment(db: sqlite3.Connection, experiment_dir: Path, manifest_mtime: int,
                      report: IndexReport) -> None:
    """Index an experiment's new lines in one transaction; remember it when it has ended."""
    manifest = read_manifest(experiment_dir, conversations=False) or Manifest()
    known = {row[0]: row for row in db.execute(
        "SELECT path, size, mtime_ns, byte_offset, names, models, experiment_id, "
        "experiment_name, conversation_id FROM sources WHERE experiment_dir = ?",
        (str(experiment_dir),))}
    files = conversation_files(experiment_dir)
    pending: list[tuple[str, int, str, str, str, str]] = []
    db.execute("BEGIN IMMEDIATE")
    try:
        for path in files:
            try:
                stat = path.stat()
                row = known.get(str(path))
                if row is None or row[1] != stat.st_size or row[2] != stat.st_mtime_ns:
                    _index_file(db, experiment_dir, manifest, path, row, stat.st_size,
                                stat.st_mtime_ns, report, pending)
            except (OSError, ValueError) as exc:
                report.problems.append(f"{path.name}: {exc}")
            if len(pending) >= BATCH_ROWS:
                _insert_messages(db, pending)
        _insert_messages(db, pending)
        for gone in set(known) - {str(path) for path in files}:
            report.files_removed += _drop(db, "path", gone, transaction=False)
        db.execute("DELETE FROM done WHERE dir = ?", (str(experiment_dir),))
        if manifest.status in FINAL_STATUSES:
            db.execute("INSERT INTO done VALUES (?, ?)", (str(experiment_dir), manifest_mtime))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def rebuild(root: Path) -> IndexReport:
    """Throw the index away and index every experiment again."""
    path = search_index_path(root)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return refresh(root)


def _drop(db: sqlite3.Connection, column: str, value: str, *, transaction: bool = True) -> int:
    """Remove the files whose `column` (`path` or `experiment_dir`) is `value`; returns how many."""
    where = {"path": "path = ?", "experiment_dir": "experiment_dir = ?"}[column]
    if transaction:
        db.execute("BEGIN IMMEDIATE")
    paths = [row[0] for row in db.execute(f"SELECT path FROM sources WHERE {where}", (value,))]
    db.executemany("DELETE FROM messages WHERE path = ?", [(path,) for path in paths])
    db.execute(f"DELETE FROM sources WHERE {where}", (value,))
    db.execute("DELETE FROM done WHERE dir = ?", (value,))
    if transaction:
        db.execute("COMMIT")
    return len(paths)


def _insert_messages(db: sqlite3.Connection,
                     pending: list[tuple[str, int, str, str, str, str]]) -> None:
    """Add the pending messages, then their full-text entries in one statement; empties
    `pending`. New rows take ids above the largest one now in the table (deletions came
    first), so `id > largest` is exactly this batch."""
    if not pending:
        return
    (largest,) = db.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()
    db.executemany("INSERT INTO messages(path, turn, agent_id, model, content, thinking) "
                   "VALUES (?, ?, ?, ?, ?, ?)", pending)
    db.execute("INSERT INTO messages_fts(rowid, content, thinking) "
               "SELECT id, content, thinking FROM messages WHERE id > ?", (largest,))
    pending.clear()


def _index_file(db: sqlite3.Connection, experiment_dir: Path, manifest: Manifest,
                path: Path, row: tuple[object, ...] | None, size: int, mtime_ns: int,
                report: IndexReport, pending: list[tuple[str, int, str, str, str, str]]
                ) -> None:
    """Fold the lines after the stored offset into the index (from 0 when the file shrank);
    the new messages are added to `pending` (see `_insert_messages`)."""
    log = ConversationRecord(path=path, detail=False)
    offset = int(str(row[3])) if row is not None else 0
    if row is not None and offset <= size:
        log.offset = offset
        log.names, log.models = json.loads(str(row[4])), json.loads(str(row[5]))
        log.experiment_id, log.conversation_id = str(row[6]), str(row[8])
    else:
        row = None
        db.execute("DELETE FROM messages WHERE path = ?", (str(path),))
    new_messages = [event for event in log.read_more(INDEXED_EVENTS)
                    if isinstance(event, MessageCompleteEvent)]
    pending += [(str(path), event.turn_number, event.agent_id, event.model, event.content,
                 event.thinking or "") for event in new_messages]
    db.execute(
        "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (str(path), str(experiment_dir),
         log.experiment_id or manifest.experiment_id,
         manifest.name or experiment_dir.name, log.conversation_id or path.name,
         size, mtime_ns, log.offset, json.dumps(log.names), json.dumps(log.models),
         manifest.created_at or ""))
    report.files_read += 1
    report.messages_added += len(new_messages)
