"""The turns of a conversation that the live store no longer holds, read from its record."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pidgin_tui.record.conversation import TRANSCRIPT_EVENTS, ConversationRecord
from pidgin_tui.tui.state import MessageState


class RecordedTurns:
    """One conversation's JSONL, read on a worker thread through `ConversationRecord` as the
    transcript view reads it: whole the first time, then only what was appended since."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._record: ConversationRecord | None = None

    async def before(self, turn: int) -> dict[int, dict[str, MessageState]]:
        """The complete messages of the turns before `turn`, by turn, in speaking order."""
        record = self._record
        if record is None:
            record = self._record = await asyncio.to_thread(
                ConversationRecord.read, self.path, types=TRANSCRIPT_EVENTS)
        elif not any(message.turn_number == turn - 1 for message in record.messages):
            await asyncio.to_thread(record.read_more, TRANSCRIPT_EVENTS)
        turns: dict[int, dict[str, MessageState]] = {}
        for event in record.complete_messages:
            if event.turn_number < turn:
                turns.setdefault(event.turn_number, {})[event.agent_id] = MessageState(
                    event.agent_id, event.turn_number, content=event.content,
                    thinking_chunks=[event.thinking] if event.thinking else [])
        return turns
