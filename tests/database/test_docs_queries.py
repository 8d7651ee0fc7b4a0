"""The example queries in docs/analysis.md run against a freshly imported experiment."""

from __future__ import annotations

import re
from pathlib import Path

from pidgin_tui.database.event_store import EventStore

DOC = Path(__file__).resolve().parents[2] / "docs" / "analysis.md"


def test_documented_queries_run(experiment: Path, tmp_path: Path) -> None:
    store = EventStore(tmp_path / "a.duckdb")
    exp = store.import_experiment(experiment).experiment_id
    blocks = re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    statements = [s.strip() for block in blocks for s in block.split(";") if s.strip()]
    assert len(statements) >= 4
    for statement in statements:
        result = store.query(statement.replace("abcd1234", exp))
        assert result.columns, statement
