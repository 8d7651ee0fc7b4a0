"""The message in progress of a detached run, as throwaway files for pages that follow it.

Token chunks never go to the JSONL (the record holds complete messages), so a process that
follows a run from the disk (the app in a browser follows its detached runs that way) would see
text only message by message. A detached run, new or resumed, therefore writes each
conversation's message in progress to `control/live_<conversation id>.txt` and the thinking that
precedes it to `control/live_<conversation id>.thinking.txt` (`record.layout`): a first line of
JSON naming the agent, the turn and the writer's pid, then the text so far, appended chunk by
chunk (no fsync: it is a view, not the record). The files go when the message completes, when
the conversation ends and when the run ends.

A run killed outright (SIGKILL, a crash) cannot remove them. Such a file is stale when its
writer no longer holds the experiment's lock (`record.lock`: the kernel frees it when its holder
dies, so a reused pid cannot fool it): `read_live_text` ignores it and removes it when no process
writes the experiment, and a resume clears them all (`clear_live_text`) before it writes.
`read_live_text` is the one reader.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pidgin_tui.core.bus import EventBus, Subscription
from pidgin_tui.core.events import (
    ConversationEndEvent,
    Event,
    MessageChunkEvent,
    MessageCompleteEvent,
    ThinkingChunkEvent,
)
from pidgin_tui.core.types import AgentId
from pidgin_tui.record.layout import control_live_text_file, control_live_text_files
from pidgin_tui.record.lock import holder_pid

MAX_LIVE_TEXT_BYTES = 256 * 1024
"""A reader shows at most this much of the end of a message (or its thinking) in progress."""


@dataclass(frozen=True, slots=True)
class LiveText:
    """The text so far of one agent's message in one turn (turn as events carry it), and the
    thinking streamed before or alongside it."""

    agent_id: AgentId
    turn_number: int
    text: str
    thinking: str = ""


class LiveTextWriter:
    """A bus subscriber keeping each conversation's message in progress in its live-text files.

    `experiment_dir` is asked at each event: the directory exists once the run is prepared.
    """

    def __init__(self, experiment_dir: Callable[[], Path | None]) -> None:
        self._experiment_dir = experiment_dir
        self._current: dict[tuple[str, bool], tuple[str, int]] = {}
        """(conversation id, thinking) → (agent, turn) of the text its file holds."""
        self._files: dict[tuple[str, bool], Path] = {}
        self._subscriptions: list[Subscription] = []

    def attach(self, bus: EventBus) -> None:
        self._subscriptions = [bus.subscribe(MessageChunkEvent, self._chunk),
                               bus.subscribe(ThinkingChunkEvent, self._chunk),
                               bus.subscribe(MessageCompleteEvent, self._done),
                               bus.subscribe(ConversationEndEvent, self._done)]

    def _chunk(self, event: Event) -> None:
        assert isinstance(event, MessageChunkEvent | ThinkingChunkEvent)
        conversation_id, directory = event.conversation_id, self._experiment_dir()
        if not conversation_id or directory is None:
            return
        thinking = isinstance(event, ThinkingChunkEvent)
        slot = (conversation_id, thinking)
        path = self._files.get(slot) or control_live_text_file(directory, conversation_id,
                                                               thinking=thinking)
        key = (event.agent_id, event.turn_number)
        try:
            if self._current.get(slot) != key:
                path.parent.mkdir(parents=True, exist_ok=True)
                header = json.dumps({"agent_id": event.agent_id,
                                     "turn_number": event.turn_number, "pid": os.getpid()})
                path.write_text(f"{header}\n{event.chunk}", encoding="utf-8")
                self._current[slot] = key
                self._files[slot] = path
            else:  # a bare append: a third of the cost of opening a text file per chunk
                fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
                try:
                    os.write(fd, event.chunk.encode("utf-8"))
                finally:
                    os.close(fd)
        except OSError:  # a view, not the record: a full disk must not stop the run here
            self._current.pop(slot, None)  # (a vanished file starts afresh at the next chunk)

    def _done(self, event: Event) -> None:
        if event.conversation_id:
            self._remove(event.conversation_id)

    def _remove(self, conversation_id: str) -> None:
        for slot in ((conversation_id, False), (conversation_id, True)):
            self._current.pop(slot, None)
            path = self._files.pop(slot, None)
            if path is not None:
                path.unlink(missing_ok=True)

    def close(self) -> None:
        """Stop listening and remove every file still there (the run ended)."""
        for subscription in self._subscriptions:
            subscription.cancel()
        self._subscriptions = []
        for conversation_id, _thinking in list(self._files):
            self._remove(conversation_id)


def clear_live_text(experiment_dir: Path) -> int:
    """Remove every live-text file (a writer that died left them); call it holding the
    experiment's lock, before writing. Returns how many were removed."""
    removed = 0
    for path in control_live_text_files(experiment_dir):
        try:
            path.unlink()
            removed += 1
        except OSError:
            pass
    return removed


def read_live_text(experiment_dir: Path, conversation_id: str) -> LiveText | None:
    """The message in progress of a conversation, or None when no live run streams one."""
    text_part = _read(control_live_text_file(experiment_dir, conversation_id))
    thinking_part = _read(control_live_text_file(experiment_dir, conversation_id, thinking=True))
    header = (text_part or thinking_part or (None, ""))[0]
    if header is None:
        return None
    if not _writer_alive(experiment_dir, header[2]):
        if holder_pid(experiment_dir) is None:  # nobody writes the experiment: tidy up
            for kind in (False, True):
                control_live_text_file(experiment_dir, conversation_id,
                                       thinking=kind).unlink(missing_ok=True)
        return None
    text = text_part[1] if text_part is not None and text_part[0] == header else ""
    thinking = thinking_part[1] if thinking_part is not None and thinking_part[0] == header \
        else ""
    return LiveText(header[0], header[1], text, thinking)


def _writer_alive(experiment_dir: Path, pid: int) -> bool:
    """The file's writer still holds the experiment's lock (so it is still running it)."""
    return holder_pid(experiment_dir) == pid


def _read(path: Path) -> tuple[tuple[AgentId, int, int], str] | None:
    """A live file's header (agent, turn, writer pid) and its text, or None (absent, caught
    mid-rewrite, or not one of ours)."""
    try:
        with path.open("rb") as source:
            first = source.readline(1024)
            size = path.stat().st_size
            if size - source.tell() > MAX_LIVE_TEXT_BYTES:
                source.seek(size - MAX_LIVE_TEXT_BYTES)
            body = source.read(MAX_LIVE_TEXT_BYTES)
        fields = json.loads(first)
        agent_id, turn_number, pid = AgentId(fields["agent_id"]), fields["turn_number"], \
            fields["pid"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not all(
            isinstance(n, int) and not isinstance(n, bool) for n in (turn_number, pid)):
        return None
    return (agent_id, turn_number, pid), body.decode("utf-8", errors="replace")
