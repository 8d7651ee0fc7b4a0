"""Ollama adapter: NDJSON streaming from `/api/chat` over httpx (imported lazily).

The server address comes from `OLLAMA_HOST` (a bare `host:port` is accepted, as Ollama does).
Model discovery (`/api/tags`) and pulls (`/api/pull`) live in `ollama_setup.py`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from pidgin_tui.config import Settings, settings
from pidgin_tui.providers.base import (
    Chunk,
    FinishChunk,
    ProviderError,
    ProviderRequest,
    TextChunk,
    ThinkingChunk,
    UsageChunk,
)
from pidgin_tui.providers.errors import kind_for_status, provider_error, transport_error

DEFAULT_HOST = "http://localhost:11434"


def normalise_host(host: str | None) -> str:
    """`OLLAMA_HOST` may be `0.0.0.0`, `host:port` or a full URL; return a usable base URL."""
    host = (host or DEFAULT_HOST).strip().rstrip("/")
    if "://" not in host:
        host = f"http://{host}"
    scheme, _, rest = host.partition("://")
    hostname, _, port = rest.partition(":")
    if hostname in ("", "0.0.0.0"):
        hostname = "127.0.0.1"
    return f"{scheme}://{hostname}:{port or '11434'}"


def build_payload(request: ProviderRequest) -> dict[str, Any]:
    """The `/api/chat` body: the system prompt is the first message, with the system role."""
    messages = [{"role": "system", "content": request.system}] if request.system else []
    messages += [{"role": m.role, "content": m.content} for m in request.messages]
    options: dict[str, Any] = {}
    if request.temperature is not None:
        options["temperature"] = request.temperature
    if request.max_output_tokens is not None:
        options["num_predict"] = request.max_output_tokens
    payload: dict[str, Any] = {"model": request.model, "messages": messages, "stream": True}
    if options:
        payload["options"] = options
    if request.think:
        payload["think"] = True
    return payload


class OllamaProvider:
    """Streams a local Ollama model; the final `done` line carries the usage counts."""

    name = "ollama"

    def __init__(self, config: Settings | None = None, host: str | None = None) -> None:
        self._config = config
        self._host = host
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def host(self) -> str:
        return normalise_host(self._host or (self._config or settings()).base_url("ollama"))

    def _get_client(self) -> Any:
        if self._client is not None and self._loop is not asyncio.get_running_loop():
            self._client = None  # its connections belong to an event loop that has ended
        if self._client is None:
            self._loop = asyncio.get_running_loop()
            import httpx

            self._client = httpx.AsyncClient(base_url=self.host, timeout=httpx.Timeout(
                None, connect=10.0))
        return self._client

    async def stream(self, request: ProviderRequest) -> AsyncIterator[Chunk]:
        client = self._get_client()
        done: dict[str, Any] | None = None
        try:
            async with client.stream("POST", "/api/chat", json=build_payload(request)) as resp:
                if resp.status_code >= 400:
                    await resp.aread()
                    raise self._status_error(resp.status_code, resp.text, request.model)
                async for line in resp.aiter_lines():
                    if not line.strip():
                        continue
                    data = json.loads(line)
                    if "error" in data:
                        raise provider_error("server", self.name, str(data["error"]))
                    message = data.get("message") or {}
                    if message.get("thinking"):
                        yield ThinkingChunk(message["thinking"])
                    if message.get("content"):
                        yield TextChunk(message["content"])
                    if data.get("done"):
                        done = data
                        break
        except ProviderError:
            raise
        except json.JSONDecodeError as exc:
            raise provider_error("server", self.name, f"malformed stream line ({exc})") from None
        except Exception as exc:
            raise transport_error(exc, self.name) or provider_error(
                "unknown", self.name, f"{type(exc).__name__}: {exc}") from None
        if done is None:
            raise ProviderError("incomplete_stream",
                                "ollama: the stream ended without a done line",
                                provider=self.name)
        yield UsageChunk(input_tokens=int(done.get("prompt_eval_count") or 0),
                         output_tokens=int(done.get("eval_count") or 0))
        reason = done.get("done_reason") or "stop"
        yield FinishChunk("length" if reason == "length" else "stop")

    def _status_error(self, status: int, text: str, model: str) -> ProviderError:
        try:
            message = str(json.loads(text).get("error", text))
        except (ValueError, AttributeError):
            message = text or f"HTTP {status}"
        if status == 404:
            message = f"{message} (pull it with `ollama pull {model}` or accept the pull prompt)"
        return provider_error(kind_for_status(status, None, message), self.name, message,
                              status_code=status)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
