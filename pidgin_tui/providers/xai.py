"""xAI adapter: Grok models through the OpenAI SDK at xAI's OpenAI-compatible endpoint."""

from __future__ import annotations

from typing import Any

from pidgin_tui.providers.base import ProviderRequest
from pidgin_tui.providers.openai import OpenAICompatibleProvider, reasoning_effort

FIXED_REASONING = ("grok-4-", "grok-4.0", "grok-4-0709")
"""Grok 4.0 models always reason and refuse a `reasoning_effort`; grok-4.3 accepts one."""


class XAIProvider(OpenAICompatibleProvider):
    """Grok over Chat Completions; reasoning text arrives as `reasoning_content` deltas."""

    name = "xai"

    def is_reasoning_model(self, model: str) -> bool:
        return False  # grok models accept a temperature

    def build_params(self, request: ProviderRequest) -> dict[str, Any]:
        params = super().build_params(request)
        if "max_completion_tokens" in params:
            params["max_tokens"] = params.pop("max_completion_tokens")
        if request.think and not request.model.startswith(FIXED_REASONING):
            params["reasoning_effort"] = reasoning_effort(request.think_budget)
        return params
