"""Typed events: everything that happens in a run, one JSON line each.

Every line carries `event_type`, `timestamp`, `seq` and `schema_version`. `event_type` is the
class name, used as the tag of a msgspec tagged union so a line parses back to the same typed
object. `experiment_id` and `conversation_id` are written only where the file does not already
say them (a conversation's file is named after it, inside its experiment's directory: the one
reader, `record.jsonl`, restores them). Lines of earlier releases also carry an `event_id`.
Metrics are written as a positional array (see `core.metric_layouts`).

Numbering: every `turn_number`, `onset_turn` and `repetition` an event carries is 1-based, the
number a person reads (turn 1 is the first turn; repetition 1 the first conversation). Lines of
schema version 1 counted both from 0: `decode_event` moves them to the current numbering, so
every reader of a line sees one numbering whatever version wrote it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from itertools import repeat
from typing import Any, ClassVar, Union

import msgspec

from pidgin_tui.core.metric_layouts import packed_metrics, unpacked_metrics
from pidgin_tui.core.types import AgentId, EndReason, Speaker, Status

SCHEMA_VERSION = 3
"""Bumped whenever a field changes meaning or a line changes form; readers keep accepting
older versions.

1: turns and repetitions counted from 0. 2: from 1 (`FIRST_TURN`, `FIRST_REPETITION`).
3: a line after a file's first leaves to it what it states (`record.compact`): its time is
relative to the first line's, its schema version and the agents' models and settings are the
first line's. Only the file's reader (`record.jsonl`) can read such a line whole."""
ZERO_BASED_SCHEMA = 1
"""The last schema version whose turn and repetition numbers count from 0."""
FIRST_TURN = 1
"""The number of a conversation's first turn, in events and everywhere they are shown."""
FIRST_REPETITION = 1
"""The number of an experiment's first conversation (its repetition)."""


def utc_now() -> str:
    """Current UTC time as ISO-8601 to the millisecond, e.g. `2026-11-24T10:40:06.438Z`."""
    ms = time.time_ns() // 1_000_000
    if ms == _last_stamp[0]:  # every event is stamped, and several fall in one millisecond
        return _last_stamp[1]
    return _stamp(ms)


_second_text: tuple[int, str] = (-1, "")
"""The last second `utc_text` spelled, and its text: most events fall in the second before
them (a third of `datetime.isoformat`'s cost)."""
_last_stamp: tuple[int, str] = (-1, "")
"""The last millisecond `utc_text` spelled, and its text."""


def utc_text(ns: int) -> str:
    """`ns` nanoseconds after the epoch as `utc_now` writes it: the millisecond it falls in
    (truncated, like `datetime.isoformat(timespec="milliseconds")`)."""
    ms = ns // 1_000_000
    return _last_stamp[1] if ms == _last_stamp[0] else _stamp(ms)


def _stamp(ms: int) -> str:
    global _second_text, _last_stamp
    second, millis = divmod(ms, 1000)
    cached, text = _second_text
    if second != cached:
        text = datetime.fromtimestamp(second, UTC).isoformat()[:19]  # no `+00:00`
        _second_text = (second, text)
    stamp = f"{text}.{millis:03d}Z"
    _last_stamp = (ms, stamp)
    return stamp


def _always(value: object) -> Any:
    """A default that is always written: `omit_defaults` skips plain defaults, not factories."""
    return msgspec.field(default_factory=repeat(value).__next__)  # C: no Python frame per event


class Event(msgspec.Struct, tag=True, tag_field="event_type", kw_only=True, omit_defaults=True):
    """Common fields of every event. Fields at their default are omitted from the JSON line
    (readers restore them), which keeps JSONL small; `timestamp`, `seq` and `schema_version`
    are always written."""

    event_id: str = ""
    """Only in lines of earlier releases (the database names an event by its `seq`)."""
    timestamp: str = msgspec.field(default_factory=utc_now)
    experiment_id: str = ""
    conversation_id: str | None = None
    seq: int = _always(0)
    """Per-conversation sequence number, assigned by the EventBus at publish time."""
    schema_version: int = _always(SCHEMA_VERSION)

    persist: ClassVar[bool] = True
    """False for live-only events (token chunks) that never go to JSONL."""

    @property
    def event_type(self) -> str:
        return type(self).__name__


# --- experiment level -------------------------------------------------------------------------


class ExperimentStartEvent(Event, kw_only=True):
    name: str
    config: dict[str, Any] = {}
    total_conversations: int = 0


