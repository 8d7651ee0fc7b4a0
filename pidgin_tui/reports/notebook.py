"""analysis.ipynb: a starter notebook that queries the DuckDB database, never inlined data.

Every query cell goes through `q(sql)`, which opens the database read-only for that one query
and closes it at once (DuckDB locks the file against other processes while it is open). The
notebook lives in the experiment directory; the database is `../experiments.duckdb`.
"""

from __future__ import annotations

from pathlib import Path

from pidgin_tui.record.layout import METRICS_DOC_NAME, NOTEBOOK_NAME

_SETUP = '''\
from pathlib import Path

import duckdb

EXPERIMENT_ID = {experiment_id!r}
DB = Path.cwd().parent / "experiments.duckdb"  # this notebook sits in the experiment directory


class Table(list):
    """Query rows (dicts) that print as a table; use pandas instead if you have it."""

    def __repr__(self):
        if not self:
            return "(no rows)"
        cols = list(self[0])
        body = [" | ".join(cols)] + [" | ".join(str(r[c]) for c in cols) for r in self]
        return "\\n".join(body)


def q(sql):
    """Run one query, with $exp bound to this experiment; the database is open only meanwhile."""
    params = {{"exp": EXPERIMENT_ID}} if "$exp" in sql else None
    with duckdb.connect(str(DB), read_only=True) as con:
        cursor = con.execute(sql, params)
        cols = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    try:
        import pandas as pd
        return pd.DataFrame(rows, columns=cols)
    except ImportError:
        return Table(dict(zip(cols, row)) for row in rows)
'''

QUERIES: tuple[tuple[str, str], ...] = (
    ("The experiment", "SELECT * FROM experiments WHERE experiment_id = $exp"),
    ("Conversations and outcomes",
     "SELECT conversation_id, agent_a_model, agent_b_model, status, end_reason, total_turns,\n"
     "       total_tokens, cost_usd, final_convergence\n"
     "FROM conversations WHERE experiment_id = $exp ORDER BY repetition"),
    ("Convergence by turn (mean over conversations)",
     "SELECT turn_number, avg(convergence_score) AS convergence, avg(tfidf_cosine) AS tfidf,\n"
     "       avg(mimicry_a_to_b_2) AS b_copies_a, avg(mimicry_b_to_a_2) AS a_copies_b\n"
     "FROM turn_metrics_wide WHERE experiment_id = $exp GROUP BY turn_number ORDER BY 1"),
    ("Message length and diversity by turn",
     "SELECT turn_number, agent, avg(value) FILTER (WHERE metric = 'words') AS words,\n"
     "       avg(value) FILTER (WHERE metric = 'ttr') AS ttr,\n"
     "       avg(value) FILTER (WHERE metric = 'mtld') AS mtld\n"
     "FROM turn_metrics WHERE experiment_id = $exp AND agent IS NOT NULL\n"
     "GROUP BY ALL ORDER BY turn_number, agent"),
    ("Which metrics moved most between the first and last turn (in standard deviations)",
     "-- Metrics live on different scales (counts, rates, similarities), so each change is\n"
     "-- divided by that metric's standard deviation over every turn of the experiment.\n"
     "WITH bounds AS (SELECT conversation_id, min(turn_number) AS first, max(turn_number) AS last\n"
     "                FROM turn_metrics WHERE experiment_id = $exp GROUP BY 1),\n"
     "spread AS (SELECT metric, agent, stddev_pop(value) AS sd FROM turn_metrics\n"
     "           WHERE experiment_id = $exp GROUP BY ALL),\n"
     "moved AS (SELECT t.metric, t.agent,\n"
     "                 avg(t.value) FILTER (WHERE t.turn_number = b.last)\n"
     "                   - avg(t.value) FILTER (WHERE t.turn_number = b.first) AS change\n"
     "          FROM turn_metrics t JOIN bounds b USING (conversation_id)\n"
     "          WHERE t.experiment_id = $exp GROUP BY ALL)\n"
     "SELECT m.metric, m.agent, m.change, m.change / nullif(s.sd, 0) AS change_in_sd\n"
     "FROM moved m JOIN spread s ON s.metric = m.metric AND s.agent IS NOT DISTINCT FROM m.agent\n"
     "ORDER BY abs(change_in_sd) DESC NULLS LAST LIMIT 15"),
    ("End states per model pair",
     "-- One row per end state (or '(none)') with how many conversations fell into it and the\n"
     "-- median turn at which it began; see docs/metrics.md for the detectors.\n"
     "SELECT pair, coalesce(end_state, '(none)') AS end_state, count(*) AS conversations,\n"
     "       median(onset) AS median_onset_turn, median(substantive_turns) AS median_substantive\n"
     "FROM (SELECT agent_a_model || ' x ' || agent_b_model AS pair, substantive_turns,\n"
     "             unnest(CASE WHEN len(end_states) = 0 THEN [NULL] ELSE end_states END)\n"
     "               AS end_state,\n"
     "             unnest(CASE WHEN len(end_states) = 0 THEN [NULL] ELSE end_state_onsets END)\n"
     "               AS onset\n"
     "      FROM conversations WHERE experiment_id = $exp)\n"
     "GROUP BY ALL ORDER BY pair, conversations DESC"),
    ("Messages of the first conversation",
     "SELECT turn_number, agent_id, model, left(content, 200) AS content\n"
     "FROM messages WHERE experiment_id = $exp AND conversation_id = (\n"
     "  SELECT min(conversation_id) FROM conversations WHERE experiment_id = $exp)\n"
     "ORDER BY turn_number, timestamp"),
    ("Event counts", "SELECT event_type, count(*) AS n FROM events WHERE experiment_id = $exp\n"
                     "GROUP BY 1 ORDER BY n DESC"),
)
"""(title, SQL) of each query cell, in order; `$exp` is the experiment id."""

