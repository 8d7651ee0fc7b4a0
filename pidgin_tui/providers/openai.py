"""OpenAI adapter: streaming Chat Completions through the `openai` 3.x SDK (lazy import).

The same wire format serves xAI (see `xai.py`). Usage comes from the final chunk requested with
`stream_options={"include_usage": True}`; reasoning text is streamed when the server sends it as
`reasoning_content`/`reasoning` deltas.
"""

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

REASONING_MODEL = re.compile(r"^(o\d|gpt-5(?!-chat)|gpt-6)")
"""OpenAI reasoning models: they take `reasoning_effort` and refuse a custom temperature."""
_FINISH = {"stop": "stop", "length": "length", "content_filter": "content_filter",
           "tool_calls": "stop", "function_call": "stop"}


NO_REASONING_EFFORT = re.compile(r"^gpt-(5\.\d|6)")
"""Models whose reasoning can be switched off with `reasoning_effort: none`."""
MINIMAL_EFFORT = re.compile(r"^gpt-5(?!\.)")
"""gpt-5, gpt-5-mini, gpt-5-nano: the lowest effort is `minimal`; the o-series' is `low`."""


def lowest_effort(model: str) -> str:
    """The lowest `reasoning_effort` a reasoning model accepts."""
    if NO_REASONING_EFFORT.match(model):
        return "none"
    return "minimal" if MINIMAL_EFFORT.match(model) else "low"


def reasoning_effort(budget: int | None) -> str:
    """Map a thinking budget in tokens onto OpenAI's effort levels."""
    if budget is None:
        return "medium"
    return "low" if budget <= 2048 else "medium" if budget <= 16384 else "high"


