"""The message in progress of a detached run, as a throwaway file for pages that follow it.

Token chunks never go to the JSONL (the record holds complete messages), so a process that
follows a run from the disk (the app in a browser follows its detached runs that way) would see
text only message by message. A detached run therefore writes the text of each conversation's
message in progress to `control/live_<conversation id>.txt` (`record.layout`): a first line of
JSON naming the agent and the turn, then the text so far, appended chunk by chunk (no fsync: it
is a view, not the record). The file goes when the message completes, when the conversation
ends and when the run ends. `read_live_text` is its one reader.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pidgin_tui.core.bus import EventBus, Subscription
from pidgin_tui.core.events import (
    ConversationEndEvent,
    Event,
    MessageChunkEvent,
    MessageCompleteEvent,
)
from pidgin_tui.record.layout import control_live_text_file

MAX_LIVE_TEXT_BYTES = 256 * 1024
"""A reader shows at most this much of the end of a message in progress."""


@dataclass(frozen=True, slots=True)
class LiveText:
    """The text so far of one agent's message in one turn (turn as events carry it)."""

    agent_id: str
    turn_number: int
    text: str


class LiveTextWriter:
    """A bus subscriber keeping each conversation's message in progress in its live-text file.

    `experiment_dir` is asked at each event: the directory exists once the run is prepared.
    """

    def __init__(self, experiment_dir: Callable[[], Path | None]) -> None:
        self._experiment_dir = experiment_dir
        self._current: dict[str, tuple[str, int]] = {}
        """Conversation id → (agent, turn) of the message its file holds."""
        self._files: dict[str, Path] = {}
        self._subscriptions: list[Subscription] = []

    def attach(self, bus: EventBus) -> None:
        self._subscriptions = [bus.subscribe(MessageChunkEvent, self._chunk),
                               bus.subscribe(MessageCompleteEvent, self._done),
                               bus.subscribe(ConversationEndEvent, self._done)]

    def _chunk(self, event: Event) -> None:
        assert isinstance(event, MessageChunkEvent)
        conversation_id, directory = event.conversation_id, self._experiment_dir()
        if not conversation_id or directory is None:
            return
        path = self._files.get(conversation_id) or control_live_text_file(directory,
                                                                          conversation_id)
        key = (event.agent_id, event.turn_number)
        try:
            if self._current.get(conversation_id) != key:
                path.parent.mkdir(parents=True, exist_ok=True)
                header = json.dumps({"agent_id": event.agent_id,
                                     "turn_number": event.turn_number})
                path.write_text(f"{header}\n{event.chunk}", encoding="utf-8")
                self._current[conversation_id] = key
                self._files[conversation_id] = path
            else:
                with path.open("a", encoding="utf-8") as out:
                    out.write(event.chunk)
        except OSError:  # a view, not the record: a full disk must not stop the run here
            self._current.pop(conversation_id, None)

    def _done(self, event: Event) -> None:
        if event.conversation_id:
            self._remove(event.conversation_id)

    def _remove(self, conversation_id: str) -> None:
        self._current.pop(conversation_id, None)
        path = self._files.pop(conversation_id, None)
        if path is not None:
            path.unlink(missing_ok=True)

    def close(self) -> None:
        """Stop listening and remove every file still there (the run ended)."""
        for subscription in self._subscriptions:
            subscription.cancel()
        self._subscriptions = []
        for conversation_id in list(self._files):
            self._remove(conversation_id)


def read_live_text(experiment_dir: Path, conversation_id: str) -> LiveText | None:
    """The message in progress of a conversation, or None when no detached run streams one."""
    path = control_live_text_file(experiment_dir, conversation_id)
    try:
        with path.open("rb") as source:
            header = source.readline(1024)
            size = path.stat().st_size
            if size - source.tell() > MAX_LIVE_TEXT_BYTES:
                source.seek(size - MAX_LIVE_TEXT_BYTES)
            body = source.read(MAX_LIVE_TEXT_BYTES)
        fields = json.loads(header)
        agent_id, turn_number = fields["agent_id"], fields["turn_number"]
    except (OSError, ValueError, KeyError, TypeError):  # absent, or caught mid-rewrite
        return None
    if not isinstance(agent_id, str) or not isinstance(turn_number, int):
        return None
    return LiveText(agent_id, turn_number, body.decode("utf-8", errors="replace"))
