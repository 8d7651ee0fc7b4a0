"""Browser filters: by name, model, status and end reason."""

from __future__ import annotations

from pathlib import Path

from pidgin_tui.experiments.monitor_state import MonitorState
from pidgin_tui.experiments.row_filter import filter_rows, parse_query
from pidgin_tui.experiments.synthetic import write_experiment


def test_parse_query_fields_and_bare_words() -> None:
    terms = parse_query("status:failed Claude end: name:x")
    assert [(t.field, t.text) for t in terms] == [("status", "failed"), (None, "claude"),
                                                  ("name", "x")]


def test_filters_by_field(tmp_path: Path) -> None:
    write_experiment(tmp_path, "aa", "alpha", conversations=2, model="local:test")
    write_experiment(tmp_path, "bb", "beta", conversations=1, running=1, model="local:instant",
                     pid=None)
    rows = MonitorState(tmp_path, tail_jsonl=False).refresh()
    assert [r.experiment_id for r, _ in filter_rows(rows, "name:alpha")] == ["aa"]
    assert [r.experiment_id for r, _ in filter_rows(rows, "model:instant")] == ["bb"]
    found = filter_rows(rows, "status:completed end:max_turns")
    assert {r.experiment_id: len(c) for r, c in found} == {"aa": 2, "bb": 1}
    assert filter_rows(rows, "nothing-like-this") == []
    assert len(filter_rows(rows, "")) == 2
