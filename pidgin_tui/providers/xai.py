"""xAI adapter: Grok models through the OpenAI SDK at xAI's OpenAI-compatible endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from pidgin_tui.core.provider import Chunk, ProviderRequest, UsageChunk
from pidgin_tui.providers.openai import OpenAICompatibleProvider

FIXED_REASONING = ("grok-4-", "grok-4.0", "grok-4-0709")
"""Grok 4.0 models always reason and refuse a `reasoning_effort`; grok-4.3 accepts one."""


class XAIProvider(OpenAICompatibleProvider):
    """Grok over Chat Completions; reasoning text arrives as `reasoning_content` deltas."""

    def is_reasoning_model(self, model: str) -> bool:
        return False  # grok models accept a temperature

    def takes_reasoning_effort(self, request: ProviderRequest) -> bool:
        return not request.model.startswith(FIXED_REASONING)

    def always_reasons(self, request: ProviderRequest) -> bool:
        return request.model.startswith(FIXED_REASONING)

    def effort_when_off(self, request: ProviderRequest) -> str | None:
        """xAI offers no "none": the lowest effort is `low`."""
        return "low"

    async def stream(self, request: ProviderRequest) -> AsyncIterator[Chunk]:
        async for chunk in super().stream(request):
            yield with_reasoning_in_output(chunk) if isinstance(chunk, UsageChunk) else chunk

    def build_params(self, request: ProviderRequest) -> dict[str, Any]:
        params = super().build_params(request)
        if "max_completion_tokens" in params:
            params["max_tokens"] = params.pop("max_completion_tokens")
        return params


def with_reasoning_in_output(usage: UsageChunk) -> UsageChunk:
    """xAI reports `reasoning_tokens` outside `completion_tokens`, and bills both as output."""
    return replace(usage, output_tokens=usage.output_tokens + usage.reasoning_tokens)