class ExperimentCompleteEvent(Event, kw_only=True):
    status: Status
    completed_conversations: int = 0
    failed_conversations: int = 0
    interrupted_conversations: int = 0
    total_turns: int = 0
    total_tokens: int = 0
    total_cost_usd: float | None = 0.0
    duration_ms: int = 0


class PostProcessingStartEvent(Event, kw_only=True):
    steps: list[str] = []


class PostProcessingCompleteEvent(Event, kw_only=True):
    succeeded: list[str] = []
    failed: dict[str, str] = {}
    duration_ms: int = 0


# --- conversation lifecycle ----------------------------------------------------------------------


class ConversationStartEvent(Event, kw_only=True):
    agent_a_model: str
    agent_b_model: str
    agent_a_name: str = "Agent A"
    agent_b_name: str = "Agent B"
    initial_prompt: str = ""
    max_turns: int = 0
    temperature_a: float | None = None
    temperature_b: float | None = None
    awareness_a: str = "basic"
    awareness_b: str = "basic"
    first_speaker: AgentId = AgentId.A
    repetition: int = 0
    config: dict[str, Any] = {}
    effective_a: dict[str, Any] = {}
    """Agent A's effective parameters, as in MessageRequestEvent.effective."""
    effective_b: dict[str, Any] = {}


class SystemPromptEvent(Event, kw_only=True):
    agent_id: AgentId
    prompt: str
    agent_display_name: str = ""


class InjectionEvent(Event, kw_only=True):
    """An awareness turn prompt sent to one agent before its message of `turn_number`."""

    agent_id: AgentId
    turn_number: int
    content: str


class AgentNameChosenEvent(Event, kw_only=True):
    agent_id: AgentId
    chosen_name: str
    turn_number: int = 0


class TurnStartEvent(Event, kw_only=True):
    turn_number: int


class MessageRequestEvent(Event, kw_only=True):
    """What identifies a request without repeating the history (the Router can rebuild it)."""

    agent_id: AgentId
    turn_number: int
    model: str = ""
    """Empty only in a compact line, which leaves the agent's model to the start's."""
    message_count: int
    payload_sha256: str
    estimated_input_tokens: int = 0
    truncated_messages: int = 0
    temperature: float | None = None
    max_output_tokens: int | None = None
    think: bool = False
    think_budget: int | None = None
    attempt: int = 1
    effective: dict[str, Any] = {}
    """What the payload carried: temperature, max_output_tokens, thinking (`on`, `off`,
    `minimal`, `always`, `provider default`), the provider's own fields under `sent`, and
    `ignored`: the requested settings it does not carry."""


class MessageChunkEvent(Event, kw_only=True):
    persist: ClassVar[bool] = False
    agent_id: AgentId
    turn_number: int
    chunk: str
    chunk_index: int = 0


class ThinkingChunkEvent(Event, kw_only=True):
    persist: ClassVar[bool] = False
    agent_id: AgentId
    turn_number: int
    chunk: str
    chunk_index: int = 0


class MessageCompleteEvent(Event, kw_only=True):
    agent_id: AgentId
    turn_number: int
    content: str
    model: str = ""
    thinking: str | None = None
    tokens_used: int = 0
    duration_ms: int = 0
    time_to_first_token_ms: int | None = None
    finish_reason: str = "stop"
    empty: bool = False
    """The reply has no text (a safety block, a refusal, an output budget spent on reasoning);
    `finish_reason` says why. `content` keeps exactly what came back."""
    """`stop`, `length`, or `interrupted` for a partial message written out on shutdown."""
    inherited: bool = False
    """Copied from the parent conversation at a branch: part of this conversation's history,
    but not a new message (no request, no cost; counted once, in the parent)."""


class TokenUsageEvent(Event, kw_only=True):
    agent_id: AgentId
    turn_number: int
    model: str = ""
    provider: str = ""
    """Left out of a compact line when the model names it (`local` of `local:instant`)."""
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    estimated: bool = False
    cost_usd: float | None = None
    """None means the model is unpriced: never a guessed figure."""


class TurnCompleteEvent(Event, kw_only=True):
    turn_number: int
    convergence_score: float | None = None
    metrics: dict[str, float] = {}
    metrics_version: int = 0
    inherited: bool = False
    """A turn copied from the parent conversation at a branch (its metrics belong to the
    parent; readers that aggregate skip it)."""


