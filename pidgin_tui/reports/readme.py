"""The experiment README.md: what was run, outcomes, key metrics, and how to query it."""

from __future__ import annotations

from array import array
from collections import Counter
from pathlib import Path
from statistics import fmean

from pidgin_tui.providers.versions import versions_line
from pidgin_tui.record.conversation import NO_END_REASON, ConversationRecord
from pidgin_tui.record.experiment import ExperimentRecord
from pidgin_tui.record.layout import METRICS_DOC_NAME, README_NAME
from pidgin_tui.reports.summaries import PairTally, convergence_lines, end_state_lines
from pidgin_tui.views.format import format_cost, format_tokens

KEY_METRICS: tuple[tuple[str, str], ...] = (
    ("convergence_score", "convergence score"),
    ("content_jaccard", "content-word overlap (A vs B)"),
    ("tfidf_cosine", "TF-IDF cosine (A vs B)"),
    ("mimicry_a_to_b_2", "B reusing A's bigrams"),
    ("mimicry_b_to_a_2", "A reusing B's bigrams"),
    ("vocabulary_overlap", "cumulative vocabulary overlap"),
    ("turn_repetition", "repetition of the previous turn"),
    ("a_words", "words per message, A"),
    ("b_words", "words per message, B"),
    ("a_ttr", "type-token ratio, A"),
    ("b_ttr", "type-token ratio, B"),
    ("a_sentiment", "sentiment, A"),
    ("b_sentiment", "sentiment, B"),
)
"""Metrics summarised in the README (names as in TurnCompleteEvent.metrics)."""

_SETTINGS = ("agent_a", "agent_b", "repetitions", "max_turns", "prompt", "awareness",
             "awareness_a", "awareness_b", "temperature", "temperature_a", "temperature_b",
             "first_speaker", "convergence_threshold", "convergence_action",
             "convergence_profile", "max_parallel", "think", "seed")


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value).replace("|", "\\|").replace("\n", " ")


class MetricTable:
    """Mean of each key metric on the first turn, the last completed turn, and overall, fed
    one conversation at a time (so the turns need not all be in memory at once; the values
    are kept as packed doubles, 8 bytes each)."""

    def __init__(self) -> None:
        self.first: dict[str, array[float]] = {k: array("d") for k, _ in KEY_METRICS}
        self.last: dict[str, array[float]] = {k: array("d") for k, _ in KEY_METRICS}
        self.every: dict[str, array[float]] = {k: array("d") for k, _ in KEY_METRICS}

    def add(self, conv: ConversationRecord) -> None:
        """Take in one conversation's turns (it must have been read with detail)."""
        turns = conv.turns_in_order
        last = len(turns) - 1
        for index, turn in enumerate(turns):
            metrics = turn.metrics
            for key, _ in KEY_METRICS:
                value = turn.convergence_score if key == "convergence_score" else \
                    metrics.get(key)
                if value is None:
                    continue
                self.every[key].append(value)
                if index == 0:
                    self.first[key].append(value)
                if index == last:
                    self.last[key].append(value)

    def rows(self) -> list[str]:
        rows = ["| metric | first turn | last turn | all turns |", "|---|---|---|---|"]
        for key, label in KEY_METRICS:
            if self.every[key]:
                rows.append(f"| {label} (`{key}`) | {fmean(self.first[key]):.3f} | "
                            f"{fmean(self.last[key]):.3f} | {fmean(self.every[key]):.3f} |")
        return rows if len(rows) > 2 else ["No turn completed, so there are no metrics yet."]


class ReadmeTally:
    """What the README says of an experiment's conversations, fed one conversation at a time
    (read with detail, for the key metrics), so no conversation's record need be kept."""

    def __init__(self) -> None:
        self.conversations = 0
        self.outcomes: Counter[tuple[str, str]] = Counter()
        self.turns = 0
        self.tokens = 0
        self.costs: list[float] = []
        """The priced conversations' costs, in order (summed once, as one sum)."""
        self.unpriced = False
        self.pairs = PairTally()
        self.metrics = MetricTable()

    @classmethod
    def of(cls, experiment: ExperimentRecord) -> ReadmeTally:
        """The tally of every conversation an experiment was loaded with."""
        tally = cls()
        for conv in experiment.conversations.values():
            tally.add(conv, experiment.status_of(conv))
        return tally

    def add(self, conv: ConversationRecord, status: str) -> None:
        """Take in one conversation; `status` is its settled status (`status_of`)."""
        self.conversations += 1
        self.outcomes[(status, conv.end_reason or NO_END_REASON)] += 1
        self.turns += conv.turns_completed
        self.tokens += conv.total_tokens
        cost = conv.cost_usd
        if cost is None:
            self.unpriced = True
        else:
            self.costs.append(cost)
        self.pairs.add(conv)
        self.metrics.add(conv)


