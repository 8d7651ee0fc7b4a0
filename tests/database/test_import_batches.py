"""An experiment imported a few files at a time gives the same rows as one imported at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from pidgin_tui.database import importer
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
