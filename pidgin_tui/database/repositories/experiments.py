"""ExperimentRepository: imported experiments and their outcome counts."""

from __future__ import annotations

from typing import Any

from pidgin_tui.database.repositories.base import BaseRepository


class ExperimentRepository(BaseRepository):
    table = "experiments"

    def all(self) -> list[dict[str, Any]]:
        return self.rows("SELECT * FROM experiments ORDER BY created_at, experiment_id")

    def get(self, experiment_id: str) -> dict[str, Any] | None:
        return self.one("SELECT * FROM experiments WHERE experiment_id = ?", [experiment_id])
