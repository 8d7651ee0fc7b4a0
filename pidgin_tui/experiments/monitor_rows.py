"""The monitor's rows: one experiment or conversation as shown, merged from manifest and tails.

The manifest is written at a throttled rate, so counters read from JSONL tails can be ahead of
it; every counter shown is the larger of the two. Also: the plain-text formatting shared by the
monitor screen and `pidgin-tui monitor --once`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pidgin_tui.core.types import FINAL_STATUSES, EndReason, ExperimentStatus, RecordState, Status
from pidgin_tui.record.conversation import shown_turn, turn_label
from pidgin_tui.record.layout import experiment_id_of_dir
from pidgin_tui.record.manifest_types import ConversationEntry, Manifest
from pidgin_tui.views.format import format_cost, format_duration, format_tokens

if TYPE_CHECKING:
    from pidgin_tui.record.conversation import ConversationRecord



@dataclass(slots=True)
class ConversationRow:
    conversation_id: str
    status: Status
    turns: int
    max_turns: int
    model_a: str = ""
    model_b: str = ""
    tokens: int = 0
    cost_usd: float = 0.0
    unpriced: bool = False
    convergence: float | None = None
    end_reason: EndReason | Literal["process gone"] | None = None
    """`process gone`: its process died before the conversation recorded an end."""
    duration_s: float | None = None
    last_error: str | None = None
    jsonl: Path | None = None
    last_message: str = ""
    events_seen: int = 0
    end_states: list[tuple[str, int]] = field(default_factory=list)
    """Detected end states as (name, onset turn), in the order they were detected."""
    turn_started: int = 0
    """The latest turn begun, as far as the JSONL tail has been read."""

    @property
    def shown_turn(self) -> int:
        return shown_turn(self.turns, self.turn_started, self.status)

    @property
    def turn_label(self) -> str:
        return turn_label(self.shown_turn, self.max_turns)


@dataclass(slots=True)
class ExperimentRow:
    experiment_id: str
    name: str
    path: Path
    status: ExperimentStatus
    """`created`, `running`, `completed`, `failed`, `interrupted` (a dead process included) or
    `damaged` (`status_label` says why)."""
    status_label: str
    pid: int | None
    in_this_process: bool
    total: int
    completed: int
    failed: int
    interrupted: int
    running: int
    turns: int
    max_turns: int
    tokens: int
    cost_usd: float
    unpriced: int
    errors: int
    created_at: str
    elapsed_s: float | None
    eta_s: float | None
    progress: float
    post_processing: str | None = None
    conversations: list[ConversationRow] = field(default_factory=list)
    created_ts: float = 0.0
    """`created_at` as a Unix time (the monitor sorts by it)."""
    source: str = "jsonl"
    """`jsonl` (manifest and event files) or `duckdb` (the analysis database, once imported)."""
    prompt: str = ""
    """The opening prompt of the experiment's spec (its conversations share it)."""

    @property
    def is_live(self) -> bool:
        return self.status in (Status.CREATED, Status.RUNNING)

    @property
    def done(self) -> int:
        return self.completed + self.failed + self.interrupted


def parse_time(value: Any) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None


_Word = TypeVar("_Word", bound=StrEnum)


def _member(kind: type[_Word], value: Any) -> _Word | None:
    """The member of `kind` a database value names; None for a value it has no member for."""
    try:
        return kind(value)
    except ValueError:
        return None


def _int(value: Any) -> int:
    return int(value) if isinstance(value, int | float) else 0


def build_conversation(conv_id: str, conv: ConversationEntry, tail: ConversationRecord | None,
                       now: float) -> ConversationRow:
    row = ConversationRow(
        conversation_id=conv_id, status=conv.status,
        turns=conv.turns_completed, max_turns=conv.max_turns,
        model_a=conv.agent_a_model, model_b=conv.agent_b_model, tokens=conv.tokens,
        cost_usd=conv.priced_cost_usd if conv.cost_usd is None else conv.cost_usd,
        unpriced=conv.unpriced, convergence=conv.convergence,
        end_reason=conv.end_reason, last_error=conv.last_error,
        end_states=list(conv.end_states),
    )
    if tail is not None:
        row.jsonl, row.events_seen = tail.path, tail.events_seen
        row.last_message = tail.last_message
        if len(tail.end_states) >= len(row.end_states):
            row.end_states = [(e.end_state, e.onset_turn) for e in tail.end_states]
        if tail.turns_completed >= row.turns and tail.convergence is not None:
            row.convergence = tail.convergence
        row.turns = max(row.turns, tail.turns_completed)
        row.turn_started = tail.turn_started
        row.max_turns = row.max_turns or tail.max_turns
        row.tokens = max(row.tokens, tail.total_tokens)
        row.cost_usd = max(row.cost_usd, tail.priced_cost_usd)
        row.unpriced = row.unpriced or bool(tail.unpriced_requests)
        if tail.ended and row.status not in FINAL_STATUSES:
            row.status, row.end_reason = tail.status, tail.end_reason
    if conv.duration_ms is not None and row.status in FINAL_STATUSES:
        row.duration_s = conv.duration_ms / 1000
    else:
        started = parse_time(conv.started_at)
        row.duration_s = None if started is None else max(0.0, now - started)
    return row


