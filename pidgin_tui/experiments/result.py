"""What a run of an experiment returns: its status and every conversation's outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pidgin_tui.core.outcome import USAGE_BUCKETS, ConversationOutcome
from pidgin_tui.core.types import Status, status_for_end_reason


@dataclass
class ExperimentResult:
    experiment_id: str
    experiment_dir: Path
    status: Status
    outcomes: list[ConversationOutcome] = field(default_factory=list)
    duration_s: float = 0.0
    storage_error: str | None = None
    """The write error that stopped the run, as one line."""

    def count(self, status: Status) -> int:
        return sum(status_for_end_reason(o.end_reason) is status for o in self.outcomes)

    @property
    def total_turns(self) -> int:
        return sum(o.turns_completed for o in self.outcomes)

    @property
    def total_tokens(self) -> int:
        return sum(o.total_tokens for o in self.outcomes)

    @property
    def usage(self) -> dict[str, int]:
        """Token counts by bucket over every conversation."""
        return {bucket: sum(o.usage.get(bucket, 0) for o in self.outcomes)
                for bucket in USAGE_BUCKETS}

    @property
    def total_cost_usd(self) -> float | None:
        costs = [o.cost_usd for o in self.outcomes]
        return None if any(c is None for c in costs) else sum(c for c in costs if c is not None)

    def summary(self) -> dict[str, object]:
        return {
            "experiment_id": self.experiment_id,
            "experiment_dir": str(self.experiment_dir),
            "status": self.status.value,
            "completed": self.count(Status.COMPLETED),
            "failed": self.count(Status.FAILED),
            "interrupted": self.count(Status.INTERRUPTED),
            "total_turns": self.total_turns,
            "total_tokens": self.total_tokens,
            **self.usage,
            "total_cost_usd": self.total_cost_usd,
            "duration_s": round(self.duration_s, 3),
            **({"storage_error": self.storage_error} if self.storage_error else {}),
        }
