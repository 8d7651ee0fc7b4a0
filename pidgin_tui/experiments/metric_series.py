"""Per-turn metric series of conversations, read from their JSONL (no Textual, no DuckDB).

Only `TurnCompleteEvent` lines are decoded (the reader's type filter skips the rest), so
plotting an experiment does not pay for parsing every message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pidgin_tui.core.events import TurnCompleteEvent
from pidgin_tui.record.conversation import ConversationRecord
from pidgin_tui.record.layout import conversation_files, conversation_id_of

PREFERRED_FIRST = "convergence_score"


@dataclass(slots=True)
class MetricSeries:
    """`values[conversation][metric][turn]` for the conversations read."""

    values: dict[str, dict[str, dict[int, float]]] = field(default_factory=dict)

    @property
    def metric_names(self) -> list[str]:
        names = {m for conv in self.values.values() for m in conv}
        return sorted(names, key=lambda n: (n != PREFERRED_FIRST, n))

    def lines(self, metric: str) -> dict[str, tuple[list[int], list[float]]]:
        """One (turns, values) line per conversation that has the metric."""
        out = {}
        for conv_id, metrics in self.values.items():
            points = metrics.get(metric)
            if points:
                turns = sorted(points)
                out[conv_id] = (turns, [points[t] for t in turns])
        return out

    def mean(self, metric: str) -> tuple[list[int], list[float]]:
        """The mean over conversations at each turn (of those that reached it)."""
        sums: dict[int, list[float]] = {}
        for metrics in self.values.values():
            for turn, value in metrics.get(metric, {}).items():
                sums.setdefault(turn, []).append(value)
        turns = sorted(sums)
        return turns, [sum(sums[t]) / len(sums[t]) for t in turns]


def read_series(paths: list[Path]) -> MetricSeries:
    series = MetricSeries()
    for path in paths:
        record = ConversationRecord.read(path, types=(TurnCompleteEvent,))
        metrics: dict[str, dict[int, float]] = {}
        for turn in record.turn_events:
            for name, value in record.metrics_of(turn).items():
                if isinstance(value, int | float):
                    metrics.setdefault(name, {})[turn] = float(value)
        series.values[conversation_id_of(path) or path.stem] = metrics
    return series


def experiment_jsonl_paths(experiment_dir: Path) -> list[Path]:
    return conversation_files(experiment_dir)