def _lineage(lineage: object) -> list[str]:
    """Where an imported experiment came from and what its source did not record."""
    if not isinstance(lineage, dict):
        return []
    lines = ["", "## Imported", "",
             f"Converted from {lineage.get('imported_from', 'another tool')} experiment "
             f"`{lineage.get('source_experiment_id', '?')}` at `{lineage.get('source_path', '?')}`"
             ". Metrics were recomputed; the source folder was not changed."]
    missing = lineage.get("missing") or []
    if missing:
        lines += ["", "Not recorded by the source, so missing here:", "",
                  *[f"- {item}" for item in missing]]
    return lines


def render_readme(experiment: ExperimentRecord, tally: ReadmeTally | None = None) -> str:
    """The README; `tally` is of the conversations when they were not kept in `experiment`
    (see `ReadmeTally`), else it is taken from them."""
    tally = ReadmeTally.of(experiment) if tally is None else tally
    m = experiment.manifest
    config = m.config
    exp_id = experiment.experiment_id
    lines = [f"# {experiment.name}", "",
             f"Experiment `{exp_id}` · status **{experiment.status}** · created "
             f"{m.created_at or '?'} · finished {m.completed_at or '-'}", "",
             "## What was run", "", "| setting | value |", "|---|---|"]
    lines += [f"| {key} | {_fmt(config[key])} |" for key in _SETTINGS
              if config.get(key) not in (None, "")]
    lines += _lineage(m.lineage)
    if m.versions:
        lines += ["", f"Recorded with {versions_line(m.versions)}."]
    cost = format_cost(sum(tally.costs), tally.unpriced)
    lines += ["", "## Outcomes", "",
              f"{tally.conversations} of {m.total_conversations or '?'} "
              f"conversations recorded · {tally.turns} turns · {format_tokens(tally.tokens)} "
              f"tokens · {cost}", "",
              "| status | end reason | conversations |", "|---|---|---|"]
    lines += [f"| {status} | {reason} | {n} |"
              for (status, reason), n in tally.outcomes.most_common()]
    lines += ["", "## End states", "",
              f"Attractors detected live (definitions and thresholds in [{METRICS_DOC_NAME}]"
              f"({METRICS_DOC_NAME})); substantive turns are those before the first "
              "degradation.", "",
              *end_state_lines(tally.pairs),
              "## Convergence by model pair", "", *convergence_lines(tally.pairs)]
    lines += ["", "## Key metrics", "",
              f"Means over conversations; every metric is defined in [{METRICS_DOC_NAME}]"
              f"({METRICS_DOC_NAME}), next to this file.", "",
              *tally.metrics.rows()]
    if experiment.problems:
        lines += ["", "## Skipped while reading", "", *[f"- {p}" for p in experiment.problems]]
    lines += [
        "", "## Files", "",
        "- `manifest.json`: live state of the run",
        "- `experiment_events.jsonl`, `conv_<id>_events.jsonl`: every event, one JSON line each",
        "- `transcripts/`: one Markdown transcript per conversation, and `summary.md`",
        "- `analysis.ipynb`: a notebook that queries the database",
        "- `post_processing.log`: what the post-processing steps did",
        "", "## How to query it", "",
        "The events are imported into `../experiments.duckdb` (tables `experiments`, "
        "`conversations`, `messages`, `turn_metrics_wide`, `events`; long-form view "
        "`turn_metrics`).",
        "", "```sh",
        f"pidgin-tui import {exp_id}",
        f"pidgin-tui query \"SELECT conversation_id, status, total_turns, final_convergence "
        f"FROM conversations WHERE experiment_id = '{exp_id}'\"",
        f"pidgin-tui query --json \"SELECT turn_number, avg(convergence_score) FROM "
        f"turn_metrics_wide WHERE experiment_id = '{exp_id}' GROUP BY 1 ORDER BY 1\"",
        f"pidgin-tui export {exp_id} --format parquet",
        f"pidgin-tui transcript {exp_id}",
        "```", "", "From Python (the database is opened only while querying):", "",
        "```python", "import duckdb",
        "with duckdb.connect('../experiments.duckdb', read_only=True) as con:",
        f"    rows = con.execute(\"SELECT * FROM messages WHERE experiment_id = ?\", "
        f"['{exp_id}']).fetchall()",
        "```",
    ]
    return "\n".join(lines) + "\n"


def write_readme(experiment_dir: Path, experiment: ExperimentRecord | None = None,
                 tally: ReadmeTally | None = None) -> Path:
    """README.md and, beside it, the metric definitions it links to (readable offline);
    `tally` as in `render_readme`."""
    from pidgin_tui.metrics.catalog import render_markdown

    experiment = experiment or ExperimentRecord.load(experiment_dir)
    path = experiment_dir / README_NAME
    path.write_text(render_readme(experiment, tally), encoding="utf-8")
    (experiment_dir / METRICS_DOC_NAME).write_text(render_markdown(), encoding="utf-8")
    return path
