"""Error-panel entries: which events are errors, and how each is shown and copied."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pidgin_tui.core.events import (
    APIErrorEvent,
    ConversationEndEvent,
    ErrorEvent,
    Event,
    PostProcessingCompleteEvent,
    event_to_dict,
)
from pidgin_tui.core.provider import RATE_LIMIT_KINDS

ERROR_EVENTS = (APIErrorEvent, ConversationEndEvent, PostProcessingCompleteEvent, ErrorEvent)
"""Events that may add an entry to the error panel. A rate limit's failure is its APIErrorEvent
(one entry per failure); the RateLimitEvent after it only announces the wait."""


@dataclass(slots=True)
class ErrorEntry:
    """One row of the error panel."""

    time: str
    kind: str
    message: str
    provider: str = ""
    model: str = ""
    experiment_id: str = ""
    conversation_id: str = ""
    retry_deadline: float | None = None
    """Clock time of the next retry, for a live countdown; None when no retry is pending."""
    details: str = ""
    """Everything known about the error, as pretty JSON, for copying."""

    def retry_in_s(self, now: float) -> float | None:
        if self.retry_deadline is None:
            return None
        return max(0.0, self.retry_deadline - now)


def _clock_time(timestamp: str) -> str:
    """`HH:MM:SS` from an ISO-8601 timestamp (UTC, as events carry it)."""
    _, _, rest = timestamp.partition("T")
    return rest[:8] or timestamp


def error_entries(event: Event, now: float, models: str = "") -> list[ErrorEntry]:
    """The entries one event adds (usually none); `models` names the conversation's models."""
    if not isinstance(event, ERROR_EVENTS):
        return []
    common: dict[str, Any] = {
        "time": _clock_time(event.timestamp), "experiment_id": event.experiment_id,
        "conversation_id": event.conversation_id or "",
        "details": json.dumps(event_to_dict(event), indent=2, ensure_ascii=False)}
    entries: list[ErrorEntry] = []
    match event:
        case APIErrorEvent():
            deadline = None if event.retry_in_s is None else now + event.retry_in_s
            status = f" (HTTP {event.status_code})" if event.status_code else ""
            kind = "Rate limit" if event.error_type in RATE_LIMIT_KINDS else "API error"
            entries.append(ErrorEntry(
                kind=kind, message=f"{event.error_type}{status}: "
                f"{event.error_message}", provider=event.provider, model=event.model,
                retry_deadline=deadline, **common))
        case ConversationEndEvent(status="failed"):
            entries.append(ErrorEntry(kind="Conversation failed",
                                      message=event.error or event.reason, model=models,
                                      **common))
        case PostProcessingCompleteEvent():
            for step, problem in event.failed.items():
                entries.append(ErrorEntry(kind="Post-processing failed",
                                          message=f"{step}: {problem}", **common))
        case ErrorEvent():
            entries.append(ErrorEntry(kind="Error", message=f"{event.error_type}: "
                                      f"{event.error_message}", **common))
    return entries


def entry_details(entry: ErrorEntry) -> str:
    """The text copied to the clipboard for one entry."""
    head = "\n".join(f"{label}: {value}" for label, value in (
        ("time", entry.time), ("kind", entry.kind), ("provider", entry.provider),
        ("model", entry.model), ("experiment", entry.experiment_id),
        ("conversation", entry.conversation_id), ("message", entry.message)) if value)
    return f"{head}\n\n{entry.details}" if entry.details else head