_PLOT = '''\
try:
    import matplotlib.pyplot as plt
except ImportError:
    print("pip install matplotlib pandas for charts")
else:
    rows = q("SELECT turn_number, avg(convergence_score) AS c FROM turn_metrics_wide "
             "WHERE experiment_id = $exp GROUP BY 1 ORDER BY 1")
    records = rows.to_dict("records") if hasattr(rows, "to_dict") else rows
    plt.plot([r["turn_number"] for r in records], [r["c"] for r in records], marker="o")
    plt.xlabel("turn"); plt.ylabel("mean convergence"); plt.ylim(0, 1)
    plt.title(EXPERIMENT_ID); plt.show()
'''

_END_STATE_PLOT = '''\
try:
    import matplotlib.pyplot as plt
except ImportError:
    print("pip install matplotlib pandas for charts")
else:
    rows = q("SELECT coalesce(e, '(none)') AS end_state, count(*) AS n, median(o) AS onset "
             "FROM (SELECT unnest(CASE WHEN len(end_states) = 0 THEN [NULL] ELSE end_states END) "
             "AS e, unnest(CASE WHEN len(end_states) = 0 THEN [NULL] ELSE end_state_onsets END) "
             "AS o FROM conversations WHERE experiment_id = $exp) GROUP BY 1 ORDER BY n DESC")
    records = rows.to_dict("records") if hasattr(rows, "to_dict") else rows
    bars = plt.bar([r["end_state"] for r in records], [r["n"] for r in records])
    for bar, r in zip(bars, records):
        if r["onset"] is not None:
            plt.annotate(f"turn {r['onset']:g}", (bar.get_x() + bar.get_width() / 2,
                         bar.get_height()), ha="center", va="bottom")
    plt.ylabel("conversations"); plt.title("End states (median onset turn above each bar)")
    plt.xticks(rotation=30, ha="right"); plt.tight_layout(); plt.show()
'''


def build_notebook(experiment_id: str, name: str) -> object:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    cells = [
        new_markdown_cell(f"# {name}\n\nAnalysis of experiment `{experiment_id}`. Every cell "
                          "queries `../experiments.duckdb` (run `pidgin-tui import "
                          f"{experiment_id}` first); metric definitions are in "
                          f"`{METRICS_DOC_NAME}` beside this notebook."),
        new_code_cell(_SETUP.format(experiment_id=experiment_id)),
    ]
    for title, sql in QUERIES:
        cells += [new_markdown_cell(f"## {title}"), new_code_cell(f'q("""\n{sql}\n""")')]
    cells += [new_markdown_cell("## Convergence over turns"), new_code_cell(_PLOT),
              new_markdown_cell("## End states"), new_code_cell(_END_STATE_PLOT)]
    for number, cell in enumerate(cells, 1):
        cell.id = f"cell-{number}"  # not nbformat's random ids: the same experiment, the same file
    notebook = new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.validate(notebook)
    return notebook


def write_notebook(experiment_dir: Path, experiment_id: str, name: str) -> Path:
    import nbformat

    path = experiment_dir / NOTEBOOK_NAME
    nbformat.write(build_notebook(experiment_id, name), str(path))
    return path
