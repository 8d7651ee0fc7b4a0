"""Compact lines (schema version 3 on): a line leaves to its file's first line what that states.

A file's first line is written in full. A later line may be *compact*; then it
- gives its time as `t`, whole milliseconds after the first line's `timestamp`, in place of a
  `timestamp` of its own, and leaves out `schema_version` (it is the first line's);
- in a conversation's file (first line a ConversationStartEvent), leaves out the `model` of a
  request, a message or a token usage when it is the agent's model at the start, and a
  request's `effective` settings when they are the agent's at the start (`effective_a`/`_b`);
- leaves out a token usage's `provider` when its model names it (`local` of `local:instant`);
- writes a request's `payload_sha256` as 43 characters of base64 instead of 64 hex digits.

A line is compact only if all of that reads back exactly; otherwise it is written in full (a
line whose time is not a UTC millisecond time, a message whose model is empty while the agent's
is not, a file whose first line is of an earlier version or unreadable). `FileHeader.expand`
and `FileHeader.restore` give the one reader (`record.jsonl`) every field back, and
`FileHeader.columns` gives the DuckDB import (`database.import_sql`) what it needs to do the
same in SQL.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from pidgin_tui.core.events import (
    RELATIVE_TIME_KEY,
    ConversationStartEvent,
    Event,
    MessageCompleteEvent,
    MessageRequestEvent,
    TokenUsageEvent,
    decode_event,
    encode_event,
)

COMPACT_SCHEMA = 3
"""The first schema version whose lines may be compact."""
AGENT_MODEL_EVENTS = (MessageRequestEvent, MessageCompleteEvent, TokenUsageEvent)
AgentModelEvent = MessageRequestEvent | MessageCompleteEvent | TokenUsageEvent
"""Events whose `model` a compact line leaves to the start when it is the agent's."""
AGENTS = ("agent_a", "agent_b")

_TAG = b'{"event_type":"'
_TAG_LENGTH = len(_TAG)
_TIME_KEY = RELATIVE_TIME_KEY
_TIMESTAMP_KEY = b',"timestamp":"'
_VERSION_KEY = b',"schema_version":'
_INT = re.compile(rb"-?\d+")
_UTC_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
"""The one time format a compact line can restore exactly (`core.events.utc_now`)."""
_UTC_MS_LENGTH = len("2026-12-01T23:59:59.123Z")
_SECOND_LENGTH = len("2026-12-01T23:59:59")
_TIMESTAMP_FIELD_LENGTH = len(_TIMESTAMP_KEY) + _UTC_MS_LENGTH + 1
"""`,"timestamp":"…"` of a UTC millisecond time."""
_HEX64 = re.compile(r"[0-9a-f]{64}")
_B64_HASH_CHARS = 43


def _provider_named(model: str) -> str:
    """The provider a model's name says (`local` of `local:instant`), or `""`."""
    provider, colon, _ = model.partition(":")
    return provider if colon else ""


def _stamp(start: datetime, ms: int) -> str:
    return (start + timedelta(milliseconds=ms)).isoformat(
        timespec="milliseconds").replace("+00:00", "Z")


