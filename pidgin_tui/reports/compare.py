"""Side-by-side comparison of conversations: aligned by turn, with where they diverge.

Conversations from any experiments (typically a parent and its branches) are lined up turn by
turn. A turn "differs" when the conversations' messages at that turn are not all the same, or
when some conversations have it and others do not; the first such turn is where they diverge.
For each turn the comparison holds every conversation's messages and key metrics (differences
from the first conversation); for the whole conversation, its end, totals and cost. The
`compare` command prints it as Markdown or JSON and the app's compare screen shows it in
columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pidgin_tui.core.types import AgentId
from pidgin_tui.record.conversation import AGENTS, NO_END_REASON, ConversationRecord
from pidgin_tui.reports.readme import KEY_METRICS
from pidgin_tui.reports.transcript import fenced, inline
from pidgin_tui.views.format import format_cost

COMPARED_METRICS = ("convergence_score", "content_jaccard", "tfidf_cosine", "turn_repetition",
                    "a_words", "b_words")
"""The per-turn metrics a comparison shows (labels from the README's KEY_METRICS)."""
METRIC_LABELS = dict(KEY_METRICS)


@dataclass(slots=True)
class TurnRow:
    """One turn across the compared conversations."""

    turn: int
    """1-based."""
    messages: list[dict[AgentId, str] | None]
    """Per conversation: agent id -> text, or None when that conversation has no such turn."""
    metrics: list[dict[str, float]]
    differs: bool

    def delta(self, column: int, metric: str) -> float | None:
        """`metric` of `column` minus the first conversation's, when both have it."""
        base, value = self.metrics[0].get(metric), self.metrics[column].get(metric)
        return None if base is None or value is None else value - base


@dataclass(slots=True)
class Comparison:
    records: list[ConversationRecord]
    experiments: list[str]
    rows: list[TurnRow] = field(default_factory=list)

    @classmethod
    def of(cls, sources: list[tuple[Path, str]]) -> Comparison:
        """Compare the conversations at (experiment directory, conversation id)."""
        from pidgin_tui.record.layout import conversation_jsonl_name

        records = [ConversationRecord.read(directory / conversation_jsonl_name(cid))
                   for directory, cid in sources]
        comparison = cls(records, [record.experiment_id or directory.name
                                   for record, (directory, _) in zip(records, sources,
                                                                     strict=True)])
        comparison._align()
        return comparison

    def _align(self) -> None:
        per_record: list[dict[int, dict[AgentId, str]]] = []
        for record in self.records:
            turns: dict[int, dict[AgentId, str]] = {}
            for message in record.complete_messages:
                turns.setdefault(message.turn_number, {})[message.agent_id] = message.content
            per_record.append(turns)
        numbers = sorted({t for turns in per_record for t in turns})
        for number in numbers:
            messages = [turns.get(number) for turns in per_record]
            differs = any(m != messages[0] for m in messages[1:])
            self.rows.append(TurnRow(number, messages,
                                     [r.metrics_of(number) for r in self.records], differs))

    @property
    def first_divergence(self) -> int | None:
        """The first 1-based turn at which the conversations differ, or None."""
        return next((row.turn for row in self.rows if row.differs), None)

    def next_divergence(self, after: int) -> int | None:
        """The first differing 1-based turn after turn `after`, or None."""
        return next((row.turn for row in self.rows if row.differs and row.turn > after), None)

    def summary(self, column: int) -> dict[str, Any]:
        """The whole conversation: models, lineage, end, totals and cost."""
        record = self.records[column]
        return {"conversation_id": record.conversation_id,
                "experiment": self.experiments[column], "models": dict(record.models),
                "branched_from": record.parent_conversation_id,
                "branch_turn": record.branch_turn, "turns": record.turns_completed,
                "end_reason": record.end_reason, "end_states": record.end_state_labels,
                "final_convergence": record.convergence, "total_tokens": record.total_tokens,
                "cost_usd": record.cost_usd}

    def to_dict(self) -> dict[str, Any]:
        return {"conversations": [self.summary(i) for i in range(len(self.records))],
                "first_divergence": self.first_divergence,
                "turns": [{"turn": row.turn, "differs": row.differs, "messages": row.messages,
                           "metrics": [{k: m[k] for k in COMPARED_METRICS if k in m}
                                       for m in row.metrics]}
                          for row in self.rows]}


def _value(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}".rstrip("0").rstrip(".")


def metric_cells(row: TurnRow, metric: str) -> list[str]:
    """One metric across the columns: the first conversation's value, then each other's value
    with its difference from the first."""
    cells = [_value(row.metrics[0].get(metric))]
    for column in range(1, len(row.metrics)):
        delta = row.delta(column, metric)
        shown = _value(row.metrics[column].get(metric))
        cells.append(shown if delta is None else f"{shown} ({delta:+.3f})")
    return cells


def summary_cells(comparison: Comparison, column: int) -> list[tuple[str, str]]:
    """(label, value) of one conversation's summary, as the Markdown and the screen show it."""
    record = comparison.records[column]
    lineage = "-" if record.parent_conversation_id is None \
        else f"{record.parent_conversation_id} after turn {record.branch_turn}"
    return [("experiment", comparison.experiments[column]), ("models", record.model_pair),
            ("branched from", lineage), ("turns", str(record.turns_completed)),
            ("end", record.end_reason or NO_END_REASON),
            ("end states", ", ".join(record.end_state_labels) or "none"),
            ("final convergence", _value(record.convergence)),
            ("tokens", str(record.total_tokens)),
            ("cost", format_cost(record.cost_usd))]


def render_markdown(comparison: Comparison) -> str:
    """The comparison as Markdown: a summary table, then every turn."""
    ids = [inline(r.conversation_id) for r in comparison.records]
    first = comparison.first_divergence
    lines = [f"# Comparison of {', '.join(ids)}", "",
             f"First divergence: turn {first}." if first is not None
             else "The conversations do not diverge.", "",
             "| | " + " | ".join(ids) + " |", "|---" * (len(ids) + 1) + "|"]
    summaries = [summary_cells(comparison, i) for i in range(len(ids))]
    for index, (label, _) in enumerate(summaries[0]):
        lines.append(f"| {label} | " + " | ".join(inline(s[index][1]) for s in summaries) + " |")
    for row in comparison.rows:
        mark = " (first divergence)" if row.turn == first else ""
        lines += ["", f"## Turn {row.turn} · {'differs' if row.differs else 'same'}{mark}"]
        shown = enumerate(row.messages) if row.differs else [(0, row.messages[0])]
        for column, messages in shown:
            if row.differs:
                lines += ["", f"### {ids[column]}"]
            if messages is None:
                lines += ["", "*(no such turn)*"]
                continue
            for agent in AGENTS:
                if agent in messages:
                    name = comparison.records[column].name_of(agent)
                    lines += ["", f"**{inline(name)}:**", "", *fenced(messages[agent])]
        lines += ["", "| metric | " + " | ".join(ids) + " |", "|---" * (len(ids) + 1) + "|"]
        for metric in COMPARED_METRICS:
            if any(metric in m for m in row.metrics):
                label = METRIC_LABELS.get(metric, metric)
                lines.append(f"| {label} | " + " | ".join(metric_cells(row, metric)) + " |")
    return "\n".join(lines) + "\n"
