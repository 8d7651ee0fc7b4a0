"""MessageRepository: every message's full text, thinking, tokens and timing."""

from __future__ import annotations

from typing import Any

from pidgin_tui.database.repositories.base import BaseRepository


class MessageRepository(BaseRepository):
    table = "messages"

    def for_conversation(self, conversation_id: str) -> list[dict[str, Any]]:
        """Messages in speaking order (turn, then the time each was completed)."""
        return self.rows("SELECT * FROM messages WHERE conversation_id = ? "
                         "ORDER BY turn_number, timestamp, agent_id", [conversation_id])

    def search(self, experiment_id: str, text: str, limit: int = 50) -> list[dict[str, Any]]:
        """Messages containing `text` (case-insensitive)."""
        return self.rows("SELECT * FROM messages WHERE experiment_id = ? AND content ILIKE ? "
                         "ORDER BY conversation_id, turn_number LIMIT ?",
                         [experiment_id, f"%{text}%", limit])
