"""The provider contract: one streaming method yielding typed chunks, and typed failures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from pidgin_tui.core.types import ChatMessage

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
    agent_id: str = ""
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
