"""xAI adapter: Grok models through the OpenAI SDK at xAI's OpenAI-compatible endpoint."""

from __future__ import annotations

from typing import Any

from pidgin_tui.providers.base import ProviderRequest
from pidgin_tui.providers.openai import OpenAICompatibleProvider

XAI_DEFAULT_BASE_URL = "https://api.x.ai/v1"


class XAIProvider(OpenAICompatibleProvider):
    """Grok over Chat Completions; `grok-3-mini` models stream their reasoning_content."""

    name = "xai"

    def is_reasoning_model(self, model: str) -> bool:
        return False  # grok models accept a temperature

    def build_params(self, request: ProviderRequest) -> dict[str, Any]:
        params = super().build_params(request)
        if "max_completion_tokens" in params:
            params["max_tokens"] = params.pop("max_completion_tokens")
        if request.think and request.model.startswith("grok-3-mini"):
            # Only the grok-3-mini family accepts an effort; grok-4 always reasons.
            params["reasoning_effort"] = "low" if (request.think_budget or 0) <= 4096 else "high"
        return params