def build_row(path: Path, manifest: Manifest, tails: Mapping[str, ConversationRecord],
              *, gone: bool, now: float, post_processing: str | None = None) -> ExperimentRow:
    """Merge a manifest with the conversation tails read so far into one display row."""
    conversations = [build_conversation(cid, conv, tails.get(cid), now)
                     for cid, conv in manifest.conversations.items()]
    if gone:  # nobody will finish these: show them as what they became
        for conv in conversations:
            if conv.status not in FINAL_STATUSES:
                conv.status, conv.end_reason, conv.duration_s = (
                    Status.INTERRUPTED, "process gone", None)
    raw_status = manifest.status or RecordState.UNKNOWN
    pid = manifest.pid
    config = manifest.config
    max_turns = _int(config.get("max_turns")) or max((c.max_turns for c in conversations),
                                                      default=0)
    counts = {s: manifest.count(s)
              for s in (Status.COMPLETED, Status.FAILED, Status.INTERRUPTED, Status.RUNNING)}
    by_status = {s: sum(c.status == s for c in conversations) for s in counts}
    for key in counts:  # tails can be ahead of the throttled manifest
        counts[key] = max(counts[key], by_status[key]) if key != Status.RUNNING \
            else by_status[key] if conversations else counts[key]
    total = manifest.total_conversations or len(conversations)
    turns = max(manifest.total_turns, sum(c.turns for c in conversations))
    tokens = max(manifest.total_tokens, sum(c.tokens for c in conversations))
    priced = manifest.priced_cost_usd if manifest.total_cost_usd is None \
        else manifest.total_cost_usd
    cost = max(priced, sum(c.cost_usd for c in conversations))
    done = sum(counts[s] for s in FINAL_STATUSES)
    partial = sum(c.turns / c.max_turns for c in conversations
                  if c.status == Status.RUNNING and c.max_turns)
    progress = min(1.0, (done + partial) / total) if total else 0.0
    status = Status.INTERRUPTED if gone else raw_status
    started = parse_time(manifest.started_at) or parse_time(manifest.created_at)
    ended = parse_time(manifest.completed_at)
    if ended is None and gone:
        ended = parse_time(manifest.updated_at)
    if started is None:
        elapsed = None
    else:
        elapsed = max(0.0, (ended if ended is not None else now) - started)
    eta = None
    if status in (Status.CREATED, Status.RUNNING) and elapsed is not None and progress > 0:
        eta = elapsed * (1 - progress) / progress
    return ExperimentRow(
        experiment_id=manifest.experiment_id, name=manifest.name,
        path=path, status=status,
        status_label="interrupted (process gone)" if gone else raw_status,
        pid=pid, in_this_process=pid == os.getpid() and not gone, total=total,
        completed=counts[Status.COMPLETED], failed=counts[Status.FAILED],
        interrupted=counts[Status.INTERRUPTED], running=counts[Status.RUNNING], turns=turns,
        max_turns=max_turns, tokens=tokens, cost_usd=cost,
        unpriced=manifest.unpriced_requests,
        errors=manifest.error_count, created_at=manifest.created_at or "",
        elapsed_s=elapsed, eta_s=eta, progress=progress, post_processing=post_processing,
        conversations=conversations, created_ts=parse_time(manifest.created_at) or 0.0,
        prompt=str(config.get("prompt") or ""),
    )


def damaged_row(path: Path, reason: str, manifest: Manifest | None = None
                ) -> ExperimentRow:
    """A row for an experiment that cannot be read as usual: the reason, and nothing guessed."""
    manifest = manifest or Manifest()
    return ExperimentRow(
        experiment_id=manifest.experiment_id or experiment_id_of_dir(path),
        name=manifest.name or path.name, path=path, status=RecordState.DAMAGED,
        status_label=f"damaged: {reason}", pid=None, in_this_process=False,
        total=0, completed=0, failed=0, interrupted=0, running=0, turns=0, max_turns=0,
        tokens=0, cost_usd=0.0, unpriced=0, errors=0, created_at="", elapsed_s=None, eta_s=None,
        progress=0.0)


