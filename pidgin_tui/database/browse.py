"""What the transcript browser lists from the analysis database: imported experiments and their
conversations, read in one brief read-only connection (DuckDB locks the file across processes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from pidgin_tui.database.connection import DatabaseError, open_database


@dataclass(slots=True)
class ImportedCatalog:
    """`experiments[id]` and `conversations[experiment id][conversation id]`, as imported."""

    experiments: dict[str, dict[str, Any]] = field(default_factory=dict)
    conversations: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    problem: str | None = None
    """Why nothing could be read (missing, locked, older schema); None when read."""


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    columns = [d[0] for d in cursor.description or []]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def imported_catalog(database: Path) -> ImportedCatalog:
    """Every imported experiment and conversation; never raises for an unusable database."""
    catalog = ImportedCatalog()
    if not database.exists():
        catalog.problem = "nothing imported yet"
        return catalog
    try:
        with open_database(database, read_only=True) as con:
            for row in _rows(con, "SELECT experiment_id, name, status, directory, imported_at "
                                 "FROM experiments"):
                catalog.experiments[str(row["experiment_id"])] = row
            for row in _rows(
                    con, "SELECT experiment_id, conversation_id, status, end_reason, error, "
                    "total_turns, max_turns, agent_a_model, agent_b_model, total_tokens, "
                    "cost_usd, final_convergence, end_states, end_state_onsets, duration_ms "
                    "FROM conversations"):
                catalog.conversations.setdefault(str(row["experiment_id"]), {})[
                    str(row["conversation_id"])] = row
    except DatabaseError as exc:
        catalog.problem = str(exc)
    except Exception as exc:  # noqa: BLE001 - e.g. a schema without these tables: use JSONL
        catalog.problem = f"{type(exc).__name__}: {exc}"
    return catalog
