"""Anthropic adapter: the streaming Messages API through the `anthropic` 2.x SDK (lazy import)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

from pidgin_tui.core.provider import (
    Chunk,
    FinishChunk,
    ProviderError,
    ProviderRequest,
    TextChunk,
    ThinkingChunk,
    UsageChunk,
)
from pidgin_tui.providers.errors import (
    kind_for_status,
    parse_retry_after,
    provider_error,
    transport_error,
)
from pidgin_tui.providers.params import PROVIDER_DEFAULT, SentParameters, Thinking
from pidgin_tui.providers.sdk_client import SdkClientProvider

DEFAULT_MAX_TOKENS = 4096
DEFAULT_THINK_BUDGET = 4096
MIN_THINK_BUDGET = 1024
"""Manual thinking budgets below 1024 tokens are refused."""
REDACTED_NOTE = "[redacted thinking]"

MANUAL_THINKING = re.compile(
    r"^claude-(3|haiku-4-5|opus-4-[0156]|sonnet-4-[056]|(opus|sonnet)-4(-2025\d{4})?$)")
"""Models that take `thinking: enabled` with a budget; every newer model (and any unknown one)
only takes adaptive thinking, tuned by `output_config.effort`."""
ALWAYS_THINKS = re.compile(r"^claude-(fable|mythos)")
"""Mythos-class models refuse `thinking: disabled`."""

_FINISH = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length",
           "tool_use": "stop", "pause_turn": "stop", "refusal": "refusal",
           "model_context_window_exceeded": "length"}


def effort_for(budget: int | None) -> str | None:
    """Map a thinking budget in tokens onto Anthropic's effort levels (None: model default)."""
    if budget is None:
        return None
    if budget <= 2048:
        return "low"
    if budget <= 8192:
        return "medium"
    return "high" if budget <= 32768 else "max"


def build_params(request: ProviderRequest) -> dict[str, Any]:
    """The Messages API parameters: `system` is a top-level field.

    No temperature is ever sent: API version 2026-10-21 (sent by SDK 2.x) rejects sampling
    parameters for every model, so a requested temperature cannot be honoured.
    """
    max_tokens = request.max_output_tokens or DEFAULT_MAX_TOKENS
    params: dict[str, Any] = {
        "model": request.model,
        "messages": [{"role": m.role, "content": m.content} for m in request.messages],
    }
    if request.system:
        params["system"] = request.system
    if MANUAL_THINKING.match(request.model):
        if request.think:
            budget = max(MIN_THINK_BUDGET, request.think_budget or DEFAULT_THINK_BUDGET)
            if max_tokens <= budget:
                max_tokens = budget + max_tokens  # the budget is part of max_tokens
            params["thinking"] = {"type": "enabled", "budget_tokens": budget}
    elif request.think:
        params["thinking"] = {"type": "adaptive", "display": "summarized"}
        effort = effort_for(request.think_budget)
        if effort:
            params["output_config"] = {"effort": effort}
    elif not ALWAYS_THINKS.match(request.model):
        params["thinking"] = {"type": "disabled"}
    params["max_tokens"] = max_tokens
    return params


def sent_parameters(request: ProviderRequest) -> SentParameters:
    """Read the payload back: no temperature is ever sent; `max_tokens` always is."""
    params = build_params(request)
    thinking = params.get("thinking")
    detail: dict[str, Any] = {"max_tokens": params["max_tokens"]}
    state: Thinking
    if thinking is None:
        state = "always" if ALWAYS_THINKS.match(request.model) else PROVIDER_DEFAULT
    else:
        detail["thinking"] = thinking
        state = "off" if thinking["type"] == "disabled" else "on"
    if "output_config" in params:
        detail["effort"] = params["output_config"]["effort"]
    return SentParameters(None, params["max_tokens"], state, detail)


def _final(usage: Any, field: str, current: int) -> int:
    value = getattr(usage, field, None)
    return current if value is None else int(value)


