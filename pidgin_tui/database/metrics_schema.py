"""How the metrics catalog maps onto the database: the wide table and the long-form view.

Metrics are stored wide — `turn_metrics_wide`, one row per turn and one DOUBLE column per
catalog key (`a_words`, `tfidf_cosine`, ..., `convergence_score`) — because writing ~160 rows
per turn in long form cost more than the whole rest of an import. `turn_metrics` is the long
form (agent `a`, `b` or NULL for cross-agent metrics) as a view: the wide columns unnested,
plus `turn_metrics_extra`, which keeps values whose key the current catalog does not know
(turns scored by another metrics version), so no recorded value is lost.
"""

from __future__ import annotations

import hashlib
import json

from pidgin_tui.core.metric_layouts import METRIC_LAYOUTS
from pidgin_tui.metrics.catalog import metric_names

WIDE_TABLE = "turn_metrics_wide"
LONG_VIEW = "turn_metrics"
EXTRA_TABLE = "turn_metrics_extra"
SCORE = "convergence_score"


def wide_keys() -> list[str]:
    """The wide table's metric columns, in order: the catalog, then the convergence score."""
    return [*metric_names(), SCORE]


def _split(key: str) -> tuple[str | None, str]:
    """`a_words` -> ('a', 'words'); cross-agent keys have no agent."""
    return (key[0], key[2:]) if key[:2] in ("a_", "b_") else (None, key)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def catalog_fingerprint() -> str:
    """Changes whenever the catalog's keys change, so an older database is rebuilt."""
    return hashlib.sha256(",".join(wide_keys()).encode()).hexdigest()[:10]


WIDE_ROW_KEYS = {"experiment_id": "VARCHAR NOT NULL", "conversation_id": "VARCHAR NOT NULL",
                 "turn_number": "INTEGER NOT NULL", "metrics_version": "INTEGER"}
"""The wide table's columns before the metrics: which turn a row holds, and its scorer."""


def wide_table_sql() -> str:
    keys = ", ".join(f"{name} {kind}" for name, kind in WIDE_ROW_KEYS.items())
    columns = ", ".join(f"{_quoted(k)} DOUBLE" for k in wide_keys())
    return f"CREATE TABLE IF NOT EXISTS {WIDE_TABLE} ({keys}, {columns})"


def metric_columns_expr() -> str:
    """Every metric column of the wide table as one `COLUMNS` expression (short to parse: a
    list of ~170 names costs more to parse and plan than counting them)."""
    return f"COLUMNS(* EXCLUDE ({', '.join(WIDE_ROW_KEYS)}))"


def long_view_sql() -> str:
    keys = wide_keys()
    agents = ", ".join(_text(_split(k)[0]) for k in keys)
    names = ", ".join(_text(_split(k)[1]) for k in keys)
    values = ", ".join(_quoted(k) for k in keys)
    return (f"CREATE OR REPLACE VIEW {LONG_VIEW} AS "
            "SELECT experiment_id, conversation_id, turn_number, agent, metric, value, "
            "metrics_version FROM ("
            "SELECT experiment_id, conversation_id, turn_number, metrics_version, "
            f"unnest([{agents}]) AS agent, unnest([{names}]) AS metric, "
            f"unnest([{values}]) AS value FROM {WIDE_TABLE}) WHERE value IS NOT NULL "
            "UNION ALL SELECT experiment_id, conversation_id, turn_number, agent, metric, value, "
            f"metrics_version FROM {EXTRA_TABLE}")


def metrics_struct_type() -> str:
    """The `json_transform` type that parses a line's `metrics` into catalog DOUBLEs."""
    struct = {"metrics": {k: "DOUBLE" for k in metric_names()}}
    return _text(json.dumps(struct))


def metric_columns(struct: str) -> str:
    """`struct."a_words", ...` in catalog order, for filling the wide table."""
    return ", ".join(f"{struct}.{_quoted(k)}" for k in metric_names())


def catalog_keys_literal() -> str:
    """The catalog's keys as a SQL list, to find the keys it does not know."""
    return "[" + ", ".join(_text(k) for k in metric_names()) + "]"


def layout_columns(version: int, values: str) -> str:
    """`values[i] AS "a_words", ...` in catalog order for a positional metrics array of
    `version`'s layout (NULL for a catalog key the layout does not have)."""
    index = {name: i + 1 for i, name in enumerate(METRIC_LAYOUTS[version])}
    return ", ".join(f"{values}[{index[k]}]" if k in index else "NULL" for k in metric_names())


def layout_extra_keys(version: int) -> list[tuple[int, str]]:
    """(1-based position, key) of the keys of `version`'s layout the catalog does not know."""
    known = set(metric_names())
    return [(i + 1, k) for i, k in enumerate(METRIC_LAYOUTS[version]) if k not in known]
