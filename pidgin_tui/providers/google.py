"""Google adapter: Gemini through `google-genai` 3.x (`client.aio`, lazy import).

The API version (`v1` or `v1beta`) comes from the config file's `[google] api_version`, else the
SDK's default. Thought parts (`part.thought`) are streamed as thinking.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

from pidgin_tui.config import Settings
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

DEFAULT_THINK_BUDGET = 4096
_FINISH = {"STOP": "stop", "MAX_TOKENS": "length", "SAFETY": "content_filter",
           "RECITATION": "content_filter", "BLOCKLIST": "content_filter",
           "PROHIBITED_CONTENT": "content_filter", "SPII": "content_filter",
           "IMAGE_SAFETY": "content_filter"}


BUDGET_ZERO = re.compile(r"^gemini-2\.5-flash")
"""Flash and Flash-Lite 2.5 turn thinking off with `thinking_budget: 0`."""
LOWEST_BUDGET = {re.compile(r"^gemini-2\.5-pro"): 128}
"""Models that cannot turn thinking off, at their lowest budget."""
LOWEST_LEVEL = re.compile(r"^gemini-3")
"""Gemini 3 models cannot turn thinking off; `thinking_level` sets the lowest."""


def thinking_off(model: str) -> dict[str, Any] | None:
    """The thinking config that comes closest to off (None: the model takes none we know)."""
    if BUDGET_ZERO.match(model):
        return {"thinking_budget": 0}
    for pattern, budget in LOWEST_BUDGET.items():
        if pattern.match(model):
            return {"thinking_budget": budget}
    if LOWEST_LEVEL.match(model):
        return {"thinking_level": "low" if "pro" in model else "minimal"}
    return None


def build_config(request: ProviderRequest) -> dict[str, Any]:
    """GenerateContentConfig fields: the system prompt is `system_instruction`."""
    config: dict[str, Any] = {}
    if request.system:
        config["system_instruction"] = request.system
    if request.temperature is not None:
        config["temperature"] = request.temperature
    if request.max_output_tokens is not None:
        config["max_output_tokens"] = request.max_output_tokens
    if request.think:
        config["thinking_config"] = {"include_thoughts": True,
                                     "thinking_budget": request.think_budget
                                     or DEFAULT_THINK_BUDGET}
    else:
        off = thinking_off(request.model)
        if off is not None:
            config["thinking_config"] = off
    return config


def sent_parameters(request: ProviderRequest) -> SentParameters:
    """Read the generation config back into the effective settings."""
    config = build_config(request)
    thinking_config = config.get("thinking_config")
    state: Thinking
    if request.think:
        state = "on"
    elif thinking_config is None:
        state = PROVIDER_DEFAULT
    else:
        state = "off" if thinking_config.get("thinking_budget") == 0 else "minimal"
    detail = {"thinking_config": thinking_config} if thinking_config else {}
    return SentParameters(config.get("temperature"), config.get("max_output_tokens"), state,
                          detail)


def _to_sdk_config(types: Any, config: dict[str, Any]) -> Any:
    thinking = config.pop("thinking_config", None)
    if thinking is not None:
        config["thinking_config"] = types.ThinkingConfig(**thinking)
    return types.GenerateContentConfig(**config)


def build_contents(request: ProviderRequest) -> list[dict[str, Any]]:
    """Gemini calls the assistant role `model`."""
    return [{"role": "model" if m.role == "assistant" else "user", "parts": [{"text": m.content}]}
            for m in request.messages]


class GoogleProvider(SdkClientProvider):
    """Streams Gemini models; a stream without a finish reason is an incomplete stream."""

    def sent_parameters(self, request: ProviderRequest) -> SentParameters:
        return sent_parameters(request)

    def __init__(self, config: Settings | None = None, api_key: str | None = None,
                 base_url: str | None = None, api_version: str | None = None) -> None:
        super().__init__(config, api_key, base_url)
        self._api_version = api_version

    def _make_client(self, api_key: str, base_url: str | None) -> Any:
        from google import genai
        from google.genai import types

        options: dict[str, Any] = {"retry_options": types.HttpRetryOptions(attempts=1)}
        if base_url:
            options["base_url"] = base_url
        version = self._api_version or self._settings().google_api_version
        if version:
            options["api_version"] = version
        return genai.Client(api_key=api_key, http_options=types.HttpOptions(**options))

    async def stream(self, request: ProviderRequest) -> AsyncIterator[Chunk]:
        client = self._get_client()
        from google.genai import types

        finish: str | None = None
        usage: Any = None
        try:
            stream = await client.aio.models.generate_content_stream(
                model=request.model, contents=build_contents(request),
                config=_to_sdk_config(types, build_config(request)))
            async for chunk in stream:
                if chunk.usage_metadata is not None:
                    usage = chunk.usage_metadata
                for candidate in chunk.candidates or ():
                    content = candidate.content
                    for part in (content.parts or ()) if content is not None else ():
                        if part.text:
                            yield ThinkingChunk(part.text) if part.thought \
                                else TextChunk(part.text)
                    if candidate.finish_reason is not None:
                        finish = getattr(candidate.finish_reason, "value",
                                         str(candidate.finish_reason))
        except ProviderError:
            raise
        except Exception as exc:
            raise self._classify(exc) from None
        if finish is None or finish == "FINISH_REASON_UNSPECIFIED":
            raise ProviderError("incomplete_stream",
                                "google: the stream ended without a finish reason",
                                provider=self.name)
        if usage is not None:
            yield normalise_usage(usage)
        yield FinishChunk(_FINISH.get(finish, finish.lower()))

    async def aclose(self) -> None:
        """Close the SDK client's connections (it is rebuilt on the next request)."""
        if self._client is not None:
            client, self._client = self._client, None
            await client.aio.aclose()

    def _classify(self, exc: Exception) -> ProviderError:
        secrets = (self._api_key,)
        code = getattr(exc, "code", None)
        if isinstance(code, int) and hasattr(exc, "details"):
            message = getattr(exc, "message", None) or str(exc)
            status = getattr(exc, "status", None)
            response = getattr(exc, "response", None)
            headers = getattr(response, "headers", None)
            kind = kind_for_status(code, status if isinstance(status, str) else None, message)
            retry_after = retry_info_delay(getattr(exc, "details", None))
            if retry_after is None:
                retry_after = parse_retry_after(dict(headers) if headers is not None else None)
            return provider_error(kind, self.name, message, status_code=code,
                                  retry_after_s=retry_after, secrets=secrets)
        for candidate in (exc, exc.__cause__ or exc.__context__):
            if candidate is not None:
                classified = transport_error(candidate, self.name, secrets)
                if classified is not None:
                    return classified
        return provider_error("unknown", self.name, f"{type(exc).__name__}: {exc}",
                              secrets=secrets)


def retry_info_delay(body: Any) -> float | None:
    """Seconds from a `google.rpc.RetryInfo` detail's `retryDelay` ("8s", "0.5s"), if any.

    Gemini says how long to wait in the error body, not in a `retry-after` header.
    """
    if not isinstance(body, dict):
        return None
    error = body.get("error", body)
    details = error.get("details") if isinstance(error, dict) else None
    for detail in details if isinstance(details, list) else ():
        if isinstance(detail, dict) and str(detail.get("@type", "")).endswith(
                "google.rpc.RetryInfo"):
            delay = str(detail.get("retryDelay", "")).strip()
            try:
                return max(0.0, float(delay.removesuffix("s")))
            except ValueError:
                return None
    return None


def normalise_usage(usage: Any) -> UsageChunk:
    """Gemini's prompt count includes cached content, and thoughts are counted apart from output."""
    prompt = usage.prompt_token_count or 0
    cached = usage.cached_content_token_count or 0
    thoughts = usage.thoughts_token_count or 0
    candidates = usage.candidates_token_count or 0
    return UsageChunk(input_tokens=max(0, prompt - cached), output_tokens=candidates + thoughts,
                      cache_read_tokens=cached, reasoning_tokens=thoughts)
