"""A manifest update costs what changed: the summary stays small, conversations go to a log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pidgin_tui.record import manifest as manifest_module
from pidgin_tui.record.layout import STATE_LOG_NAME
from pidgin_tui.record.manifest import (
    COMPACT_FACTOR,
    ConversationEntry,
    ManifestWriter,
    new_manifest,
    read_manifest,
)

CONVERSATIONS = 2_000


def _writer(tmp_path: Path, conversations: int = CONVERSATIONS) -> ManifestWriter:
    data = new_manifest("e1", "cost", {}, conversations, "2026-12-01T00:00:00.000Z")
    data.conversations = {f"e1_{i:04d}": ConversationEntry(status="running")
                          for i in range(conversations)}
    writer = ManifestWriter(tmp_path / "manifest.json", data)
    writer.write()
    return writer


def test_one_conversation_changing_appends_one_line_and_keeps_the_summary_small(
        tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    summary, log = tmp_path / "manifest.json", tmp_path / STATE_LOG_NAME
    assert len(log.read_bytes().splitlines()) == CONVERSATIONS
    summary_size = summary.stat().st_size
    assert summary_size < 2_000 and "conversations" not in json.loads(summary.read_text())

    entry = writer.data.conversations["e1_0007"]
    entry.status, entry.turns_completed = "completed", 5
    writer.data.completed_conversations = 1
    writer.mark_dirty("e1_0007")
    writer.write()
    lines = log.read_bytes().splitlines()
    assert len(lines) == CONVERSATIONS + 1
    assert json.loads(lines[-1])["conversation_id"] == "e1_0007"
    assert abs(summary.stat().st_size - summary_size) < 50

    read = read_manifest(tmp_path)
    assert read is not None and len(read.conversations) == CONVERSATIONS
    assert read.conversations["e1_0007"] == ConversationEntry(status="completed",
                                                              turns_completed=5)
    assert read.completed_conversations == 1


def test_a_torn_log_line_is_skipped_and_a_new_writer_compacts_the_log(tmp_path: Path) -> None:
    writer = _writer(tmp_path)
    log = tmp_path / STATE_LOG_NAME
    with log.open("ab") as handle:
        handle.write(b'{"conversation_id":"e1_0001","status":"comp')  # cut by a crash
    read = read_manifest(tmp_path)
    assert read is not None and read.conversations["e1_0001"].status == "running"
    again = ManifestWriter(tmp_path / "manifest.json", read)  # as resume does
    again.write()
    assert len(log.read_bytes().splitlines()) == CONVERSATIONS  # one line each again
    assert writer.writes == 1


def test_a_schema_1_manifest_with_its_conversations_inline_still_reads(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps(
        {"experiment_id": "old", "conversations": {"old_0001": {"status": "completed"}}}))
    read = read_manifest(tmp_path)
    assert read is not None and read.conversations == {
        "old_0001": ConversationEntry(status="completed")}


def test_the_log_is_compacted_once_it_grows_past_a_few_lines_per_conversation(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(manifest_module.os, "fsync", lambda fd: None)  # durability not tested
    monkeypatch.setattr(manifest_module, "COMPACT_SLACK", 20)
    writer = _writer(tmp_path, conversations=50)
    log = tmp_path / STATE_LOG_NAME
    limit = COMPACT_FACTOR * 50 + 20 + 1
    sizes = []
    for step in range(3 * limit):  # one conversation changing many times
        writer.data.conversations["e1_0003"].turns_completed = step
        writer.mark_dirty("e1_0003")
        writer.write()
        sizes.append(len(log.read_bytes().splitlines()))
    assert max(sizes) <= limit and min(sizes[limit:]) < limit // 2  # compacted, twice
    read = read_manifest(tmp_path)
    assert read is not None and read.conversations["e1_0003"].turns_completed == step


def test_flush_writes_only_what_is_not_written_yet(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # The end of a run writes the manifest once (its completion), not once more on close.
    fsyncs: list[int] = []
    monkeypatch.setattr(manifest_module.os, "fsync", fsyncs.append)
    writer = _writer(tmp_path, conversations=3)
    writes = writer.writes
    fsyncs.clear()
    writer.flush()
    assert writer.writes == writes and not fsyncs
    writer.data.conversations["e1_0001"].turns_completed = 4
    writer.mark_dirty("e1_0001")
    writer.flush()
    assert writer.writes == writes + 1
    assert read_manifest(tmp_path).conversations["e1_0001"].turns_completed == 4  # type: ignore[union-attr]


def test_a_fresh_write_fsyncs_the_directory_once_for_both_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pidgin_tui.core import files

    synced: list[int] = []
    directories: list[Path] = []
    monkeypatch.setattr(manifest_module.os, "fsync", synced.append)
    monkeypatch.setattr(files, "fsync_directory", directories.append)
    _writer(tmp_path, conversations=3)  # replaces the state log and the summary
    assert directories == [tmp_path] and len(synced) == 2  # each file, then their names
