"""MetricsRepository: per-turn metric series and experiment-level summaries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pidgin_tui.database.repositories.base import BaseRepository


class MetricsRepository(BaseRepository):
    table = "turn_metrics"

    def series(self, conversation_id: str, metric: str, agent: str | None = None
               ) -> list[tuple[int, float]]:
        """(turn_number, value) of one metric over a conversation; agent `a`, `b` or None."""
        rows = self.con.execute(
            "SELECT turn_number, value FROM turn_metrics WHERE conversation_id = ? "
            "AND metric = ? AND agent IS NOT DISTINCT FROM ? ORDER BY turn_number",
            [conversation_id, metric, agent]).fetchall()
        return [(int(t), float(v)) for t, v in rows if v is not None]

    def wide(self, conversation_id: str) -> list[dict[str, Any]]:
        """One row per turn with every metric as a column (`a_words`, `tfidf_cosine`, ...)."""
        return self.rows("SELECT * FROM turn_metrics_wide WHERE conversation_id = ? "
                         "ORDER BY turn_number", [conversation_id])

    def summary(self, experiment_id: str, metrics: Sequence[str]) -> list[dict[str, Any]]:
        """Mean, min and max per metric (and agent) over every turn of an experiment."""
        return self.rows(
            "SELECT metric, agent, avg(value) AS mean, min(value) AS min, max(value) AS max, "
            "count(*) AS turns FROM turn_metrics WHERE experiment_id = ? "
            "AND list_contains(?, metric) GROUP BY metric, agent ORDER BY metric, agent",
            [experiment_id, list(metrics)])
