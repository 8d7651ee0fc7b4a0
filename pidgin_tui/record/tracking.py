"""The tracking subscriber: every persistent event to JSONL, and manifest.json kept current."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from pathlib import Path
from typing import cast

from pidgin_tui.core.bus import EventBus, Subscription
from pidgin_tui.core.events import (
    APIErrorEvent,
    ConversationEndEvent,
    ErrorEvent,
    Event,
    ExperimentCompleteEvent,
    ExperimentStartEvent,
    TokenUsageEvent,
    TurnCompleteEvent,
)
from pidgin_tui.core.outcome import USAGE_BUCKETS
from pidgin_tui.core.types import FINAL_STATUSES, Status
from pidgin_tui.record.conversation import ConversationRecord
from pidgin_tui.record.jsonl import JsonlWriter, wait_for_background_syncs
from pidgin_tui.record.layout import EXPERIMENT_EVENTS_NAME, MANIFEST_NAME, conversation_jsonl_name
from pidgin_tui.record.manifest import ManifestWriter, Urgency
from pidgin_tui.record.manifest_types import ConversationEntry, Manifest


def add_usage(summary: Manifest, event: TokenUsageEvent) -> None:
    """Add one response's usage and cost to the experiment's totals.

    The cost becomes None (unpriced) at the first unpriced response and stays so: a partial sum
    would read as a total. `priced_cost_usd` keeps the sum of what is priced.
    """
    for bucket in USAGE_BUCKETS:
        setattr(summary, bucket, getattr(summary, bucket) + getattr(event, bucket))
    summary.total_tokens += event.input_tokens + event.output_tokens
    if event.cost_usd is None:
        summary.total_cost_usd = None
        summary.unpriced_requests += 1
        return
    summary.priced_cost_usd += event.cost_usd
    if summary.total_cost_usd is not None:
        summary.total_cost_usd += event.cost_usd


_SYNCED_AFTER = frozenset({TurnCompleteEvent, ConversationEndEvent, ExperimentCompleteEvent})
"""Events after which their file is fsynced (in the background): the experiment's end is then
fsynced while the manifest's last write goes on, and `close` finds it done."""
_ERRORS = frozenset({APIErrorEvent, ErrorEvent})
"""Events counted in the manifest's `error_count`."""

COUNTED = frozenset({Status.RUNNING, *FINAL_STATUSES})
"""The statuses the summary counts conversations under (`<status>_conversations`)."""


def counted_as(status: Status) -> Status | None:
    """The summary count a conversation status falls in (paused ones still run)."""
    status = Status.RUNNING if status == Status.PAUSED else status
    return status if status in COUNTED else None


def manifest_entry(record: ConversationRecord) -> ConversationEntry:
    """A conversation's state in the manifest, as its record has it."""
    start = record.start
    return ConversationEntry(
        status=record.status, jsonl=conversation_jsonl_name(record.conversation_id),
        turns_completed=record.turns_completed, max_turns=record.max_turns,
        tokens=record.total_tokens, input_tokens=record.input_tokens,
        cache_read_tokens=record.cache_read_tokens, cache_write_tokens=record.cache_write_tokens,
        output_tokens=record.output_tokens, reasoning_tokens=record.reasoning_tokens,
        cost_usd=record.cost_usd, priced_cost_usd=record.priced_cost_usd,
        unpriced=record.unpriced_requests > 0, convergence=record.convergence,
        end_reason=record.end_reason, last_error=record.last_error,
        agent_a_model=record.models.get("agent_a", ""),
        agent_b_model=record.models.get("agent_b", ""),
        repetition=record.repetition, started_at=record.started_at,
        resumed_at=record.resumed_at, last_message_at=record.last_message_at,
        ended_at=record.ended_at,
        duration_ms=record.end.duration_ms if record.end is not None else None,
        end_states=[(e.end_state, e.onset_turn) for e in record.end_states],
        effective_a=start.effective_a if start is not None else {},
        effective_b=start.effective_b if start is not None else {})


