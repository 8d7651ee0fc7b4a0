"""Both ways the import reads a batch's lines give the same rows.

Lines are first read as text and parsed once (`import_sql.STAGE_TEXT_SQL`); a batch with a
malformed line, or with blanks around a line, is read again by DuckDB's JSON reader
(`STAGE_SQL`), which finds the lines it cannot parse. Every table must come out the same either
way, for a clean experiment and for one whose lines need the second reading, and whether a
batch is staged in one part or in several at once (`database.staging`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pidgin_tui.database import importer, staging
from pidgin_tui.database.event_store import EventStore
from pidgin_tui.record.layout import conversation_files
from tests.analysis_fixtures import copy_experiment

TABLES = ("experiments", "conversations", "messages", "events", "turn_metrics_wide",
          "turn_metrics_extra", "turn_metrics")


def _tables(store: EventStore) -> dict[str, list[Any]]:
    tables = {}
    for table in TABLES:
        columns = [row[0] for row in store.query(f"DESCRIBE {table}", limit=None).rows
                   if row[0] != "imported_at"]
        names = ", ".join(f'"{name}"' for name in columns)
        tables[table] = store.query(f"SELECT {names} FROM {table} ORDER BY ALL",
                                    limit=None).rows
    return tables


def _import(tmp_path: Path, experiment_dir: Path, name: str) -> tuple[Any, dict[str, list[Any]]]:
    store = EventStore(tmp_path / f"{name}.duckdb")
    report = store.import_experiment(experiment_dir)
    return (report.events, report.skipped_lines, report.problems), _tables(store)


def _fails(monkeypatch: pytest.MonkeyPatch, reading: str) -> None:
    monkeypatch.setattr(staging, reading, "SELECT error('not this way')")


def _staged_in(monkeypatch: pytest.MonkeyPatch, parts: int) -> None:
    """Stage every batch in `parts` at once, whatever the machine's load."""
    monkeypatch.setattr(importer, "part_count", lambda files: parts)


@pytest.mark.parametrize("batch_bytes", [None, 1])
def test_a_batch_staged_in_parts_imports_as_one_staged_whole(
        experiment: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        batch_bytes: int | None) -> None:
    if batch_bytes is not None:  # one file a batch: fewer files than parts in each
        monkeypatch.setattr(importer, "BATCH_BYTES", batch_bytes)
    _staged_in(monkeypatch, 1)
    whole = _import(tmp_path, experiment, "whole")
    for parts in (2, 3):
        _staged_in(monkeypatch, parts)
        assert _import(tmp_path, experiment, f"parts{parts}") == whole
    assert whole[1]["messages"] and whole[1]["turn_metrics_wide"]


def test_the_files_are_dealt_into_parts_of_about_the_same_size(tmp_path: Path) -> None:
    sizes = [50, 40, 30, 20, 10, 10]
    files = []
    for index, size in enumerate(sizes):
        files.append(tmp_path / f"f{index}")
        files[-1].write_bytes(b"x" * size)
    groups = staging.split_files(files, 2)
    assert sorted(sum(f.stat().st_size for f in group) for group in groups) == [80, 80]
    assert sorted(f for group in groups for f in group) == sorted(files)
    assert staging.split_files(files[:1], 3) == [files[:1]]


def test_a_clean_experiment_imports_the_same_either_way(
        experiment: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        _fails(patch, "STAGE_SQL")  # read as text alone
        text = _import(tmp_path, experiment, "text")
    _fails(monkeypatch, "STAGE_TEXT_SQL")
    json = _import(tmp_path, experiment, "json")
    assert text == json
    assert text[1]["messages"]


@pytest.mark.parametrize("batch_bytes", [None, 1])
@pytest.mark.parametrize("damage", ["blanks around a line", "crlf", "malformed line",
                                    "torn last line"])
def test_lines_that_need_the_json_reader_import_as_it_reads_them(
        experiment: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str,
        batch_bytes: int | None) -> None:
    """One batch, or one file a batch (then the damaged file is read again in a later batch,
    between two of the import's transactions)."""
    if batch_bytes is not None:
        monkeypatch.setattr(importer, "BATCH_BYTES", batch_bytes)
    copy = copy_experiment(experiment, tmp_path / "root")
    path = conversation_files(copy)[0]
    lines = path.read_bytes().splitlines()
    if damage == "blanks around a line":
        lines[2] = b"  " + lines[2] + b"\t"
    elif damage == "crlf":
        lines = [line + b"\r" for line in lines]
    elif damage == "malformed line":
        lines.insert(3, b'{"event_type": "TurnStartEvent", "seq":')
    data = b"\n".join(lines) + b"\n"
    path.write_bytes(data[:-20] if damage == "torn last line" else data)
    _staged_in(monkeypatch, 2)  # the first reading in parts, the second of the batch whole
    read = _import(tmp_path, copy, "read")
    _fails(monkeypatch, "STAGE_TEXT_SQL")
    assert read == _import(tmp_path, copy, "json")
    skipped = damage in ("malformed line", "torn last line")
    assert read[0][1] == (1 if skipped else 0)
