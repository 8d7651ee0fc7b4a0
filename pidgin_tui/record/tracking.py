"""The tracking subscriber: every persistent event to JSONL, and manifest.json kept current."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from pidgin_tui.core.bus import EventBus, Subscription
from pidgin_tui.core.events import (
    APIErrorEvent,
    ConversationEndEvent,
    ConversationResumedEvent,
    ConversationStartEvent,
    EndStateDetectedEvent,
    ErrorEvent,
    Event,
    ExperimentCompleteEvent,
    ExperimentStartEvent,
    MessageCompleteEvent,
    RateLimitEvent,
    TokenUsageEvent,
    TurnCompleteEvent,
    after_reply,
    rate_limited_text,
)
from pidgin_tui.core.outcome import USAGE_BUCKETS
from pidgin_tui.record.jsonl import JsonlWriter, wait_for_background_syncs
from pidgin_tui.record.layout import EXPERIMENT_EVENTS_NAME, MANIFEST_NAME, conversation_jsonl_name
from pidgin_tui.record.manifest import ManifestWriter, Urgency


def add_usage(target: dict[str, Any], event: TokenUsageEvent) -> None:
    """Add one response's usage and cost to a manifest total (experiment or conversation).

    The cost becomes None (unpriced) at the first unpriced response and stays so: a partial sum
    would read as a total. `priced_cost_usd` keeps the sum of what is priced.
    """
    for bucket in USAGE_BUCKETS:
        target[bucket] = int(target.get(bucket) or 0) + getattr(event, bucket)
    cost_key = "cost_usd" if "cost_usd" in target else "total_cost_usd"
    if event.cost_usd is None:
        target[cost_key] = None
    else:
        target["priced_cost_usd"] = float(target.get("priced_cost_usd") or 0.0) + event.cost_usd
        if target.get(cost_key) is not None:
            target[cost_key] = float(target[cost_key]) + event.cost_usd


class TrackingSubscriber:
    """Appends events to per-conversation JSONL files (plus one experiment-level file).

    Files are flushed on every event and fsynced at turn and conversation ends. The manifest is
    updated in memory on every event and written at a throttled rate, and at once on lifecycle
    changes.
    """

    def __init__(self, experiment_dir: Path, manifest: dict[str, Any],
                 on_storage_error: Callable[[str], None] | None = None) -> None:
        self.experiment_dir = experiment_dir
        self.on_storage_error = on_storage_error
        self.storage_error: str | None = None
        """The first write error, as one line; once set, nothing more is written."""
        self.manifest = ManifestWriter(experiment_dir / MANIFEST_NAME, manifest,
                                       on_error=self._failed)
        self._writers: dict[str, JsonlWriter] = {}
        self._closing: list[Future[None]] = []
        """Files of ended conversations still being fsynced and closed in the background."""
        self._subscription: Subscription | None = None
        self.manifest.write()
        self._experiment_log = JsonlWriter(experiment_dir / EXPERIMENT_EVENTS_NAME)

    def attach(self, bus: EventBus) -> TrackingSubscriber:
        self._subscription = bus.subscribe_all(self.handle)
        return self

    def handle(self, event: Event) -> None:
        if not event.persist:
            return
        urgency = self._update_manifest(event)
        if self.storage_error is not None:
            return
        try:
            writer = self._writer_for(event)
            writer.write(event)
            if isinstance(event, TurnCompleteEvent | ConversationEndEvent):
                writer.sync()
            if isinstance(event, ConversationEndEvent) and event.conversation_id:
                self._close_in_background(self._writers.pop(event.conversation_id))
            self.manifest.maybe_write(urgency)
        except OSError as exc:
            self._failed(exc)

    def _close_in_background(self, writer: JsonlWriter) -> None:
        """A finished conversation's file is fsynced and closed off the event loop; a failure
        is reported on the loop like any other write error."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            writer.close()
            return
        future = writer.close_in_background()
        if future is None:
            return
        self._closing = [f for f in self._closing if not f.done()] + [future]

        def done(finished: Future[None]) -> None:
            error = finished.exception()
            if isinstance(error, OSError):
                error.filename = error.filename or str(writer.path)
                loop.call_soon_threadsafe(self._failed, error)

        future.add_done_callback(done)

    def _failed(self, exc: OSError) -> None:
        """A write failed (disk full, read-only, I/O error): stop writing and say so once."""
        if self.storage_error is not None:
            return
        where = Path(exc.filename).name if exc.filename else self.experiment_dir.name
        self.storage_error = f"cannot write {where} in {self.experiment_dir}: " \
                             f"{exc.strerror or exc}"
        self.manifest.cancel()
        for writer in (*self._writers.values(), self._experiment_log):
            with contextlib.suppress(OSError):
                writer.abandon()
        self._writers.clear()
        if self.on_storage_error is not None:
            self.on_storage_error(self.storage_error)

    def _writer_for(self, event: Event) -> JsonlWriter:
        conversation_id = event.conversation_id
        if conversation_id is None:
            return self._experiment_log
        writer = self._writers.get(conversation_id)
        if writer is None:
            path = self.experiment_dir / conversation_jsonl_name(conversation_id)
            writer = self._writers[conversation_id] = JsonlWriter(path)
        return writer

    def _conversation(self, conversation_id: str | None) -> dict[str, Any]:
        conversations = self.manifest.data["conversations"]
        return conversations.setdefault(conversation_id, {
            "status": "created", "jsonl": conversation_jsonl_name(str(conversation_id)),
            "turns_completed": 0, "max_turns": 0, "tokens": 0, "cost_usd": 0.0,
            "convergence": None, "end_reason": None, "last_error": None,
        })

    def _update_manifest(self, event: Event) -> Urgency:
        """Apply the event to the manifest; say how soon the change must reach the file."""
        data = self.manifest.data
        self.manifest.mark_dirty(event.conversation_id)
        match event:
            case ExperimentStartEvent():
                data["status"] = "running"
                data["started_at"] = event.timestamp
                return Urgency.NOW
            case ExperimentCompleteEvent():
                data["status"] = event.status
                data["completed_at"] = event.timestamp
                data["duration_ms"] = event.duration_ms
                return Urgency.NOW
            case ConversationStartEvent():
                conv = self._conversation(event.conversation_id)
                conv.update(status="running", max_turns=event.max_turns,
                            agent_a_model=event.agent_a_model, agent_b_model=event.agent_b_model,
                            started_at=event.timestamp, repetition=event.repetition,
                            effective_a=event.effective_a, effective_b=event.effective_b)
                data["running_conversations"] += 1
                return Urgency.LIFECYCLE
            case ConversationResumedEvent(restarted=True):
                conv = self._conversation(event.conversation_id)
                if conv["status"] == "interrupted":
                    data["interrupted_conversations"] = max(
                        0, data["interrupted_conversations"] - 1)
                conv.update(status="running", end_reason=None, resumed_at=event.timestamp)
                data["running_conversations"] += 1
                return Urgency.LIFECYCLE
            case TurnCompleteEvent():
                conv = self._conversation(event.conversation_id)
                conv["turns_completed"] = event.turn_number
                conv["convergence"] = event.convergence_score
                data["total_turns"] += 1
            case TokenUsageEvent():
                conv = self._conversation(event.conversation_id)
                tokens = event.input_tokens + event.output_tokens
                conv["tokens"] += tokens
                data["total_tokens"] += tokens
                for target in (conv, data):
                    add_usage(target, event)
                if event.cost_usd is None:
                    conv["unpriced"] = True
                    data["unpriced_requests"] += 1
            case APIErrorEvent() | ErrorEvent():
                data["error_count"] += 1
                if event.conversation_id:
                    self._conversation(event.conversation_id)["last_error"] = \
                        event.error_message
            case RateLimitEvent():  # the wait of a failure already counted by its APIErrorEvent
                if event.conversation_id:
                    self._conversation(event.conversation_id)["last_error"] = \
                        rate_limited_text(event.wait_s)
            case EndStateDetectedEvent():
                self._conversation(event.conversation_id).setdefault("end_states", []).append(
                    [event.end_state, event.onset_turn])
            case MessageCompleteEvent():
                conv = self._conversation(event.conversation_id)
                conv["last_message_at"] = event.timestamp
                conv["last_error"] = after_reply(conv.get("last_error"))
            case ConversationEndEvent():
                conv = self._conversation(event.conversation_id)
                conv.update(status=event.status, end_reason=event.reason,
                            turns_completed=event.total_turns, ended_at=event.timestamp,
                            duration_ms=event.duration_ms)
                if event.error:
                    conv["last_error"] = event.error
                data["running_conversations"] = max(0, data["running_conversations"] - 1)
                key = {"completed": "completed_conversations", "failed": "failed_conversations",
                       }.get(event.status, "interrupted_conversations")
                data[key] += 1
                return Urgency.LIFECYCLE
        return Urgency.PROGRESS

    def close(self) -> None:
        """Fsync everything and write the manifest one last time.

        After a storage error the manifest write is still tried once (space may have been
        freed meanwhile), and its failure is not raised again.
        """
        if self._subscription is not None:
            self._subscription.cancel()
        self.manifest.mark_dirty()
        if self.storage_error is not None:
            with contextlib.suppress(OSError):
                self.manifest.write()
            return
        try:
            for writer in self._writers.values():
                writer.close()
            self._writers.clear()
            self._experiment_log.close()
            wait_for_background_syncs()
            for future in self._closing:
                error = future.exception()
                if isinstance(error, OSError):
                    raise error
            self.manifest.write()
        except OSError as exc:
            self._failed(exc)
