"""An experiment imported a few files at a time gives the same rows as one imported at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from pidgin_tui.database import importer
from pidgin_tui.database.connection import open_database
from pidgin_tui.database.event_store import EventStore

RELEASE1 = Path(__file__).resolve().parents[1] / "data" / "record_release1"
TABLES = {"conversations": "conversation_id", "messages": "conversation_id, turn_number, agent_id",
          "turn_metrics": "conversation_id, turn_number, agent, metric",
          "events": "conversation_id NULLS FIRST, seq",
          "experiments": "experiment_id"}


def test_one_file_per_batch_imports_the_same_rows(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    experiment = next(RELEASE1.iterdir())
    whole = EventStore(tmp_path / "whole.duckdb")
    whole_report = whole.import_experiment(experiment)
    monkeypatch.setattr(importer, "BATCH_BYTES", 1)
    assert len(importer._batches(importer.event_files(experiment))) == 3
    batched = EventStore(tmp_path / "batched.duckdb")
    batched_report = batched.import_experiment(experiment)
    assert (whole_report.events, whole_report.messages, whole_report.metric_rows,
            whole_report.conversations) == (batched_report.events, batched_report.messages,
                                            batched_report.metric_rows,
                                            batched_report.conversations)
    for table, order in TABLES.items():
        sql = f"SELECT * EXCLUDE (imported_at) FROM {table}" if table == "experiments" else \
            f"SELECT * FROM {table}"
        rows = whole.query(f"{sql} ORDER BY {order}", limit=None).rows
        assert rows and rows == batched.query(f"{sql} ORDER BY {order}", limit=None).rows, table


def _counts(store: EventStore) -> dict[str, list[tuple[object, ...]]]:
    return {table: store.query(f"SELECT experiment_id, count(*) FROM {table} GROUP BY ALL "
                               "ORDER BY ALL", limit=None).rows for table in TABLES}


def test_a_batched_import_that_fails_leaves_the_previous_rows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches are committed one by one under a pending id: a failure in a later batch keeps
    the experiment's previous rows, and leaves no pending rows behind."""
    experiment = next(RELEASE1.iterdir())
    store = EventStore(tmp_path / "db.duckdb")
    store.import_experiment(experiment)
    before = _counts(store)
    assert all(before.values())
    monkeypatch.setattr(importer, "BATCH_BYTES", 1)
    real_insert, calls = importer._insert_batch, []

    def insert_then_fail(*args: object, **kwargs: object) -> None:
        calls.append(args[2])
        if len(calls) == 3:
            raise OSError("disk gone")
        real_insert(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importer, "_insert_batch", insert_then_fail)
    with pytest.raises(OSError, match="disk gone"):
        store.import_experiment(experiment)
    assert calls[0] == importer.PENDING_PREFIX + "20400339"  # rows went in under the pending id
    assert _counts(store) == before


def test_pending_rows_of_a_killed_import_are_dropped_by_the_next(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    experiment = next(RELEASE1.iterdir())
    store = EventStore(tmp_path / "db.duckdb")
    store.import_experiment(experiment)
    before = _counts(store)
    with open_database(store.path) as con:  # what a killed import leaves: committed batches
        con.execute("INSERT INTO messages SELECT ? || experiment_id, * EXCLUDE (experiment_id) "
                    "FROM messages", [importer.PENDING_PREFIX])
    monkeypatch.setattr(importer, "BATCH_BYTES", 1)
    store.import_experiment(experiment)
    assert _counts(store) == before


def test_the_memory_limit_grows_with_the_largest_batch(tmp_path: Path) -> None:
    """A conversation file larger than a batch is a batch of its own: DuckDB gets room for it
    (a fixed limit would fail its import with `Out of Memory`)."""
    small, large = tmp_path / "conv_a_events.jsonl", tmp_path / "conv_b_events.jsonl"
    small.write_bytes(b"{}\n")
    with open(large, "wb") as handle:  # sparse: no disk used
        handle.truncate(100 * 1024 * 1024)
    assert importer._memory_limit([[small]]) == importer.IMPORT_MEMORY_FLOOR
    batches = importer._batches([small, large])
    assert batches == [[small], [large]]
    assert importer._memory_limit(batches) == importer.BATCH_MEMORY_FACTOR * 100 * 1024 * 1024