class TrackingSubscriber:
    """Appends events to per-conversation JSONL files (plus one experiment-level file).

    Files are flushed on every event and fsynced at turn and conversation ends. The manifest is
    updated in memory on every event and written at a throttled rate, and at once on lifecycle
    changes.
    """

    def __init__(self, experiment_dir: Path, manifest: Manifest,
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
        self._records: dict[str, ConversationRecord] = {}
        """Each conversation written by this process, folded as it goes."""
        self._counted: dict[str, Status] = {}
        """The status each conversation is counted under in the manifest's summary."""
        self.manifest.before_write = self._render
        self.manifest.write()
        self._experiment_log = JsonlWriter(experiment_dir / EXPERIMENT_EVENTS_NAME)

    def attach(self, bus: EventBus) -> TrackingSubscriber:
        self._subscription = bus.subscribe_persisted(self.handle)
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
            kind = type(event)  # exact types: isinstance is slow on Structs
            if kind in _SYNCED_AFTER:
                writer.sync()
                if kind is ConversationEndEvent and event.conversation_id:
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

    def conversation_entry(self, conversation_id: str) -> ConversationEntry:
        """The manifest's state of a conversation as of now (rendered from its record)."""
        conversations = self.manifest.data.conversations
        record = self._records.get(conversation_id)
        if record is not None:
            conversations[conversation_id] = manifest_entry(record)
        return conversations[conversation_id]

    def _render(self, conversation_ids: Iterable[str]) -> None:
        """Bring the manifest's entries of the changed conversations up to date (before a
        write: O(changed), not O(events))."""
        for conversation_id in conversation_ids:
            if conversation_id in self._records:
                self.conversation_entry(conversation_id)

    def _record(self, conversation_id: str) -> ConversationRecord:
        """The conversation's record; one the manifest already lists (a resumed run) is first
        read from its file, so its totals go on from where the file stands."""
        record = self._records.get(conversation_id)
        if record is None:
            path = self.experiment_dir / conversation_jsonl_name(conversation_id)
            record = ConversationRecord(conversation_id=conversation_id, detail=False, path=path)
            if conversation_id in self.manifest.data.conversations:
                record.read_more()
            self._records[conversation_id] = record
        return record

    def _update_manifest(self, event: Event) -> Urgency:
        """Apply the event to the manifest; say how soon the change must reach the file."""
        data = self.manifest.data
        conversation_id = event.conversation_id
        self.manifest.mark_dirty(conversation_id)
        kind = type(event)  # exact types: isinstance is slow on Structs
        if kind is ExperimentStartEvent:
            # Like a conversation's start: the manifest written on creation already names this
            # process (`created` and `running` both say it works on the experiment), so the
            # run does not wait for the disk before its first request.
            data.status = Status.RUNNING
            data.started_at = event.timestamp
            return Urgency.LIFECYCLE
        if kind is ExperimentCompleteEvent:
            complete = cast(ExperimentCompleteEvent, event)
            data.status = complete.status
            data.completed_at = complete.timestamp
            data.duration_ms = complete.duration_ms
            return Urgency.NOW
        if kind in _ERRORS:
            data.error_count += 1
        if conversation_id is None:
            return Urgency.PROGRESS
        record = self._record(conversation_id)
        turns = record.turns_completed
        record.apply(event)
        data.total_turns += record.turns_completed - turns
        if kind is TokenUsageEvent:
            add_usage(data, cast(TokenUsageEvent, event))
        counted = self._counted.get(conversation_id)
        if counted is None:
            entry = data.conversations.get(conversation_id)
            counted = entry.status if entry is not None else Status.CREATED
        if record.status == counted:
            return Urgency.PROGRESS
        self._counted[conversation_id] = record.status
        for status, change in ((counted, -1), (record.status, 1)):
            key = counted_as(status)
            if key is not None:
                setattr(data, f"{key}_conversations", max(0, data.count(key) + change))
        if sum(map(data.count, FINAL_STATUSES)) >= data.total_conversations > 0:
            # The last conversation ended: the experiment's end follows at once (the runner
            # publishes it when its conversations are done) and is written then, with this
            # change, rather than after a write of this one alone (a timer writes it anyway).
            return Urgency.PROGRESS
        return Urgency.LIFECYCLE

    def close(self) -> None:
        """Fsync everything and bring the manifest file up to date (written once more only if
        a change is not in it yet).

        After a storage error the manifest write is still tried once (space may have been
        freed meanwhile), and its failure is not raised again.
        """
        if self._subscription is not None:
            self._subscription.cancel()
        if self.storage_error is not None:
            self.manifest.mark_dirty()
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
            self.manifest.flush()
        except OSError as exc:
            self._failed(exc)
