"""`--json` prints exactly one JSON object, with the shape docs/json.md gives, also when there
is nothing to show (a script can always read `["experiments"]`, `["rows"]`, ...)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pidgin_tui.cli import main
from tests.analysis_fixtures import run_experiment

EMPTY_ROOT_COMMANDS: dict[str, tuple[list[str], set[str]]] = {
    "list": (["list", "--json"], {"output_root", "experiments", "hint"}),
    "monitor": (["monitor", "--json"], {"output_root", "experiments"}),
    "doctor": (["doctor", "--json"], {"output_root", "experiments"}),
    "search": (["search", "anything", "--json"], {"query", "total", "ranked", "hits"}),
}


def _one_object(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    out = capsys.readouterr().out
    data = json.loads(out)  # one JSON value and nothing else on stdout
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("name", list(EMPTY_ROOT_COMMANDS))
def test_nothing_to_show_is_still_one_object(name: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    argv, keys = EMPTY_ROOT_COMMANDS[name]
    assert main(["--output", str(tmp_path), *argv]) == 0
    data = _one_object(capsys)
    assert set(data) == keys
    listed = data.get("experiments", data.get("hits"))
    assert listed == []


def test_list_monitor_and_query_wrap_their_rows(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "root"
    experiment = run_experiment(root, repetitions=2, max_turns=2, think=False)
    out = ["--output", str(root)]

    assert main([*out, "list", "--json"]) == 0
    listed = _one_object(capsys)
    assert listed["output_root"] == str(root) and listed["hint"] is None
    assert [e["path"] for e in listed["experiments"]] == [str(experiment)]  # type: ignore[index]

    assert main([*out, "monitor", "--json"]) == 0
    rows = _one_object(capsys)["experiments"]
    assert isinstance(rows, list) and rows[0]["completed"] == 2

    assert main([*out, "import", "--all"]) == 0
    capsys.readouterr()
    assert main([*out, "query", "--json", "SELECT agent_id, count(*) AS n FROM messages "
                 "WHERE false GROUP BY 1"]) == 0
    assert _one_object(capsys) == {"columns": ["agent_id", "n"], "rows": [], "row_count": 0,
                                   "truncated": False}
    assert main([*out, "query", "--json", "--limit", "1",
                 "SELECT agent_id FROM messages ORDER BY 1"]) == 0
    limited = _one_object(capsys)
    assert limited["row_count"] == 1 and limited["truncated"] is True
    assert limited["rows"] == [{"agent_id": "agent_a"}]
