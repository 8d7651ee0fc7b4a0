"""ConversationRepository: one row per conversation with models, settings and outcome."""

from __future__ import annotations

from typing import Any

from pidgin_tui.database.repositories.base import BaseRepository


class ConversationRepository(BaseRepository):
    table = "conversations"

    def for_experiment(self, experiment_id: str) -> list[dict[str, Any]]:
        return self.rows("SELECT * FROM conversations WHERE experiment_id = ? "
                         "ORDER BY repetition, conversation_id", [experiment_id])

    def get(self, conversation_id: str) -> dict[str, Any] | None:
        return self.one("SELECT * FROM conversations WHERE conversation_id = ?",
                        [conversation_id])

    def outcomes(self, experiment_id: str) -> list[dict[str, Any]]:
        """Conversations per status and end reason, with mean turns and convergence."""
        return self.rows(
            "SELECT status, end_reason, count(*) AS conversations, "
            "avg(total_turns) AS mean_turns, avg(final_convergence) AS mean_final_convergence "
            "FROM conversations WHERE experiment_id = ? GROUP BY ALL ORDER BY conversations DESC",
            [experiment_id])
