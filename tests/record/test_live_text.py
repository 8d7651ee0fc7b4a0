"""The message in progress of a detached run on disk: written chunk by chunk, gone when done;
its thinking beside it; stale files of a killed writer ignored and tidied."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.events import (
    ConversationEndEvent,
    MessageChunkEvent,
    MessageCompleteEvent,
    ThinkingChunkEvent,
)
from pidgin_tui.record.layout import control_live_text_file, control_live_text_files
from pidgin_tui.record.live_text import (
    LiveText,
    LiveTextWriter,
    clear_live_text,
    read_live_text,
)
from pidgin_tui.record.lock import ExperimentLock

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def writing(tmp_path: Path) -> Iterator[ExperimentLock]:
    """This process writes the experiment in `tmp_path` (a live file's writer holds its lock)."""
    with ExperimentLock.acquire(tmp_path) as lock:
        yield lock


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


async def test_thinking_streams_beside_the_reply_and_goes_with_it(tmp_path: Path) -> None:
    bus, writer = EventBus(), LiveTextWriter(lambda: tmp_path)
    writer.attach(bus)
    await bus.publish(ThinkingChunkEvent(conversation_id="c1", agent_id="agent_b",
                                         turn_number=2, chunk="Let me see. "))
    await bus.publish(ThinkingChunkEvent(conversation_id="c1", agent_id="agent_b",
                                         turn_number=2, chunk="[red]Hmm[/]"))
    assert read_live_text(tmp_path, "c1") == LiveText("agent_b", 2, "", "Let me see. [red]Hmm[/]")
    await bus.publish(_chunk("c1", "Answer", agent="agent_b", turn=2))
    assert read_live_text(tmp_path, "c1") == LiveText("agent_b", 2, "Answer",
                                                      "Let me see. [red]Hmm[/]")
    await bus.publish(MessageCompleteEvent(conversation_id="c1", agent_id="agent_b",
                                           turn_number=2, content="Answer"))
    assert read_live_text(tmp_path, "c1") is None
    assert control_live_text_files(tmp_path) == []


async def test_a_file_whose_writer_no_longer_holds_the_lock_is_ignored_then_removed(
        tmp_path: Path, writing: ExperimentLock) -> None:
    bus, writer = EventBus(), LiveTextWriter(lambda: tmp_path)
    writer.attach(bus)
    await bus.publish(_chunk("c1", "half a thou"))
    await bus.publish(ThinkingChunkEvent(conversation_id="c1", agent_id="agent_a",
                                         turn_number=0, chunk="hmm"))
    writing.release()  # as if the writer died: the kernel frees its lock
    assert read_live_text(tmp_path, "c1") is None
    assert control_live_text_files(tmp_path) == [], "nobody writes it: tidied"


def test_a_file_of_another_pid_while_a_new_writer_holds_the_lock_is_ignored_not_removed(
        tmp_path: Path) -> None:
    path = control_live_text_file(tmp_path, "c1")
    path.parent.mkdir(parents=True)
    path.write_text('{"agent_id": "agent_a", "turn_number": 1, "pid": 1}\nold', encoding="utf-8")
    assert read_live_text(tmp_path, "c1") is None
    assert path.exists(), "the writer holding the lock clears it itself (clear_live_text)"
    assert clear_live_text(tmp_path) == 1 and not path.exists()


WRITER = """
import asyncio, sys
sys.path.insert(0, sys.argv[2])
from pathlib import Path
from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.events import MessageChunkEvent
from pidgin_tui.record.live_text import LiveTextWriter
from pidgin_tui.record.lock import ExperimentLock

async def main():
    directory = Path(sys.argv[1])
    lock = ExperimentLock.acquire(directory)
    bus = EventBus()
    LiveTextWriter(lambda: directory).attach(bus)
    await bus.publish(MessageChunkEvent(conversation_id="c1", agent_id="agent_a",
                                        turn_number=1, chunk="cut short"))
    print("ready", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


def test_the_file_of_a_sigkilled_writer_is_recognised_as_stale_and_removed(
        tmp_path: Path, writing: ExperimentLock) -> None:
    writing.release()
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(REPO)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        assert read_live_text(tmp_path, "c1") == LiveText("agent_a", 1, "cut short")
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert control_live_text_file(tmp_path, "c1").exists(), "a killed writer cannot tidy"
    assert read_live_text(tmp_path, "c1") is None
    assert not control_live_text_file(tmp_path, "c1").exists()