def apply_imported(rows: list[ExperimentRow], experiments: Mapping[str, Any],
                   conversations: Mapping[str, Mapping[str, Mapping[str, Any]]],
                   ) -> list[ExperimentRow]:
    """Take the conversations of imported experiments from the analysis database's rows.

    `conversations[experiment id][conversation id]` holds database rows (status, end_reason,
    total_turns, max_turns, models, total_tokens, cost_usd, final_convergence, duration_ms).
    Live experiments keep their on-disk state: the database only has what was imported.
    Returns new rows; the given ones (which a MonitorState may reuse) are left as they were.
    """
    out = []
    for row in rows:
        imported = conversations.get(row.experiment_id)
        if row.experiment_id not in experiments or imported is None or row.is_live:
            out.append(row)
            continue
        row = replace(row, source="duckdb", conversations=[replace(c) for c in row.conversations])
        out.append(row)
        by_id = {c.conversation_id: c for c in row.conversations}
        for conv_id, db in imported.items():
            conv = by_id.get(conv_id)
            if conv is None:
                conv = by_id[conv_id] = ConversationRow(conv_id, Status.CREATED, 0, 0)
                row.conversations.append(conv)
            conv.status = _member(Status, db.get("status")) or conv.status
            conv.end_reason = _member(EndReason, db.get("end_reason")) or conv.end_reason
            conv.turns = _int(db.get("total_turns")) or conv.turns
            conv.max_turns = _int(db.get("max_turns")) or conv.max_turns
            conv.model_a = str(db.get("agent_a_model") or conv.model_a)
            conv.model_b = str(db.get("agent_b_model") or conv.model_b)
            conv.tokens = _int(db.get("total_tokens")) or conv.tokens
            if db.get("final_convergence") is not None:
                conv.convergence = float(db["final_convergence"])
            if db.get("end_states") is not None:
                conv.end_states = [(str(name), _int(onset)) for name, onset in zip(
                    db["end_states"], db.get("end_state_onsets") or [], strict=False)]
            if db.get("duration_ms") is not None:
                conv.duration_s = _int(db["duration_ms"]) / 1000
            conv.unpriced = db.get("cost_usd") is None and conv.unpriced
            conv.last_error = db.get("error") or conv.last_error
    return out


# --- plain-text formatting ---------------------------------------------------------------------


def fmt_end_states(end_states: list[tuple[str, int]]) -> str:
    """The first end state and its onset turn (1-based, as shown everywhere), and how many
    more: `loop@8 +1`, or `-`."""
    if not end_states:
        return "-"
    name, onset = end_states[0]
    more = f" +{len(end_states) - 1}" if len(end_states) > 1 else ""
    return f"{name}@{onset}{more}"


def progress_bar(progress: float, width: int = 12) -> str:
    filled = round(max(0.0, min(1.0, progress)) * width)
    return "█" * filled + "░" * (width - filled)


def post_processing_label(state: str | None) -> str:
    return {"running": "post-processing", "done": "processed", "failed": "post-processing failed",
            }.get(state or "", "")


def summary_line(row: ExperimentRow) -> str:
    """One experiment as one plain-text line (the `monitor --once` format)."""
    eta = f" eta {format_duration(row.eta_s)}" if row.eta_s is not None else ""
    pp = post_processing_label(row.post_processing)
    cost = format_cost(row.cost_usd, row.unpriced)
    return (f"{row.experiment_id:<10} {row.status_label:<27} {progress_bar(row.progress)} "
            f"{row.done:>4}/{row.total:<4} {row.turns:>6} turns  run {row.running:<3} "
            f"fail {row.failed:<3} {format_tokens(row.tokens, compact=True):>6} tok {cost:>9}  "
            f"{format_duration(row.elapsed_s):>7}{eta}  err {row.errors}"
            f"{'  ' + pp if pp else ''}  {row.name}")


def summary_text(rows: list[ExperimentRow], root: Path, *, conversations: bool = False) -> str:
    """Every experiment, one line each (and optionally its conversations), for scripts."""
    if not rows:
        from pidgin_tui.record.upstream import upstream_hint

        hint = upstream_hint(root)
        return f"no experiments in {root / 'experiments'}" + (f"\n{hint}" if hint else "")
    live = sum(r.is_live for r in rows)
    lines = [f"{len(rows)} experiments, {live} running · {root / 'experiments'}"]
    for row in rows:
        lines.append(summary_line(row))
        if conversations:
            lines.extend(f"    {conversation_line(c)}" for c in row.conversations)
    return "\n".join(lines)


def conversation_line(conv: ConversationRow) -> str:
    convergence = "-" if conv.convergence is None else f"{conv.convergence:.2f}"
    return (f"{conv.conversation_id}  {conv.status:<11} {conv.turn_label:<15} "
            f"{conv.model_a} × {conv.model_b}  "
            f"{format_tokens(conv.tokens, compact=True):>6} tok "
            f"{format_cost(conv.cost_usd, conv.unpriced):>9}  conv {convergence:<5} "
            f"end state {fmt_end_states(conv.end_states):<20} "
            f"{conv.end_reason or '':<16} {format_duration(conv.duration_s)}")
