"""BaseRepository: query helpers over one open DuckDB connection."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb


class BaseRepository:
    """Wraps a connection the caller opened (see `EventStore.reading`) and will close."""

    table: str = ""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        cursor = self.con.execute(sql, params)
        columns = [d[0] for d in cursor.description or []]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def one(self, sql: str, params: Sequence[Any] | None = None) -> dict[str, Any] | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        row = self.con.execute(sql, params).fetchone()
        return row[0] if row else None

    def count(self, experiment_id: str | None = None) -> int:
        """Rows of this repository's table, for one experiment or all."""
        if experiment_id is None:
            return int(self.scalar(f"SELECT count(*) FROM {self.table}"))
        return int(self.scalar(f"SELECT count(*) FROM {self.table} WHERE experiment_id = ?",
                               [experiment_id]))