@dataclass(slots=True)
class FileHeader:
    """What a file's first line (of schema version 3 or later) states for the lines after it."""

    start: datetime
    start_text: str
    schema_version: int
    models: dict[str, str] = field(default_factory=dict)
    """Agent id -> its model at the start (conversation files only)."""
    effective: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Agent id -> its effective settings at the start."""
    _stamps: dict[int, bytes] = field(default_factory=dict)
    _spelled: dict[int, bytes] = field(default_factory=dict)
    """Milliseconds -> what takes the place of a compact line's `,"t":<ms>` (reading)."""
    _second: str = ""
    """The last second (`YYYY-MM-DDTHH:MM:SS`) a written line's time fell in, and its start
    in milliseconds after the first line's time."""
    _second_ms: int = 0
    _version_field: bytes = b""
    """`,"schema_version":N` as a line written under this header spells it."""

    def __post_init__(self) -> None:
        self._version_field = b'%s%d' % (_VERSION_KEY, self.schema_version)

    @classmethod
    def of_event(cls, event: Event) -> FileHeader | None:
        """The header a first line of `event` makes, or None if later lines cannot be compact
        (an earlier schema version, or a time that is not a UTC millisecond time)."""
        if event.schema_version < COMPACT_SCHEMA or not _UTC_MS.fullmatch(event.timestamp):
            return None
        header = cls(datetime.fromisoformat(event.timestamp), event.timestamp,
                     event.schema_version)
        if isinstance(event, ConversationStartEvent):
            header.models = {"agent_a": event.agent_a_model, "agent_b": event.agent_b_model}
            header.effective = {"agent_a": event.effective_a, "agent_b": event.effective_b}
        return header

    @classmethod
    def of_line(cls, line: bytes) -> FileHeader | None:
        """The header of a first line as written, or None (unreadable, or not compact)."""
        try:
            return cls.of_event(decode_event(line))
        except (msgspec.DecodeError, msgspec.ValidationError, ValueError):
            return None

    @classmethod
    def of_file(cls, path: Path) -> FileHeader | None:
        """The header of the file at `path`: None if it has no complete first line, or one
        of an earlier version."""
        try:
            with open(path, "rb") as handle:
                first = handle.readline()
        except OSError:
            return None
        return cls.of_line(first) if first.endswith(b"\n") else None

    # --- writing ------------------------------------------------------------------------------

    def compact(self, event: Event, changes: dict[str, Any] | None = None) -> bytes | None:
        """`event` as a compact line (without the newline), or None if it must be written in
        full. `changes` are the caller's own field changes (the ids `record.jsonl` leaves to the
        file's name), made in the same copy."""
        ms = self._relative_ms(event.timestamp)
        if ms is None:
            return None
        changes = {} if changes is None else dict(changes)  # the caller's stay its own
        leave_out = _LEAVE_OUT.get(type(event))  # exact types: isinstance is slow on Structs
        if leave_out is not None and not leave_out(self, event, changes):
            return None
        if changes.get("schema_version", event.schema_version) != self.schema_version:
            changes["schema_version"] = self.schema_version  # left to the first line
        line = encode_event(msgspec.structs.replace(event, **changes) if changes else event)
        # The tag comes first and `timestamp` (24 characters, checked) right after it: no event
        # id is written. The first `,"schema_version":N` after it is the line's own (only `seq`
        # comes between; no string can hold unescaped quotes).
        head = line.index(b'"', _TAG_LENGTH) + 1
        if not line.startswith(_TIMESTAMP_KEY, head):
            return None  # an event id of an earlier release comes first
        end = head + _TIMESTAMP_FIELD_LENGTH
        version = line.index(self._version_field, end)
        return b"".join((line[:head], _TIME_KEY, b"%d" % ms, line[end:version],
                         line[version + len(self._version_field):]))

    def _agent_model(self, event: AgentModelEvent, changes: dict[str, Any]) -> bool:
        """Leave out the agent's model (as at the start); False if the line must be full."""
        model = self.models.get(event.agent_id)
        if model is None:
            return True
        if event.model == model:
            changes["model"] = ""
        elif not event.model:
            return False  # an empty model would read back as the agent's
        return True

    def _request(self, event: MessageRequestEvent, changes: dict[str, Any]) -> bool:
        """Also the agent's effective settings (as at the start), and the hash in base64."""
        if not self._agent_model(event, changes):
            return False
        if event.agent_id in self.models:
            if event.effective == self.effective.get(event.agent_id, {}):
                changes["effective"] = {}
            elif not event.effective:
                return False
        if not _HEX64.fullmatch(event.payload_sha256):
            return False
        changes["payload_sha256"] = binascii.b2a_base64(
            bytes.fromhex(event.payload_sha256), newline=False)[:_B64_HASH_CHARS].decode()
        return True

    def _usage(self, event: TokenUsageEvent, changes: dict[str, Any]) -> bool:
        """Also the provider, when the model names it."""
        if not self._agent_model(event, changes):
            return False
        implied = _provider_named(event.model)
        if implied:
            if event.provider == implied:
                changes["provider"] = ""
            elif not event.provider:
                return False
        return True

    def _relative_ms(self, timestamp: str) -> int | None:
        """Whole milliseconds from the first line's time to `timestamp`, or None if it is not
        a UTC millisecond time (`core.events.utc_now`). Parses each second once."""
        if len(timestamp) != _UTC_MS_LENGTH or not timestamp.isascii():
            return None
        second, millis = timestamp[:_SECOND_LENGTH], timestamp[_SECOND_LENGTH + 1:-1]
        if second != self._second:
            if not _UTC_MS.fullmatch(timestamp):
                return None
            self._second_ms = (datetime.fromisoformat(second).replace(tzinfo=UTC)
                               - self.start) // timedelta(milliseconds=1)
            self._second = second
        elif not millis.isdigit() or timestamp[_SECOND_LENGTH] != "." or timestamp[-1] != "Z":
            return None
        return self._second_ms + int(millis)

    # --- reading ------------------------------------------------------------------------------

    def stamp(self, ms: int) -> bytes:
        """The `timestamp` of a line `ms` milliseconds after the first one."""
        text = self._stamps.get(ms)
        if text is None:
            text = self._stamps[ms] = _stamp(self.start, ms).encode()
        return text

    def expand(self, line: bytes, time: CompactTime | None = None) -> bytes:
        """A compact line with its `timestamp` and `schema_version` put back (other lines as
        they are); `restore` puts back the rest once it is decoded. `time` is the line's
        `compact_time`, if the caller has it already."""
        if time is None:
            time = compact_time(line)
            if time is None:
                return line
        at, number = time
        ms = int(number.group())
        spelled = self._spelled.get(ms)
        if spelled is None:
            spelled = self._spelled[ms] = b"".join((
                _TIMESTAMP_KEY, self.stamp(ms), b'"', self._version_field))
        return b"".join((line[:at], spelled, line[number.end():]))

    def restore(self, event: Event) -> None:
        """Put back, in place, the fields a compact line of `event` left to the first line."""
        if not isinstance(event, AGENT_MODEL_EVENTS):
            return  # it left its time only
        agent = event.agent_id
        if not event.model and agent in self.models:
            event.model = self.models[agent]
        if isinstance(event, MessageRequestEvent):
            if not event.effective and agent in self.effective:
                event.effective = self.effective[agent]
            if len(event.payload_sha256) == _B64_HASH_CHARS:
                event.payload_sha256 = _hex_of(event.payload_sha256)
        elif isinstance(event, TokenUsageEvent) and not event.provider:
            event.provider = _provider_named(event.model)

    def columns(self) -> dict[str, Any]:
        """What the SQL import needs to restore this file's compact lines."""
        return {"start": self.start_text, "version": self.schema_version,
                "model_a": self.models.get("agent_a"), "model_b": self.models.get("agent_b"),
                "effective_a": _json(self.effective.get("agent_a")),
                "effective_b": _json(self.effective.get("agent_b"))}


