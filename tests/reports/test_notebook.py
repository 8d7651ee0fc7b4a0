"""analysis.ipynb is valid nbformat, inlines no data, and every cell runs against a freshly
imported database."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import nbformat
import pytest

from pidgin_tui.database.event_store import EventStore
from pidgin_tui.reports.notebook import QUERIES, write_notebook
from tests.analysis_fixtures import copy_experiment


def test_notebook_is_valid_and_every_cell_runs_on_a_fresh_import(
        experiment: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exp = copy_experiment(experiment, tmp_path)
    report = EventStore(tmp_path / "experiments" / "experiments.duckdb").import_experiment(exp)
    path = write_notebook(exp, report.experiment_id, "fixture")
    notebook = nbformat.read(str(path), as_version=4)
    nbformat.validate(notebook)
    assert path.stat().st_size < 20_000, "the notebook must query, not inline data"
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    assert sum('q("""' in c for c in code) == len(QUERIES)
    monkeypatch.chdir(exp)
    namespace: dict[str, object] = {}
    results = []
    with contextlib.redirect_stdout(io.StringIO()):
        for source in code:
            exec(compile(source, "analysis.ipynb", "exec"), namespace)  # noqa: S102
            if source.startswith('q("""'):
                results.append(eval(compile(source, "analysis.ipynb", "eval"), namespace))
    assert len(results) == len(QUERIES)
    assert all(len(rows) > 0 for rows in results), "every query returns rows"
    conversations = results[1]
    assert len(conversations) == 3 and conversations[0]["status"] == "completed"


def test_the_same_experiment_writes_the_same_notebook(tmp_path: Path) -> None:
    first = write_notebook(tmp_path, "abc123", "fixture").read_bytes()
    assert write_notebook(tmp_path, "abc123", "fixture").read_bytes() == first
    ids = [cell.id for cell in nbformat.reads(first.decode(), as_version=4).cells]
    assert len(set(ids)) == len(ids)
