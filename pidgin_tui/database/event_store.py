"""EventStore: the analysis database facade (import, read-only query, export).

Each call opens the DuckDB file, does its work and closes it again, because DuckDB locks the
file against every other process while a connection is open. Nothing here keeps a connection
between calls; use `reading()` for several queries in a row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from pidgin_tui.core.safe_text import inert_json, terminal_safe
from pidgin_tui.database.connection import (
    DatabaseError,
    ensure_schema,
    one_line,
    open_database,
)
from pidgin_tui.database.importer import ImportReport, import_experiment
from pidgin_tui.database.sandbox import DEFAULT_LIMIT, DEFAULT_TIMEOUT_S, run_sandboxed

EXPORT_TABLES = ("experiments", "conversations", "messages", "turn_metrics", "events")
EXPORT_FORMATS = ("parquet", "csv", "jsonl")


@dataclass(slots=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool = False
    """More rows matched than the row limit let through."""

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def as_json_object(self) -> dict[str, Any]:
        """What `query --json` prints (docs/json.md): the columns, the rows as objects, their
        count, and whether more rows matched than the limit let through."""
        return {"columns": self.columns, "rows": self.as_dicts(), "row_count": len(self.rows),
                "truncated": self.truncated}

    def to_json(self) -> str:
        return inert_json(json.dumps(self.as_json_object(), default=str, ensure_ascii=False,
                                     indent=1))

    def to_table(self, max_width: int = 60) -> str:
        """A plain fixed-width text table (cells longer than `max_width` are cut with …)."""
        def cell(value: Any) -> str:
            text = "NULL" if value is None else terminal_safe(str(value), single_line=True)
            return text if len(text) <= max_width else text[:max_width - 1] + "…"

        cells = [[cell(v) for v in row] for row in self.rows]
        columns = [cell(c) for c in self.columns]
        widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
        line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
        rule = "  ".join("-" * w for w in widths)
        body = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
        footer = f"({len(self.rows)} row{'s' if len(self.rows) != 1 else ''})"
        if self.truncated:
            footer = f"(first {len(self.rows)} rows; more matched: raise --limit to see them)"
        return "\n".join([line, rule, *body, footer])


def _import_one(con: duckdb.DuckDBPyConnection, experiment_dir: Path) -> ImportReport:
    """Import one experiment; a record DuckDB cannot take (a damaged line) names the directory."""
    try:
        return import_experiment(con, experiment_dir)
    except duckdb.Error as exc:
        raise DatabaseError(f"cannot import {experiment_dir}: {one_line(exc)} (an event line "
                            "with missing or mistyped fields?)") from None


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class EventStore:
    """The analysis database at `path` (usually `<output root>/experiments/experiments.duckdb`)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def import_experiment(self, experiment_dir: Path) -> ImportReport:
        """Import one experiment directory, replacing its previous rows in one transaction."""
        return self.import_many([experiment_dir])[0]

    def import_many(self, experiment_dirs: Sequence[Path]) -> list[ImportReport]:
        """Import several experiments with one opening of the database."""
        new = not self.path.exists()
        with open_database(self.path) as con:
            # An import is one large transaction, checkpointed at once: above this size DuckDB
            # writes the data straight into the file at commit instead of into the WAL first.
            con.execute("SET checkpoint_threshold = '1MB'")
            old_schema = ensure_schema(con, new=new)
            reports = [_import_one(con, d) for d in experiment_dirs]
            con.execute("CHECKPOINT")
        if old_schema is not None and reports:
            reports[0].problems.insert(0, (
                f"the database was built by an older version (schema {old_schema}) and was "
                "rebuilt: import the other experiments again (`pidgin-tui import --all`)"))
        return reports

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection for the length of a `with` block."""
        with open_database(self.path, read_only=True) as con:
            yield con

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None, *,
              limit: int | None = DEFAULT_LIMIT, timeout_s: float | None = DEFAULT_TIMEOUT_S
              ) -> QueryResult:
        """Run one query in the sandbox (`database.sandbox`): statements other than reads are
        refused with a QueryRefused, a query past `timeout_s` is interrupted (QueryTimeout)."""
        columns, rows, truncated = run_sandboxed(self.path, sql, params, limit=limit,
                                                 timeout_s=timeout_s)
        return QueryResult(columns, rows, truncated)

    def has_experiment(self, experiment_id: str) -> bool:
        if not self.path.exists():
            return False
        result = self.query("SELECT count(*) FROM experiments WHERE experiment_id = ?",
                            [experiment_id])
        return bool(result.rows[0][0])

    def export(self, experiment_id: str, fmt: str, out_dir: Path) -> list[Path]:
        """Write the experiment's tables to `out_dir` as parquet, csv or jsonl."""
        if fmt not in EXPORT_FORMATS:
            raise DatabaseError(f"unknown export format {fmt!r} (use {', '.join(EXPORT_FORMATS)})")
        out_dir.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        with self.reading() as con:
            if not con.execute("SELECT count(*) FROM experiments WHERE experiment_id = ?",
                               [experiment_id]).fetchone()[0]:  # type: ignore[index]
                raise DatabaseError(f"experiment {experiment_id} is not in {self.path}: "
                                    "import it first")
            options = {"parquet": "FORMAT parquet", "csv": "FORMAT csv, HEADER true",
                       "jsonl": "FORMAT json"}[fmt]
            for table in EXPORT_TABLES:
                target = out_dir / f"{table}.{fmt}"
                con.execute(f"COPY (SELECT * FROM {table} WHERE experiment_id = "
                            f"{_literal(experiment_id)}) TO {_literal(str(target))} ({options})")
                written.append(target)
        return written
