"""The message in progress of a detached run on disk: written chunk by chunk, gone when done."""

from __future__ import annotations

from pathlib import Path

from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.events import ConversationEndEvent, MessageChunkEvent, MessageCompleteEvent
from pidgin_tui.record.layout import control_live_text_file
from pidgin_tui.record.live_text import LiveText, LiveTextWriter, read_live_text


def _chunk(conversation_id: str, text: str, agent: str = "agent_a",
           turn: int = 0) -> MessageChunkEvent:
    return MessageChunkEvent(conversation_id=conversation_id, agent_id=agent, turn_number=turn,
                             chunk=text)


async def test_the_file_tracks_chunks_and_clears_on_each_complete_message(tmp_path: Path) -> None:
    bus, writer = EventBus(), LiveTextWriter(lambda: tmp_path)
    writer.attach(bus)
    assert read_live_text(tmp_path, "c1") is None
    await bus.publish(_chunk("c1", "Hello "))
    await bus.publish(_chunk("c1", "[bold]world[/]"))
    await bus.publish(_chunk("c2", "other", agent="agent_b", turn=3))
    assert read_live_text(tmp_path, "c1") == LiveText("agent_a", 0, "Hello [bold]world[/]")
    assert read_live_text(tmp_path, "c2") == LiveText("agent_b", 3, "other")

    await bus.publish(MessageCompleteEvent(conversation_id="c1", agent_id="agent_a",
                                           turn_number=0, content="Hello [bold]world[/]"))
    assert read_live_text(tmp_path, "c1") is None
    assert not control_live_text_file(tmp_path, "c1").exists()
    # the next message starts a fresh file: nothing of the previous one is left in it
    await bus.publish(_chunk("c1", "Bonjour", agent="agent_b"))
    assert read_live_text(tmp_path, "c1") == LiveText("agent_b", 0, "Bonjour")
    await bus.publish(_chunk("c1", "Again", agent="agent_a", turn=1))
    assert read_live_text(tmp_path, "c1") == LiveText("agent_a", 1, "Again")

    await bus.publish(ConversationEndEvent(conversation_id="c2", reason="stopped",
                                           total_turns=3))
    assert read_live_text(tmp_path, "c2") is None
    assert read_live_text(tmp_path, "c1") is not None


async def test_the_run_ending_removes_every_file_and_stops_listening(tmp_path: Path) -> None:
    bus, writer = EventBus(), LiveTextWriter(lambda: tmp_path)
    writer.attach(bus)
    await bus.publish(_chunk("c1", "half a thou"))
    await bus.publish(_chunk("c2", "half a thou"))
    writer.close()
    assert not list(control_live_text_file(tmp_path, "c1").parent.iterdir())
    await bus.publish(_chunk("c1", "more"))
    assert read_live_text(tmp_path, "c1") is None


async def test_no_directory_yet_and_damaged_files_show_nothing(tmp_path: Path) -> None:
    bus = EventBus()
    LiveTextWriter(lambda: None).attach(bus)
    await bus.publish(_chunk("c1", "lost"))
    assert read_live_text(tmp_path, "c1") is None
    path = control_live_text_file(tmp_path, "c1")
    path.parent.mkdir(parents=True)
    path.write_text("not json\ntext", encoding="utf-8")
    assert read_live_text(tmp_path, "c1") is None
    path.write_text('{"agent_id": 1, "turn_number": 0}\ntext', encoding="utf-8")
    assert read_live_text(tmp_path, "c1") is None
