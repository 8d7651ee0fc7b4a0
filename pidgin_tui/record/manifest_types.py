"""The manifest's shape: typed structs for manifest.json and each conversation's state.

A manifest is decoded into `Manifest` (its per-conversation states into `ConversationEntry`)
and read through attributes. A field of the wrong type fails the decode with a
`msgspec.ValidationError` naming the field: the reader reports that experiment as damaged
(`record/damage.py`); a missing field takes its default.

Manifests written before schema version 3 may count repetitions and end-state onsets from 0;
`migrate` moves them to the one numbering (from 1) as they are read.
"""

from __future__ import annotations

from typing import Any

import msgspec

from pidgin_tui.core.types import EndReason, Status

MANIFEST_SCHEMA_VERSION = 3
"""2: per-conversation states live in the state log, not in manifest.json.
3: repetitions and end-state onsets count from 1 (older ones may count from 0)."""


class ConversationEntry(msgspec.Struct, kw_only=True):
    """One conversation's state as the manifest keeps it (rendered from its record)."""

    status: Status = Status.CREATED
    jsonl: str | None = None
    turns_completed: int = 0
    max_turns: int = 0
    tokens: int = 0
    input_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float | None = 0.0
    """None once any response was unpriced."""
    priced_cost_usd: float = 0.0
    unpriced: bool = False
    convergence: float | None = None
    end_reason: EndReason | None = None
    last_error: str | None = None
    agent_a_model: str = ""
    agent_b_model: str = ""
    repetition: int = 0
    """From 1 (0 only before its start was recorded)."""
    started_at: str | None = None
    resumed_at: str | None = None
    last_message_at: str | None = None
    ended_at: str | None = None
    duration_ms: int | None = None
    end_states: list[tuple[str, int]] = []
    """(end state, onset turn) in the order detected; turns from 1."""
    effective_a: dict[str, Any] = {}
    effective_b: dict[str, Any] = {}


class Manifest(msgspec.Struct, kw_only=True):
    """manifest.json: an experiment's live summary, plus its conversations' states (which the
    file keeps in the state log beside it)."""

    schema_version: int = MANIFEST_SCHEMA_VERSION
    experiment_id: str = ""
    name: str = ""
    status: Status | None = None
    """None when the manifest names no status (listings show `RecordState.UNKNOWN`)."""
    created_at: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    updated_at: str | None = None
    pid: int | None = None
    config: dict[str, Any] = {}
    versions: dict[str, Any] = {}
    experiment_dir: str | None = None
    lineage: dict[str, Any] | None = None
    total_conversations: int = 0
    completed_conversations: int = 0
    failed_conversations: int = 0
    interrupted_conversations: int = 0
    running_conversations: int = 0
    total_turns: int = 0
    total_tokens: int = 0
    input_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    total_cost_usd: float | None = 0.0
    """None once any response was unpriced."""
    priced_cost_usd: float = 0.0
    unpriced_requests: int = 0
    error_count: int = 0
    duration_ms: int | None = None
    state_log: str | None = None
    """The file beside it that holds the conversations' states (schema 2 on)."""
    conversations: dict[str, ConversationEntry] = {}

    @property
    def conversations_done(self) -> int:
        return self.completed_conversations + self.failed_conversations + \
            self.interrupted_conversations

    def count(self, status: Status) -> int:
        """The summary's count of conversations with `status` (0 for one it does not count)."""
        value = getattr(self, f"{status}_conversations", 0)
        return value if isinstance(value, int) else 0

    def summary(self) -> dict[str, Any]:
        """Every field but the conversations, as manifest.json holds them."""
        fields = msgspec.structs.asdict(self)
        del fields["conversations"]
        return fields


def migrate(data: dict[str, Any], conversations: dict[str, dict[str, Any]]) -> None:
    """Bring a decoded manifest written before schema 3 to the one numbering, in place.

    Such a manifest counted repetitions and end-state onsets from 0 if any conversation has
    repetition 0 (counting from 1 never writes 0 once a conversation started); then every
    repetition and onset moves up by one.
    """
    version = data.get("schema_version")
    if isinstance(version, int) and not isinstance(version, bool) and \
            version >= MANIFEST_SCHEMA_VERSION:
        return
    started = [c for c in conversations.values() if isinstance(c, dict) and
               c.get("started_at") is not None]
    if not any(c.get("repetition") == 0 for c in started):
        return
    for entry in started:
        if isinstance(entry.get("repetition"), int):
            entry["repetition"] += 1
        states = entry.get("end_states")
        if isinstance(states, list):
            entry["end_states"] = [
                [s[0], s[1] + 1] if isinstance(s, list) and len(s) == 2 and
                isinstance(s[1], int) else s for s in states]


def to_manifest(data: dict[str, Any]) -> Manifest:
    """The typed manifest of decoded JSON (conversations included); raises
    `msgspec.ValidationError` naming the first field of the wrong type (for a conversation's
    field: `conversations.<id>.<field>`)."""
    listed = data.get("conversations")
    if not isinstance(listed, dict):
        return msgspec.convert(data, Manifest)
    manifest = msgspec.convert({**data, "conversations": {}}, Manifest)
    for conversation_id, entry in listed.items():
        try:
            manifest.conversations[conversation_id] = msgspec.convert(entry, ConversationEntry)
        except msgspec.ValidationError as exc:
            where = f"$.conversations.{conversation_id}"
            text = str(exc).replace("- at `$", f"- at `{where}")
            raise msgspec.ValidationError(text if where in text else
                                          f"{text} - at `{where}`") from None
    return manifest


def validation_line(error: msgspec.ValidationError) -> str:
    """`pid: expected int | null, got str`: which field is wrong and how (msgspec's words)."""
    text = str(error).replace("`", "")
    found, _, where = text.partition(" - at $.")
    if not where:
        return text
    return f"{where}: {found[:1].lower()}{found[1:]}"