def scored_turn(turn_number: int, metrics: dict[str, float], score: float | None,
                experiment_id: str = "", conversation_id: str | None = None) -> TurnCompleteEvent:
    """A turn's end carrying its scorer's result: the scorer's `metrics_version` entry moves
    out of `metrics` (in place) into the event's field; 0 when the turn was not scored."""
    version = int(metrics.pop("metrics_version", 1)) if metrics else 0
    return TurnCompleteEvent(experiment_id=experiment_id, conversation_id=conversation_id,
                             turn_number=turn_number, convergence_score=score, metrics=metrics,
                             metrics_version=version)


class ConvergenceWarningEvent(Event, kw_only=True):
    turn_number: int
    convergence_score: float
    threshold: float
    action: str


class EndStateDetectedEvent(Event, kw_only=True):
    """An end-state detector fired (see `pidgin_tui.metrics.endstates`): the conversation fell
    into `end_state` at `onset_turn`, detected at `turn_number`; `action` is what the run did."""

    turn_number: int
    end_state: str
    onset_turn: int
    score: float
    action: str
    substantive_turns: int = 0
    """Turns completed before `onset_turn`."""


class ContextLimitEvent(Event, kw_only=True):
    agent_id: AgentId
    turn_number: int
    model: str
    context_window: int
    estimated_tokens: int
    dropped_messages: int = 0
    truncated: bool = True


class ConversationPausedEvent(Event, kw_only=True):
    turn_number: int
    reason: str = "user"
    """`user` (a pause request) or `human` (pause-for-human: waits for an interjection or a
    resume before this turn)."""


class ConversationResumedEvent(Event, kw_only=True):
    turn_number: int
    restarted: bool = False
    """True when a conversation that had ended (paused or interrupted) is continued later."""


class InterruptRequestEvent(Event, kw_only=True):
    turn_number: int
    kind: str = "stop"
    """`stop` (user stop), `interrupt` (signal) or `pause`."""
    source: str = "user"


class ConversationBranchedEvent(Event, kw_only=True):
    """This conversation continues another one: it shares turns 1..`branch_turn` with it
    (written after this event, each marked `inherited`) and then goes on with `changes`."""

    source_conversation_id: str
    branch_turn: int
    """The last turn shared with the parent (1-based), i.e. how many turns are inherited."""
    parent_experiment_id: str = ""
    changes: dict[str, Any] = {}
    """Spec keys whose values differ from the parent's (new values), plus `inject` if any."""
    seed: int | None = None
    """The seed the branch's requests carry (the parent's, plus 1, 2, … for further branches
    of one `-r`), so `resume` continues it with the same one. None in older records."""


class InterjectionEvent(Event, kw_only=True):
    """Text from the researcher put into the conversation: as the narrator (marked as such),
    or speaking as one of the agents, sent to one agent or both."""

    turn_number: int
    """Delivered before this turn's next message (turn numbers as in the other events)."""
    text: str
    speaker: Speaker = Speaker.NARRATOR
    to: list[AgentId] = msgspec.field(default_factory=lambda: [AgentId.A, AgentId.B])
    source: str = "user"


class ConversationEndEvent(Event, kw_only=True):
    reason: EndReason
    total_turns: int
    status: Status = Status.COMPLETED
    duration_ms: int = 0
    error: str | None = None


# --- failures -------------------------------------------------------------------------------------


class APIErrorEvent(Event, kw_only=True):
    agent_id: AgentId | None = None
    provider: str = ""
    model: str = ""
    error_type: str = "api_error"
    error_message: str = ""
    status_code: int | None = None
    retryable: bool = False
    attempt: int = 1
    retry_in_s: float | None = None
    turn_number: int | None = None


class RateLimitEvent(Event, kw_only=True):
    """A rate limit or overload is being waited out. The failure itself is the APIErrorEvent
    published just before; readers count that one, so each failure counts once."""

    agent_id: AgentId | None = None
    provider: str = ""
    model: str = ""
    wait_s: float = 0.0
    attempt: int = 1
    reason: str = "rate_limit"
    turn_number: int | None = None


class ErrorEvent(Event, kw_only=True):
    error_type: str
    error_message: str
    context: str | None = None


ALL_EVENT_TYPES: tuple[type[Event], ...] = (
    ExperimentStartEvent, ExperimentCompleteEvent, PostProcessingStartEvent,
    PostProcessingCompleteEvent, ConversationStartEvent, SystemPromptEvent, InjectionEvent,
    AgentNameChosenEvent,
    TurnStartEvent, MessageRequestEvent, MessageChunkEvent, ThinkingChunkEvent,
    MessageCompleteEvent, TokenUsageEvent, TurnCompleteEvent, ConvergenceWarningEvent,
    EndStateDetectedEvent, ContextLimitEvent, ConversationPausedEvent, ConversationResumedEvent,
    InterruptRequestEvent, ConversationBranchedEvent, InterjectionEvent, ConversationEndEvent,
    APIErrorEvent, RateLimitEvent, ErrorEvent,
)
EVENT_TYPES_BY_NAME: dict[str, type[Event]] = {cls.__name__: cls for cls in ALL_EVENT_TYPES}

