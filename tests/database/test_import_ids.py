"""The importer gives every row the conversation id the one reader gives its events.

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


def _write(exp_dir: Path, conversation_id: str) -> None:
    ids = {"experiment_id": "abc12345", "conversation_id": conversation_id}
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
