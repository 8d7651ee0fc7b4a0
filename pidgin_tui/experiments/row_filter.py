"""Filtering experiments and conversations by name, model, status and end reason.

A query is words; each must match. `name:`, `model:`, `status:`, `end:` (end reason),
`state:` (detected end state) and `prompt:` (opening prompt) restrict a word to one field; a bare
word matches any of them. Matching is case-insensitive substring matching.
"""

from __future__ import annotations

from dataclasses import dataclass

from pidgin_tui.experiments.monitor_rows import ConversationRow, ExperimentRow

FIELDS = ("name", "model", "status", "end", "state", "prompt")


@dataclass(slots=True, frozen=True)
class Term:
    field: str | None
    text: str


def parse_query(query: str) -> list[Term]:
    terms = []
    for word in query.lower().split():
        field, sep, text = word.partition(":")
        if sep and field in FIELDS:
            if text:
                terms.append(Term(field, text))
        else:
            terms.append(Term(None, word))
    return terms


def _values(experiment: ExperimentRow, conv: ConversationRow | None) -> dict[str, list[str]]:
    values = {"name": [experiment.name.lower(), experiment.experiment_id.lower()],
              "status": [experiment.status_label.lower()], "model": [], "end": [], "state": [],
              "prompt": [experiment.prompt.lower()]}
    if conv is not None:
        values["name"].append(conv.conversation_id.lower())
        values["status"] = [conv.status.lower()]
        values["model"] = [conv.model_a.lower(), conv.model_b.lower()]
        values["end"] = [(conv.end_reason or "").lower()]
        values["state"] = [name.lower() for name, _ in conv.end_states]
    return values


def _matches(terms: list[Term], values: dict[str, list[str]]) -> bool:
    for term in terms:
        fields = [term.field] if term.field else list(FIELDS)
        if not any(term.text in value for f in fields for value in values[f]):
            return False
    return True


def filter_rows(rows: list[ExperimentRow], query: str,
                ) -> list[tuple[ExperimentRow, list[ConversationRow]]]:
    """The experiments with at least one matching conversation, each with its matching ones.

    An experiment without conversations is kept when the query matches it by itself.
    """
    terms = parse_query(query)
    if not terms:
        return [(row, list(row.conversations)) for row in rows]
    out = []
    for row in rows:
        convs = [c for c in row.conversations if _matches(terms, _values(row, c))]
        if convs or (not row.conversations and _matches(terms, _values(row, None))):
            out.append((row, convs))
    return out
