"""The provider port: what the conductor needs from a model backend, and nothing more.

A provider streams typed chunks for one request and fails with a classified ProviderError;
ModelInfo says what is known about a model. The adapters in `providers/` implement this port;
`core/` depends on it alone, never on an adapter.
"""


from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from pidgin_tui.core.types import AgentId, ChatMessage

__all__ = ["ChatMessage"]  # re-exported: adapters take routed messages from here too


@dataclass(slots=True)
class ProviderRequest:
    """Everything a provider needs for one completion, already routed for one agent."""

    model: str
    """The provider's own model id (no `provider:` prefix)."""
    system: str
    messages: list[ChatMessage]
    temperature: float | None = None
    max_output_tokens: int | None = None
    think: bool = False
    think_budget: int | None = None
    model_thinks: bool | None = None
    """The model takes a thinking setting (catalog or a config override); None: unknown, the
    adapter decides from the model id."""
    turn_number: int = 0
    agent_id: AgentId | None = None
    seed: int = 0
    """Only the local models use it; real providers ignore it."""


@dataclass(slots=True, frozen=True)
class TextChunk:
    text: str


@dataclass(slots=True, frozen=True)
class ThinkingChunk:
    text: str


@dataclass(slots=True, frozen=True)
class UsageChunk:
    """Normalised usage. `input_tokens` excludes the cache buckets; `reasoning` is within output."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    estimated: bool = False


@dataclass(slots=True, frozen=True)
class FinishChunk:
    reason: str = "stop"
    """`stop` or `length`; a stream with no finish is an error, never a FinishChunk."""


Chunk = TextChunk | ThinkingChunk | UsageChunk | FinishChunk

ErrorKind = Literal[
    "rate_limit", "overloaded", "server", "auth", "bad_request", "context_length",
    "connection", "incomplete_stream", "timeout", "not_found", "unknown",
]
RETRYABLE_KINDS: frozenset[str] = frozenset(
    {"rate_limit", "overloaded", "server", "connection", "incomplete_stream", "timeout"}
)
RATE_LIMIT_KINDS: frozenset[str] = frozenset({"rate_limit", "overloaded"})
"""Failures that mean "slow down": announced as rate limits, and they shrink in-flight limits."""


@dataclass(slots=True)
class ProviderError(Exception):
    """A classified provider failure. Its message never contains an API key."""

    kind: ErrorKind
    message: str
    status_code: int | None = None
    retry_after_s: float | None = None
    provider: str = ""
    details: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        Exception.__init__(self, self.message)

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE_KINDS

    def __str__(self) -> str:
        return self.message


@runtime_checkable
class Provider(Protocol):
    """A model backend. `stream` yields chunks and ends with exactly one FinishChunk."""

    name: str

    def stream(self, request: ProviderRequest) -> AsyncIterator[Chunk]: ...


@dataclass(slots=True, frozen=True)
class ModelInfo:
    """What the app knows about one model."""

    provider: str
    model_id: str
    display_name: str
    context_window: int
    max_output_tokens: int
    supports_thinking: bool | None = False
    """None: unknown (an unlisted id without a capability override in the config)."""
    temperature_range: tuple[float, float] = (0.0, 2.0)
    aliases: tuple[str, ...] = ()
    description: str = ""
    deprecated: bool = False

    @property
    def ref(self) -> str:
        return f"{self.provider}:{self.model_id}"


AbortCheck = Callable[[], bool]
"""True once the request should be abandoned (a stop or an interrupt)."""


@dataclass(slots=True)
class MessageResult:
    content: str
    thinking: str | None
    usage: UsageChunk
    cost_usd: float | None
    duration_ms: int
    time_to_first_token_ms: int | None
    finish_reason: str

    @property
    def aborted(self) -> bool:
        return self.finish_reason == "interrupted"


def interrupted_result() -> MessageResult:
    """An empty, aborted message: a stop before the request was sent or during a backoff wait."""
    return MessageResult(content="", thinking=None, usage=UsageChunk(), cost_usd=0.0,
                         duration_ms=0, time_to_first_token_ms=None, finish_reason="interrupted")


@dataclass(slots=True)
class RequestContext:
    """Who is asking: the ids every event of this request carries."""

    experiment_id: str
    conversation_id: str
    agent_id: AgentId
    turn_number: int
    info: ModelInfo
    estimated_input_tokens: int = 0
    truncated_messages: int = 0
    attempt: int = 1
    payload_hash: Callable[[ProviderRequest], str] | None = None
    """Gives the request's `payload_sha256` (an agent's `core.payload_hash.PayloadChain`,
    which hashes only what is new); None: the request is hashed whole."""


Responder = Callable[[Provider, ProviderRequest, RequestContext, AbortCheck],
                     Awaitable[MessageResult]]
"""Gets one message and reports it on the bus: a single attempt, or attempts with retries."""
ParameterDescriber = Callable[[Provider, ProviderRequest], Awaitable[dict[str, Any]]]
"""The effective parameters a provider sends for a request, with the settings it ignores."""