class AnthropicProvider(SdkClientProvider):
    """Streams Claude models; a missing stop reason is reported as an incomplete stream."""

    def sent_parameters(self, request: ProviderRequest) -> SentParameters:
        return sent_parameters(request)

    def _make_client(self, api_key: str, base_url: str | None) -> Any:
        import anthropic

        return anthropic.AsyncAnthropic(api_key=api_key, base_url=base_url, max_retries=0,
                                        timeout=None)

    async def stream(self, request: ProviderRequest) -> AsyncIterator[Chunk]:
        client = self._get_client()
        input_tokens = cache_read = cache_write = output_tokens = 0
        stop_reason: str | None = None
        try:
            params = build_params(request)
            # The history goes in `extra_body`: it is plain JSON already, and the SDK's typed
            # transform of a long message list costs milliseconds per request.
            stream = await client.messages.create(
                model=params.pop("model"), max_tokens=params.pop("max_tokens"), messages=[],
                stream=True, extra_body={"messages": params.pop("messages"), **params})
            async with stream:
                async for event in stream:
                    kind = event.type
                    if kind == "content_block_delta":
                        delta = event.delta
                        if delta.type == "text_delta":
                            yield TextChunk(delta.text)
                        elif delta.type == "thinking_delta":
                            yield ThinkingChunk(delta.thinking)
                    elif kind == "content_block_start":
                        if event.content_block.type == "redacted_thinking":
                            yield ThinkingChunk(REDACTED_NOTE)
                    elif kind == "message_start":
                        usage = event.message.usage
                        input_tokens = usage.input_tokens or 0
                        cache_read = getattr(usage, "cache_read_input_tokens", None) or 0
                        cache_write = getattr(usage, "cache_creation_input_tokens", None) or 0
                        output_tokens = usage.output_tokens or 0
                    elif kind == "message_delta":
                        if event.delta.stop_reason:
                            stop_reason = event.delta.stop_reason
                        # Counts here are cumulative and, when present, final.
                        delta_usage = event.usage
                        if delta_usage is not None:
                            output_tokens = _final(delta_usage, "output_tokens", output_tokens)
                            input_tokens = _final(delta_usage, "input_tokens", input_tokens)
                            cache_read = _final(delta_usage, "cache_read_input_tokens",
                                                cache_read)
                            cache_write = _final(delta_usage, "cache_creation_input_tokens",
                                                 cache_write)
                    elif kind == "message_stop":
                        break
        except ProviderError:
            raise
        except Exception as exc:
            raise self._classify(exc) from None
        if stop_reason is None:
            raise ProviderError("incomplete_stream",
                                "anthropic: the stream ended without a stop reason",
                                provider=self.name)
        yield UsageChunk(input_tokens=input_tokens, output_tokens=output_tokens,
                         cache_read_tokens=cache_read, cache_write_tokens=cache_write)
        yield FinishChunk(_FINISH.get(stop_reason, stop_reason))

    async def aclose(self) -> None:
        """Close the SDK client's connections (it is rebuilt on the next request)."""
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()

    def _classify(self, exc: Exception) -> ProviderError:
        secrets = (self._api_key,)
        status = getattr(exc, "status_code", None)
        if status is not None or type(exc).__name__ == "APIError" and hasattr(exc, "body"):
            body = getattr(exc, "body", None)
            body_type = getattr(exc, "type", None)
            message = getattr(exc, "api_message", None) or str(exc)
            if isinstance(body, dict) and isinstance(body.get("error"), dict):
                body_type = body_type or body["error"].get("type")
                message = body["error"].get("message") or message
            response = getattr(exc, "response", None)
            retry_after = parse_retry_after(getattr(response, "headers", None))
            # An error event inside a 200 stream carries its real kind in the body only.
            kind = kind_for_status(None if status == 200 else status, body_type, message)
            return provider_error(kind, self.name, message, status_code=status,
                                  retry_after_s=retry_after, secrets=secrets)
        cause = exc.__cause__ or exc.__context__
        for candidate in (exc, cause):
            if candidate is not None:
                classified = transport_error(candidate, self.name, secrets)
                if classified is not None:
                    return classified
        return provider_error("unknown", self.name, f"{type(exc).__name__}: {exc}",
                              secrets=secrets)
