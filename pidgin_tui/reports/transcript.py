"""Markdown transcripts: `transcripts/conv_<id>.md` per conversation and `transcripts/summary.md`.

A transcript has a header (models, settings, outcome, tokens, cost, end states), each agent's
system prompt folded in a `<details>` block, and then every message in speaking order under its
1-based turn number, with the awareness injections each agent was sent, the researcher's
interjections where they were delivered, and the convergence and end-state events of that turn.
Model text is untrusted Markdown: every message, thinking block,
prompt and injection is put in a fenced block longer than any backtick run inside it, so an
unclosed fence or stray HTML in a message cannot change the rest of the document.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pidgin_tui.core.events import MessageCompleteEvent
from pidgin_tui.core.types import AgentId
from pidgin_tui.record.conversation import NO_END_REASON, ConversationRecord
from pidgin_tui.record.experiment import ExperimentRecord
from pidgin_tui.record.layout import SUMMARY_NAME, transcript_path, transcripts_dir
from pidgin_tui.reports.transcript_entries import note_label, note_text, transcript_entries
from pidgin_tui.views.format import format_cost

_BACKTICKS = re.compile(r"`+")
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def fenced(text: str) -> list[str]:
    """`text` as a fenced block it cannot close: the fence is longer than any backtick run."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0) \
        if "`" in text else 0
    fence = "`" * max(3, longest + 1)
    return [fence + "text", text, fence]


@lru_cache(maxsize=1024)
def inline(text: str) -> str:
    """Untrusted text for one line of Markdown: one line, Markdown and HTML characters
    escaped (names, models: the same few in every transcript of an experiment, so the last
    ones are remembered)."""
    return _INLINE_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def render_transcript(conv: ConversationRecord, experiment: ExperimentRecord) -> str:
    start = conv.start
    max_turns = start.max_turns if start else conv.turns_completed
    profile = (start.config.get("convergence_profile") if start else None) or "balanced"
    lines = [f"# Conversation {conv.conversation_id}", "",
             f"Experiment **{experiment.name}** (`{experiment.experiment_id}`)", "",
             "| | Agent A | Agent B |", "|---|---|---|"]
    if start is not None:
        lines += [
            f"| name | {inline(conv.name_of(AgentId.A))} | {inline(conv.name_of(AgentId.B))} |",
            f"| model | {inline(start.agent_a_model)} | {inline(start.agent_b_model)} |",
            f"| temperature | {_opt(start.temperature_a)} | {_opt(start.temperature_b)} |",
            f"| awareness | {start.awareness_a} | {start.awareness_b} |",
        ]
    lines += [
        "",
        f"- **Status:** {experiment.status_of(conv)} — end reason: "
        f"{conv.end_reason or NO_END_REASON}",
        f"- **Turns:** {conv.turns_completed} of {max_turns}"
        + (f" (first speaker: {start.first_speaker})" if start else ""),
        f"- **Tokens:** {conv.total_tokens} "
        f"({conv.input_tokens} in, {conv.output_tokens} out) · "
        f"**Cost:** {format_cost(conv.cost_usd)}",
        f"- **Final convergence:** {_score(conv.convergence)} ({profile} profile)",
    ]
    labels = conv.end_state_labels
    lines.append(f"- **End states:** {', '.join(labels) if labels else 'none detected'} · "
                 f"**Substantive turns:** {conv.substantive_turns}")
    if conv.end is not None and conv.end.error:
        lines.append(f"- **Error:** {inline(conv.end.error)}")
    if conv.parent_conversation_id is not None:
        lines.append(f"- **Branched from:** {inline(conv.parent_conversation_id)} after turn "
                     f"{conv.branch_turn} (turns 1-{conv.branch_turn} are the parent's)")
    for agent_id, prompt in sorted(conv.system_prompts.items()):
        lines += ["", f"<details><summary>System prompt of {inline(conv.name_of(agent_id))}"
                  "</summary>", "", *fenced(prompt), "", "</details>"]
    if start is not None and start.initial_prompt:
        lines += ["", "## Opening prompt", "", *fenced(start.initial_prompt)]
    current_turn = None
    for entry in transcript_entries(conv):
        if entry.turn_number != current_turn:
            if current_turn is not None:
                lines += _turn_events(conv, current_turn)
            current_turn = entry.turn_number
            lines += ["", f"## Turn {entry.turn_number}"]
        if isinstance(entry, MessageCompleteEvent):
            lines += _message_lines(conv, entry)
        else:
            lines += ["", f"*{inline(note_label(conv, entry))}:*", "", *fenced(note_text(entry))]
    if current_turn is not None:
        lines += _turn_events(conv, current_turn)
    return "\n".join(lines) + "\n"