AnyEvent = (
    ExperimentStartEvent | ExperimentCompleteEvent | PostProcessingStartEvent
    | PostProcessingCompleteEvent | ConversationStartEvent | SystemPromptEvent
    | InjectionEvent | AgentNameChosenEvent | TurnStartEvent | MessageRequestEvent
    | MessageChunkEvent | ThinkingChunkEvent | MessageCompleteEvent | TokenUsageEvent
    | TurnCompleteEvent | ConvergenceWarningEvent | EndStateDetectedEvent | ContextLimitEvent
    | ConversationPausedEvent | ConversationResumedEvent | InterruptRequestEvent
    | ConversationBranchedEvent | InterjectionEvent | ConversationEndEvent | APIErrorEvent
    | RateLimitEvent | ErrorEvent
)

class _TurnCompleteLine(TurnCompleteEvent, tag="TurnCompleteEvent"):
    """A TurnCompleteEvent line as written: metrics as a positional array or as an object."""

    metrics: dict[str, float] | list[float | None] = {}  # type: ignore[assignment]


_LINE_TYPES = tuple(_TurnCompleteLine if cls is TurnCompleteEvent else cls
                    for cls in ALL_EVENT_TYPES)
_encoder = msgspec.json.Encoder()
_decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(Union[_LINE_TYPES])  # noqa: UP007
_TURN_FIELDS = TurnCompleteEvent.__struct_fields__

def encode_event(event: Event) -> bytes:
    """One JSON line (without the newline); metrics go positional where a layout fits."""
    if type(event) is TurnCompleteEvent and event.metrics:
        packed = packed_metrics(event.metrics, event.metrics_version)
        if packed is not None:
            return _encoder.encode(msgspec.structs.replace(event, metrics=msgspec.Raw(packed)))
    return _encoder.encode(event)


def _unpacked(line: _TurnCompleteLine) -> TurnCompleteEvent:
    metrics = line.metrics
    if isinstance(metrics, list):
        try:
            metrics = unpacked_metrics(metrics, line.metrics_version)
        except ValueError as exc:
            raise msgspec.ValidationError(str(exc)) from None
    fields = {name: getattr(line, name) for name in _TURN_FIELDS}
    fields["metrics"] = metrics
    return TurnCompleteEvent(**fields)


_VERSION_KEY = b'"schema_version"'
_TAG = b'{"event_type":"'
RELATIVE_TIME_KEY = b',"t":'
"""What follows the tag in a compact line (schema 3 on, `record.compact`): its time relative to
its file's first line, in place of its own `timestamp` and `schema_version`."""


def decode_event(line: bytes | str) -> Event:
    """Parse one JSON line back to its typed event, in the current numbering (see the module
    docstring); raises `msgspec.DecodeError` if malformed (or `msgspec.ValidationError` if a
    field has the wrong type). A line without a schema version is of the first one; a compact
    line (schema 3 on, without its time) is refused: only its file can complete it."""
    event = _decoder.decode(line)
    if type(event) is _TurnCompleteLine:
        event = _unpacked(event)
    raw = line.encode() if isinstance(line, str) else line
    if _VERSION_KEY not in raw:
        if raw.startswith(RELATIVE_TIME_KEY, raw.find(b'"', len(_TAG)) + 1):
            raise msgspec.ValidationError(
                "a compact line leaves its time and schema version to its file's first line: "
                "read it with its file (record.jsonl)")
        event.schema_version = ZERO_BASED_SCHEMA
    if event.schema_version <= ZERO_BASED_SCHEMA:
        migrate_zero_based(event)
    return event


def migrate_zero_based(event: Event) -> None:
    """Move an event of a 0-based schema version to 1-based turns and repetitions, in place."""
    if getattr(event, "turn_number", None) is not None:
        event.turn_number += 1  # type: ignore[attr-defined]
    if isinstance(event, EndStateDetectedEvent):
        event.onset_turn += 1
    elif isinstance(event, ConversationStartEvent):
        event.repetition += 1
    event.schema_version = SCHEMA_VERSION


def event_to_dict(event: Event) -> dict[str, Any]:
    """The event as plain builtins, `event_type` included."""
    return msgspec.to_builtins(event)