_LEAVE_OUT: dict[type[Event], Callable[[FileHeader, Any, dict[str, Any]], bool]] = {
    MessageRequestEvent: FileHeader._request, MessageCompleteEvent: FileHeader._agent_model,
    TokenUsageEvent: FileHeader._usage}
"""What a compact line of each type leaves out besides its time and version (by exact type:
a subclass is written in full, never wrongly)."""


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else msgspec.json.encode(value).decode()


CompactTime = tuple[int, re.Match[bytes]]
"""Where a compact line's `,"t":` starts, and its number."""


def compact_time(line: bytes) -> CompactTime | None:
    """Where a compact line's `,"t":` starts and its number, or None for a full line."""
    if not line.startswith(_TAG):
        return None
    at = line.find(b'"', len(_TAG)) + 1
    if at <= 0 or not line.startswith(_TIME_KEY, at):
        return None
    number = _INT.match(line, at + len(_TIME_KEY))
    return (at, number) if number is not None else None


def is_compact(line: bytes) -> bool:
    """Whether a line leaves its time (and more) to its file's first line."""
    return compact_time(line) is not None


def _hex_of(value: str) -> str:
    """A payload hash written in base64 as the hex digits it stands for (else as it is)."""
    try:
        return base64.b64decode(value + "=", validate=True).hex()
    except (binascii.Error, ValueError):
        return value