def _message_lines(conv: ConversationRecord, message: MessageCompleteEvent) -> list[str]:
    who = inline(conv.name_of(message.agent_id))
    letter = "A" if message.agent_id == AgentId.A else "B"
    note = "" if message.finish_reason == "stop" else f" — *{message.finish_reason}*"
    lines = ["", f"### {who} (agent {letter}, {inline(message.model)}){note}", ""]
    if message.thinking:
        lines += ["<details><summary>Thinking</summary>", "", *fenced(message.thinking),
                  "", "</details>", ""]
    return lines + (fenced(message.content) if message.content else ["*(empty message)*"])


def _turn_events(conv: ConversationRecord, turn: int) -> list[str]:
    """The convergence score, convergence warnings and end states recorded at `turn`."""
    lines: list[str] = []
    score = conv.convergence_at(turn)
    if score is not None:
        lines += ["", f"*Convergence after turn {turn}: {_score(score)}*"]
    for warning in conv.convergence_warnings:
        if warning.turn_number == turn:
            lines += ["", f"> **Convergence {warning.convergence_score:.3f} reached the "
                      f"threshold {warning.threshold:g}** (action: {warning.action})"]
    for found in conv.end_states:
        if found.turn_number == turn:
            lines += ["", f"> **End state: {found.end_state}**, began at turn "
                      f"{found.onset_turn} ({found.substantive_turns} substantive turns "
                      f"before it; action: {found.action})"]
    return lines


def _opt(value: float | None) -> str:
    return "default" if value is None else f"{value:g}"


def summary_row(conv: ConversationRecord, experiment: ExperimentRecord) -> str:
    """A conversation's row of summary.md."""
    models = f"{conv.start.agent_a_model} ↔ {conv.start.agent_b_model}" if conv.start else "?"
    return (f"| [{conv.conversation_id}](conv_{conv.conversation_id}.md) | {models} | "
            f"{experiment.status_of(conv)} | {conv.end_reason or NO_END_REASON} | "
            f"{conv.turns_completed} | {conv.total_tokens} | {format_cost(conv.cost_usd)} | "
            f"{_score(conv.convergence)} |")


def render_summary(experiment: ExperimentRecord, rows: list[str] | None = None) -> str:
    """summary.md; `rows` are the conversations' `summary_row`s when they were not kept in
    `experiment`."""
    if rows is None:
        rows = [summary_row(conv, experiment) for conv in experiment.conversations.values()]
    lines = [f"# Transcripts of {experiment.name}", "",
             f"Experiment `{experiment.experiment_id}` · status {experiment.status} · "
             f"{len(rows)} conversations", "",
             "| conversation | models | status | end reason | turns | tokens | cost "
             "| final convergence |", "|---|---|---|---|---|---|---|---|", *rows]
    if experiment.problems:
        lines += ["", "## Skipped while reading", ""]
        lines += [f"- {p}" for p in experiment.problems]
    return "\n".join(lines) + "\n"


def write_transcript(experiment_dir: Path, conv: ConversationRecord,
                     experiment: ExperimentRecord) -> Path:
    """One conversation's transcript (the conversation read with detail)."""
    path = transcript_path(experiment_dir, conv.conversation_id)
    path.parent.mkdir(exist_ok=True)
    path.write_text(render_transcript(conv, experiment), encoding="utf-8")
    return path


def write_summary(experiment_dir: Path, experiment: ExperimentRecord,
                  rows: list[str] | None = None) -> Path:
    """transcripts/summary.md (the conversations may have been read without detail; `rows`
    as in `render_summary`)."""
    out = transcripts_dir(experiment_dir)
    out.mkdir(exist_ok=True)
    summary = out / SUMMARY_NAME
    summary.write_text(render_summary(experiment, rows), encoding="utf-8")
    return summary


def write_transcripts(experiment_dir: Path, conversation_id: str | None = None,
                      experiment: ExperimentRecord | None = None) -> list[Path]:
    """Write every transcript (or one) plus summary.md; returns the files written."""
    experiment = experiment or ExperimentRecord.load(experiment_dir)
    written = [write_transcript(experiment_dir, conv, experiment)
               for conv in experiment.conversations.values()
               if conversation_id is None or conv.conversation_id == conversation_id]
    return [*written, write_summary(experiment_dir, experiment)]