class OpenAICompatibleProvider(SdkClientProvider):
    """Chat Completions streaming for any OpenAI-format endpoint."""

    system_role = "system"

    def _make_client(self, api_key: str, base_url: str | None) -> Any:
        import openai

        return openai.AsyncOpenAI(api_key=api_key, base_url=base_url, max_retries=0,
                                  timeout=None)

    def is_reasoning_model(self, model: str) -> bool:
        return bool(REASONING_MODEL.match(model))

    def takes_reasoning_effort(self, request: ProviderRequest) -> bool:
        """Reasoning models by id, or any model a config override says thinks."""
        return self.is_reasoning_model(request.model) or bool(request.model_thinks)

    def always_reasons(self, request: ProviderRequest) -> bool:
        """Models that reason and take no effort setting."""
        return False

    def effort_when_off(self, request: ProviderRequest) -> str | None:
        """What to send when thinking is off (None: nothing; the provider default applies)."""
        return lowest_effort(request.model) if self.is_reasoning_model(request.model) else None

    def sent_parameters(self, request: ProviderRequest) -> SentParameters:
        """Read the payload back into the effective settings."""
        params = self.build_params(request)
        effort = params.get("reasoning_effort")
        limit = params.get("max_completion_tokens", params.get("max_tokens"))
        thinking: Thinking
        if effort is None:
            thinking = "always" if self.always_reasons(request) else \
                PROVIDER_DEFAULT if self.takes_reasoning_effort(request) else "off"
        elif request.think:
            thinking = "on"
        else:
            thinking = "off" if effort == "none" else "minimal"
        detail = {"reasoning_effort": effort} if effort is not None else {}
        return SentParameters(params.get("temperature"), limit, thinking, detail)

    def build_params(self, request: ProviderRequest) -> dict[str, Any]:
        """The request body: the system prompt is the first message, with the system role."""
        messages = [{"role": self.system_role, "content": request.system}] if request.system \
            else []
        messages += [{"role": m.role, "content": m.content} for m in request.messages]
        params: dict[str, Any] = {"model": request.model, "messages": messages,
                                  "stream_options": {"include_usage": True}}
        if request.temperature is not None and not self.is_reasoning_model(request.model):
            params["temperature"] = request.temperature
        if request.max_output_tokens is not None:
            params["max_completion_tokens"] = request.max_output_tokens
        if self.takes_reasoning_effort(request):
            effort = reasoning_effort(request.think_budget) if request.think \
                else self.effort_when_off(request)
            if effort is not None:
                params["reasoning_effort"] = effort
        return params

    async def stream(self, request: ProviderRequest) -> AsyncIterator[Chunk]:
        client = self._get_client()
        finish: str | None = None
        usage: Any = None
        try:
            params = self.build_params(request)
            # The history goes in `extra_body`: it is plain JSON already, and the SDK's typed
            # transform of a long message list costs milliseconds per request.
            stream = await client.chat.completions.create(
                model=params.pop("model"), messages=[], stream=True,
                extra_body={"messages": params.pop("messages"), **params})
            async with stream:
                async for chunk in stream:
                    if chunk.usage is not None:
                        usage = chunk.usage
                    for choice in chunk.choices:
                        delta = choice.delta
                        if delta is not None:
                            thought = getattr(delta, "reasoning_content", None) \
                                or getattr(delta, "reasoning", None)
                            if isinstance(thought, str) and thought:
                                yield ThinkingChunk(thought)
                            if delta.content:
                                yield TextChunk(delta.content)
                        if choice.finish_reason:
                            finish = choice.finish_reason
        except ProviderError:
            raise
        except Exception as exc:
            raise self._classify(exc) from None
        if finish is None:
            raise ProviderError("incomplete_stream",
                                f"{self.name}: the stream ended without a finish reason",
                                provider=self.name)
        if usage is not None:
            yield normalise_usage(usage)
        yield FinishChunk(_FINISH.get(finish, finish))

    async def aclose(self) -> None:
        """Close the SDK client's connections (it is rebuilt on the next request)."""
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()

    def _classify(self, exc: Exception) -> ProviderError:
        secrets = (self._api_key,)
        status = getattr(exc, "status_code", None)
        body = getattr(exc, "body", None)
        if status is not None or (body is not None and hasattr(exc, "request")):
            error = body.get("error", body) if isinstance(body, dict) else {}
            error = error if isinstance(error, dict) else {}
            body_type = error.get("code") or error.get("type")
            message = error.get("message") or getattr(exc, "message", None) or str(exc)
            response = getattr(exc, "response", None)
            kind = kind_for_status(status, body_type if isinstance(body_type, str) else None,
                                   message)
            if status is None and kind == "unknown":
                kind = "server"  # an error event inside the stream
            return provider_error(kind, self.name, message, status_code=status,
                                  retry_after_s=parse_retry_after(
                                      getattr(response, "headers", None)), secrets=secrets)
        for candidate in (exc, exc.__cause__ or exc.__context__):
            if candidate is not None:
                classified = transport_error(candidate, self.name, secrets)
                if classified is not None:
                    return classified
        if type(exc).__name__ == "APIConnectionError":
            return provider_error("connection", self.name, str(exc), secrets=secrets)
        return provider_error("unknown", self.name, f"{type(exc).__name__}: {exc}",
                              secrets=secrets)


class OpenAIProvider(OpenAICompatibleProvider):
    """OpenAI's own models (its row), and every `kind = "openai"` endpoint under its name."""


def normalise_usage(usage: Any) -> UsageChunk:
    """OpenAI's `prompt_tokens` includes cached tokens; ours excludes them."""
    prompt = usage.prompt_tokens or 0
    details = getattr(usage, "prompt_tokens_details", None)
    cached = (getattr(details, "cached_tokens", None) or 0) if details is not None else 0
    out_details = getattr(usage, "completion_tokens_details", None)
    reasoning = (getattr(out_details, "reasoning_tokens", None) or 0) \
        if out_details is not None else 0
    return UsageChunk(input_tokens=max(0, prompt - cached),
                      output_tokens=usage.completion_tokens or 0,
                      cache_read_tokens=cached, reasoning_tokens=reasoning)
