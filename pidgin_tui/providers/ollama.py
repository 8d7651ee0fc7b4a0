"""Ollama adapter: NDJSON streaming from `/api/chat` over httpx (imported lazily).

The server address comes from `OLLAMA_HOST` (a bare `host:port` is accepted, as Ollama does).
Model discovery (`/api/tags`) and pulls (`/api/pull`) live in `ollama_setup.py`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from pidgin_tui.config import Settings, settings
from pidgin_tui.core.provider import (
    Chunk,
    FinishChunk,
    ProviderError,
    ProviderRequest,
    TextChunk,
    ThinkingChunk,
    UsageChunk,
)
from pidgin_tui.core.provider_table import adapter_name
from pidgin_tui.providers.errors import kind_for_status, provider_error, transport_error
from pidgin_tui.providers.params import PROVIDER_DEFAULT, SentParameters, Thinking

DEFAULT_PORT = 11434
DEFAULT_HOST = f"http://127.0.0.1:{DEFAULT_PORT}"
DEFAULT_NUM_CTX_CAP = 32_768
"""The largest context window sent as `num_ctx` unless `[ollama] max_num_ctx` says otherwise:
Ollama allocates memory for the whole window."""
FALLBACK_NUM_CTX = 4096
"""Sent when `/api/show` reports no context length."""


def normalise_host(host: str | None) -> str:
    """Parse `OLLAMA_HOST` as Ollama does: scheme, host, port and path.

    No scheme means `http` on port 11434; `http://` without a port means 80 and `https://` 443;
    a path is kept (a server behind a reverse proxy). `0.0.0.0` or no host means this machine.
    Credentials in the URL are kept for the requests and must never be printed.
    """
    from urllib.parse import urlsplit, urlunsplit

    text = (host or "").strip() or DEFAULT_HOST
    default_port = DEFAULT_PORT
    if "://" not in text:
        text = f"http://{text}"
    else:
        scheme = text.split("://", 1)[0].lower()
        default_port = {"http": 80, "https": 443}.get(scheme, DEFAULT_PORT)
    parts = urlsplit(text)
    hostname = parts.hostname or ""
    if hostname in ("", "0.0.0.0"):
        hostname = "127.0.0.1"
    elif ":" in hostname:
        hostname = f"[{hostname}]"  # an IPv6 address
    try:
        port = parts.port or default_port
    except ValueError:
        port = default_port  # Ollama falls back to the default port on a bad one
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{hostname}:{port}" if userinfo else f"{hostname}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def ollama_options(request: ProviderRequest, num_ctx: int | None) -> dict[str, Any]:
    """The `options` of a chat request: sampling, the output limit and the context window."""
    options: dict[str, Any] = {}
    if request.temperature is not None:
        options["temperature"] = request.temperature
    if request.max_output_tokens is not None:
        options["num_predict"] = request.max_output_tokens
    if num_ctx is not None:
        options["num_ctx"] = num_ctx
    return options


def build_payload(request: ProviderRequest, num_ctx: int | None = None,
                  thinks: bool | None = None) -> dict[str, Any]:
    """The `/api/chat` body: the system prompt is the first message, with the system role.

    `think` is sent (true or false) only to a model known to think, since Ollama refuses it for
    other models; `thinks` None means unknown, and then it is sent only when asked for.
    """
    messages = [{"role": "system", "content": request.system}] if request.system else []
    messages += [{"role": m.role, "content": m.content} for m in request.messages]
    payload: dict[str, Any] = {"model": request.model, "messages": messages, "stream": True}
    options = ollama_options(request, num_ctx)
    if options:
        payload["options"] = options
    if thinks or (thinks is None and request.think):
        payload["think"] = request.think
    return payload


def read_payload(request: ProviderRequest, payload: dict[str, Any],
                 thinks: bool | None) -> SentParameters:
    """The effective settings of a `/api/chat` body."""
    options = payload.get("options", {})
    thinking: Thinking
    if "think" in payload:
        thinking = "on" if payload["think"] else "off"
    else:
        thinking = "off" if thinks is False else PROVIDER_DEFAULT
    detail = {k: options[k] for k in ("num_ctx", "num_predict") if k in options}
    if "think" in payload:
        detail["think"] = payload["think"]
    return SentParameters(options.get("temperature"), options.get("num_predict"), thinking,
                          detail)


@dataclass(slots=True, frozen=True)
class ModelFacts:
    """What `/api/show` says about a model."""

    context_length: int | None
    thinks: bool | None


def parse_show(data: dict[str, Any]) -> ModelFacts:
    """`model_info` holds `<architecture>.context_length`; `capabilities` lists `thinking`."""
    info = data.get("model_info") or {}
    lengths = [v for k, v in info.items() if k.endswith(".context_length") and isinstance(v, int)]
    capabilities = data.get("capabilities")
    thinks = "thinking" in capabilities if isinstance(capabilities, list) else None
    return ModelFacts(max(lengths) if lengths else None, thinks)


class OllamaProvider:
    """Streams a local Ollama model; the final `done` line carries the usage counts."""

    def __init__(self, config: Settings | None = None, host: str | None = None,
                 name: str | None = None) -> None:
        self.name = name or adapter_name(type(self))
        self._config = config
        self._host = host
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._facts: dict[str, ModelFacts] = {}

    def _settings(self) -> Settings:
        return self._config or settings()

    def _num_ctx(self, model: str) -> int | None:
        """The model's real context length (from `/api/show`), capped by the config."""
        facts = self._facts.get(model)
        if facts is None:
            return None
        cap = self._settings().ollama_max_num_ctx
        return min(facts.context_length or FALLBACK_NUM_CTX, cap)

    def _thinks(self, request: ProviderRequest) -> bool | None:
        if request.model_thinks is not None:
            return request.model_thinks
        facts = self._facts.get(request.model)
        return facts.thinks if facts is not None else None

    def payload(self, request: ProviderRequest) -> dict[str, Any]:
        return build_payload(request, self._num_ctx(request.model), self._thinks(request))

    def sent_parameters(self, request: ProviderRequest) -> SentParameters:
        return read_payload(request, self.payload(request), self._thinks(request))

    async def prepare(self, request: ProviderRequest) -> None:
        """Learn the model's context length and capabilities once, before its first request."""
        if request.model in self._facts:
            return
        client = self._get_client()
        try:
            response = await client.post("/api/show", json={"model": request.model})
            data = response.json() if response.status_code == 200 else {}
        except Exception:  # an unreachable server fails the chat request itself, classified
            return
        self._facts[request.model] = parse_show(data if isinstance(data, dict) else {})

    @property
    def host(self) -> str:
        return normalise_host(self._host or self._settings().base_url("ollama"))

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
            async with client.stream("POST", "/api/chat", json=self.payload(request)) as resp:
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
