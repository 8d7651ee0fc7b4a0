"""An import's messages and conversations computed on a second thread (`database.offload`) come
out as they do when computed in the import's transaction, and a failure there fails the import
without touching what the database held."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pytest

from pidgin_tui.database import importer, offload
from pidgin_tui.database.connection import DatabaseError
from pidgin_tui.database.event_store import EventStore
from tests.database.test_import_paths import _import, _tables


def _offloading(monkeypatch: pytest.MonkeyPatch, offloading: bool) -> list[offload.ComputedRows]:
    """Compute aside (or not) whatever the machine's load; returns the batches computed aside."""
    aside: list[offload.ComputedRows] = []
    real = offload.ComputedRows

    def spy(*args: object, **kwargs: object) -> offload.ComputedRows:
        made = real(*args, **kwargs)  # type: ignore[arg-type]
        if made.aside:
            aside.append(made)
        return made

    monkeypatch.setattr(importer, "busy", lambda: not offloading)
    monkeypatch.setattr(importer, "ComputedRows", spy)
    return aside


@pytest.mark.parametrize("batch_bytes", [None, 1])
def test_rows_computed_aside_are_the_rows_computed_in_the_transaction(
        experiment: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        batch_bytes: int | None) -> None:
    """One batch, or one file a batch (each batch computes its own, under a pending id)."""
    if batch_bytes is not None:
        monkeypatch.setattr(importer, "BATCH_BYTES", batch_bytes)
    made = _offloading(monkeypatch, False)
    inside = _import(tmp_path, experiment, "inside")
    assert not made
    made = _offloading(monkeypatch, True)
    assert _import(tmp_path, experiment, "aside") == inside
    batches = len(made)
    assert batches == (1 if batch_bytes is None else len(list(experiment.glob("*.jsonl"))))
    store = EventStore(tmp_path / "aside.duckdb")
    store.import_experiment(experiment)  # again, replacing its rows
    assert (_tables(store), len(made)) == (inside[1], 2 * batches)
    assert inside[1]["messages"] and inside[1]["conversations"]


def test_this_duckdb_shows_a_transaction_the_tables_committed_before_it_reads_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """What computing aside relies on (probed once a process); the probe leaves nothing behind."""
    monkeypatch.setattr(offload, "_probed", None)  # probe again, here
    con = duckdb.connect()
    try:
        assert offload.snapshots_per_database(con)
        assert con.execute("SELECT database_name FROM duckdb_databases() "
                           "WHERE NOT internal ORDER BY 1").fetchall() == [("memory",)]
        con.execute("BEGIN TRANSACTION")  # none was left open
        con.execute("ROLLBACK")
    finally:
        con.close()


def test_a_duckdb_that_does_not_computes_them_in_the_transaction(
        experiment: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = _offloading(monkeypatch, True)
    monkeypatch.setattr(offload, "_probed", False)
    report = EventStore(tmp_path / "db.duckdb").import_experiment(experiment)
    assert not made
    assert report.messages and report.conversations


def test_a_failure_computing_aside_fails_the_import_and_keeps_the_rows_before(
        experiment: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = _offloading(monkeypatch, True)
    store = EventStore(tmp_path / "db.duckdb")
    store.import_experiment(experiment)
    before = _tables(store)
    monkeypatch.setitem(offload.COMPUTED, "conversations",
                        "SELECT error('the second thread failed'), $exp, $running")
    with pytest.raises(DatabaseError, match="the second thread failed"):
        store.import_experiment(experiment)
    assert len(made) == 2
    assert _tables(store) == before
    assert not [t for t in threading.enumerate() if t.name.startswith("pidgin-import")]
