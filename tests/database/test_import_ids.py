"""The importer gives every row the conversation id the one reader gives its events, and the
experiment's own id.

Conversation lines leave their ids to the file's name (`record.jsonl`), and the importer reads
them back from the names in SQL: any name the two read differently would import a message
without its conversation (`NOT NULL constraint failed: messages.conversation_id`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pidgin_tui.core import events as ev
from pidgin_tui.database.event_store import EventStore
from pidgin_tui.record.jsonl import JsonlWriter, read_all_events
from pidgin_tui.record.layout import conversation_files, conversation_jsonl_name

CONVERSATION_IDS = ["abc12345_0001", "a_events", "x-1.2", "b_conv_", ""]


def _write(exp_dir: Path, conversation_id: str, experiment_id: str = "abc12345") -> None:
    ids = {"experiment_id": experiment_id, "conversation_id": conversation_id}
    writer = JsonlWriter(exp_dir / conversation_jsonl_name(conversation_id))
    events: list[ev.Event] = [
        ev.ConversationStartEvent(**ids, agent_a_model="local:instant",
                                  agent_b_model="local:instant", max_turns=1),
        ev.TurnStartEvent(**ids, turn_number=1),
        ev.MessageCompleteEvent(**ids, agent_id="agent_a", turn_number=1, content="hi"),
        ev.TokenUsageEvent(**ids, agent_id="agent_a", turn_number=1, model="local:instant",
                           provider="local", input_tokens=3, output_tokens=1),
        ev.TurnCompleteEvent(**ids, turn_number=1),
        ev.ConversationEndEvent(**ids, reason="max_turns", total_turns=1),
    ]
    for seq, event in enumerate(events, 1):
        event.seq = seq
        writer.write(event)
    writer.close()


@pytest.mark.parametrize("batch_bytes", [None, 1])
def test_every_file_name_imports_the_ids_the_reader_reads(
        tmp_path: Path, batch_bytes: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    if batch_bytes is not None:
        from pidgin_tui.database import importer

        monkeypatch.setattr(importer, "BATCH_BYTES", batch_bytes)
    exp_dir = tmp_path / "experiments" / "experiment_abc12345_ids_20260101"
    exp_dir.mkdir(parents=True)
    for conversation_id in CONVERSATION_IDS:
        _write(exp_dir, conversation_id)
    read = sorted({e.conversation_id or "" for path in conversation_files(exp_dir)
                   for e in read_all_events(path).events})
    assert read == sorted(CONVERSATION_IDS)
    store = EventStore(tmp_path / "db.duckdb")
    report = store.import_experiment(exp_dir)
    assert report.messages == len(CONVERSATION_IDS)
    for table in ("messages", "conversations", "turn_metrics_wide"):
        rows = store.query(f"SELECT conversation_id FROM {table} ORDER BY 1", limit=None).rows
        assert sorted(r[0] for r in rows) == read, table


def _experiment_ids(store: EventStore) -> dict[str, list[str]]:
    """Each experiment id in the database -> its conversations."""
    rows = store.query("SELECT experiment_id, conversation_id FROM conversations ORDER BY 1, 2",
                       limit=None).rows
    found: dict[str, list[str]] = {}
    for experiment_id, conversation_id in rows:
        found.setdefault(experiment_id, []).append(conversation_id)
    return found


def test_a_damaged_manifest_never_files_the_rows_under_another_experiment(
        tmp_path: Path) -> None:
    """Without a readable manifest the id is the experiment's own (its start event's, else its
    directory's), even when a conversation's lines name another experiment: its rows must not
    replace that experiment's."""
    experiments = tmp_path / "experiments"
    other = experiments / "experiment_bbb22222_other_20260101"
    other.mkdir(parents=True)
    _write(other, "bbb22222_0001", "bbb22222")
    mine = experiments / "experiment_aaa11111_mine_20260101"
    mine.mkdir()
    _write(mine, "aaa11111_0001", "aaa11111")
    _write(mine, "bbb22222_0002", "bbb22222")  # its lines name the other experiment
    (mine / "manifest.json").write_text("{damaged")
    store = EventStore(tmp_path / "db.duckdb")
    store.import_experiment(other)
    report = store.import_experiment(mine)
    assert report.experiment_id == "aaa11111"
    assert _experiment_ids(store) == {"aaa11111": ["aaa11111_0001", "bbb22222_0002"],
                                      "bbb22222": ["bbb22222_0001"]}

    renamed = mine.rename(experiments / "renamed")  # no id left in name or manifest
    (renamed / "conv_bbb22222_0002_events.jsonl").unlink()
    assert store.import_experiment(renamed).experiment_id == "renamed"
    started = ev.ExperimentStartEvent(experiment_id="aaa11111", name="mine")
    writer = JsonlWriter(renamed / "experiment_events.jsonl")
    writer.write(started)
    writer.close()
    assert store.import_experiment(renamed).experiment_id == "aaa11111"
