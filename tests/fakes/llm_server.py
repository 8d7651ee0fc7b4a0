"""A wire-exact loopback server for all five provider formats, with injectable faults.

One aiohttp app serves:
- Anthropic Messages SSE at `POST /v1/messages`;
- OpenAI chat SSE at `POST /v1/chat/completions` (xAI: the same format at `/xai/v1/...`);
- Gemini SSE at `POST /{v1,v1beta}/models/{model}:streamGenerateContent?alt=sse`;
- Ollama NDJSON at `POST /api/chat`, `GET /api/tags`, `POST /api/pull`, `GET /api/version`.

Each request is recorded (path, headers, JSON body). Replies are queued per provider; an empty
queue answers with the default `Reply()`.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Fault:
    status: int | None = None
    """Answer with this HTTP status and the provider's error body instead of a stream."""
    error_type: str | None = None
    retry_after: float | None = None
    stream_error: str | None = None
    """Send the provider's in-stream error (e.g. `overloaded_error`) after the first text piece."""
    drop_after: int | None = None
    """Drop the connection after this many text pieces."""
    no_finish: bool = False
    """End the stream cleanly but without any stop/finish reason."""
    first_token_delay: float = 0.0
    message: str = "injected failure"
    retry_delay: str | None = None
    """Gemini only: a `google.rpc.RetryInfo` detail with this `retryDelay` (e.g. "8s")."""


@dataclass
class Reply:
    text: str = "Hello from the fake."
    thinking: str | None = None
    redacted_thinking: bool = False
    fault: Fault | None = None
    input_tokens: int = 12
    output_tokens: int = 10
    cache_read: int = 0
    cache_write: int = 0
    reasoning: int = 0
    finish: str = "stop"
    """`stop` or `length`."""


@dataclass
class Recorded:
    provider: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    query: dict[str, str] = field(default_factory=dict)


def pieces(text: str) -> list[str]:
    return re.findall(r"\S+\s*|\s+", text) or [text]


class FakeLLMServer:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.replies: dict[str, deque[Reply]] = {}
        self.ollama_models: list[str] = ["llama3.2:latest"]
        self.ollama_context_length = 131_072
        """What `/api/show` reports as every model's `<architecture>.context_length`."""
        self.ollama_thinking_models: set[str] = set()
        """Models whose `/api/show` capabilities include `thinking`."""
        self.pull_steps = 3
        self.capacity: int | None = None
        """OpenAI format only: answer 429 (`retry-after: capacity_retry_after`) to a request
        that arrives while this many are already being served: a provider's rate limit."""
        self.capacity_retry_after = 1.0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.rejected = 0
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.clients: list[Any] = []
        """Provider adapters built against this server, closed with it."""

    # --- control ---------------------------------------------------------------------------------

    def add(self, provider: str, *replies: Reply) -> None:
        self.replies.setdefault(provider, deque()).extend(replies)

    def take(self, provider: str) -> Reply:
        queue = self.replies.get(provider)
        return queue.popleft() if queue else Reply()

    def of(self, provider: str) -> list[Recorded]:
        return [r for r in self.requests if r.provider == provider]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, port: int = 0) -> str:
        app = web.Application()
        app.router.add_post("/v1/messages", self.anthropic)
        app.router.add_post("/v1/chat/completions", self.openai)
        app.router.add_post("/xai/v1/chat/completions", self.xai)
        app.router.add_post("/{version}/models/{action}", self.gemini)
        app.router.add_post("/api/chat", self.ollama_chat)
        app.router.add_get("/api/tags", self.ollama_tags)
        app.router.add_post("/api/pull", self.ollama_pull)
        app.router.add_post("/api/show", self.ollama_show)
        app.router.add_get("/api/version", self.ollama_version)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.base

    async def close(self) -> None:
        self._release.set()
        for client in self.clients:
            aclose = getattr(client, "aclose", None)
            if aclose is not None:
                await aclose()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- shared helpers -----------------------------------------------------------------------

    async def _record(self, provider: str, request: web.Request) -> dict[str, Any]:
        body = await request.json()
        self.requests.append(Recorded(provider, request.path, dict(request.headers), body,
                                      dict(request.query)))
        return body

    async def _delay(self, seconds: float) -> None:
        if seconds:
            try:
                await asyncio.wait_for(self._release.wait(), seconds)
            except TimeoutError:
                pass

    @staticmethod
    def _error(status: int, body: dict[str, Any], fault: Fault) -> web.Response:
        headers = {} if fault.retry_after is None else {"retry-after": f"{fault.retry_after:g}"}
        return web.json_response(body, status=status, headers=headers)

    async def _open(self, request: web.Request, content_type: str) -> web.StreamResponse:
        resp = web.StreamResponse(status=200, headers={"Content-Type": content_type})
        await resp.prepare(request)
        return resp

    @staticmethod
    def _drop(request: web.Request) -> None:
        if request.transport is not None:
            request.transport.close()

    # --- Anthropic -----------------------------------------------------------------------------

    async def anthropic(self, request: web.Request) -> web.StreamResponse:
        body = await self._record("anthropic", request)
        reply, fault = self.take("anthropic"), None
        fault = reply.fault or Fault()
        if fault.status:
            error_type = fault.error_type or {
                400: "invalid_request_error", 401: "authentication_error",
                403: "permission_error", 404: "not_found_error", 429: "rate_limit_error",
                529: "overloaded_error"}.get(fault.status, "api_error")
            return self._error(fault.status, {"type": "error", "error": {
                "type": error_type, "message": fault.message}}, fault)
        resp = await self._open(request, "text/event-stream")

        async def send(kind: str, data: dict[str, Any]) -> None:
            await resp.write(f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n"
                             .encode())

        await self._delay(fault.first_token_delay)
        await send("message_start", {"message": {
            "id": "msg_fake", "type": "message", "role": "assistant", "model": body["model"],
            "content": [], "stop_reason": None, "stop_sequence": None,
            "usage": {"input_tokens": reply.input_tokens, "output_tokens": 1,
                      "cache_read_input_tokens": reply.cache_read,
                      "cache_creation_input_tokens": reply.cache_write}}})
        index = 0
        if reply.thinking:
            await send("content_block_start", {"index": index, "content_block": {
                "type": "thinking", "thinking": "", "signature": ""}})
            for piece in pieces(reply.thinking):
                await send("content_block_delta", {"index": index, "delta": {
                    "type": "thinking_delta", "thinking": piece}})
            await send("content_block_delta", {"index": index, "delta": {
                "type": "signature_delta", "signature": "c2lnbmF0dXJl"}})
            await send("content_block_stop", {"index": index})
            index += 1
        if reply.redacted_thinking:
            await send("content_block_start", {"index": index, "content_block": {
                "type": "redacted_thinking", "data": "ZW5jcnlwdGVk"}})
            await send("content_block_stop", {"index": index})
            index += 1
        await send("ping", {})
        await send("content_block_start", {"index": index, "content_block": {
            "type": "text", "text": ""}})
        for n, piece in enumerate(pieces(reply.text)):
            if fault.drop_after is not None and n >= fault.drop_after:
                self._drop(request)
                return resp
            await send("content_block_delta", {"index": index, "delta": {
                "type": "text_delta", "text": piece}})
            if fault.stream_error:
                await send("error", {"error": {"type": fault.stream_error,
                                               "message": fault.message}})
                return resp
        await send("content_block_stop", {"index": index})
        if not fault.no_finish:
            stop = "end_turn" if reply.finish == "stop" else "max_tokens"
            await send("message_delta", {"delta": {"stop_reason": stop, "stop_sequence": None},
                                         "usage": {"output_tokens": reply.output_tokens}})
            await send("message_stop", {})
        await resp.write_eof()
        return resp

    # --- OpenAI / xAI --------------------------------------------------------------------------

    async def openai(self, request: web.Request) -> web.StreamResponse:
        return await self._openai_format("openai", request)

    async def xai(self, request: web.Request) -> web.StreamResponse:
        return await self._openai_format("xai", request)

    async def _openai_format(self, provider: str, request: web.Request) -> web.StreamResponse:
        body = await self._record(provider, request)
        if self.capacity is not None and self.in_flight >= self.capacity:
            self.rejected += 1
            return self._error(429, {"error": {
                "message": "Rate limit reached", "type": "requests",
                "code": "rate_limit_exceeded", "param": None}},
                Fault(retry_after=self.capacity_retry_after))
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            return await self._openai_stream(provider, request, body)
        finally:
            self.in_flight -= 1

    async def _openai_stream(self, provider: str, request: web.Request,
                             body: dict[str, Any]) -> web.StreamResponse:
        reply = self.take(provider)
        fault = reply.fault or Fault()
        if fault.status:
            default_type = "server_error" if fault.status >= 500 else "invalid_request_error"
            return self._error(fault.status, {"error": {
                "message": fault.message, "type": fault.error_type or default_type,
                "code": fault.error_type, "param": None}}, fault)
        resp = await self._open(request, "text/event-stream")
        base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk",
                "created": int(time.time()), "model": body["model"]}

        async def send(data: dict[str, Any]) -> None:
            await resp.write(f"data: {json.dumps({**base, **data})}\n\n".encode())

        await self._delay(fault.first_token_delay)
        await send({"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                 "finish_reason": None}]})
        for piece in pieces(reply.thinking or "") if reply.thinking else []:
            await send({"choices": [{"index": 0, "delta": {"reasoning_content": piece},
                                     "finish_reason": None}]})
        for n, piece in enumerate(pieces(reply.text)):
            if fault.drop_after is not None and n >= fault.drop_after:
                self._drop(request)
                return resp
            await send({"choices": [{"index": 0, "delta": {"content": piece},
                                     "finish_reason": None}]})
            if fault.stream_error:
                await resp.write(f"data: {json.dumps({'error': {'message': fault.message, 'type': fault.stream_error}})}\n\n".encode())  # noqa: E501
                return resp
        if not fault.no_finish:
            await send({"choices": [{"index": 0, "delta": {},
                                     "finish_reason": reply.finish}]})
            if (body.get("stream_options") or {}).get("include_usage"):
                prompt = reply.input_tokens + reply.cache_read
                # xAI reports reasoning tokens outside completion_tokens; OpenAI within.
                completion = reply.output_tokens - (reply.reasoning if provider == "xai" else 0)
                await send({"choices": [], "usage": {
                    "prompt_tokens": prompt, "completion_tokens": completion,
                    "total_tokens": prompt + reply.output_tokens,
                    "prompt_tokens_details": {"cached_tokens": reply.cache_read},
                    "completion_tokens_details": {"reasoning_tokens": reply.reasoning}}})
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp

    # --- Gemini ----------------------------------------------------------------------------------

    async def gemini(self, request: web.Request) -> web.StreamResponse:
        await self._record("google", request)
        reply = self.take("google")
        fault = reply.fault or Fault()
        if fault.status:
            status_name = fault.error_type or {429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE",
                                               401: "UNAUTHENTICATED", 400: "INVALID_ARGUMENT",
                                               403: "PERMISSION_DENIED"}.get(fault.status,
                                                                             "INTERNAL")
            error: dict[str, Any] = {"code": fault.status, "message": fault.message,
                                     "status": status_name}
            if fault.retry_delay is not None:
                error["details"] = [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                                     "retryDelay": fault.retry_delay}]
            return self._error(fault.status, {"error": error}, fault)
        resp = await self._open(request, "text/event-stream")

        async def send(parts: list[dict[str, Any]], finish: str | None = None,
                       usage: bool = False) -> None:
            candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts},
                                         "index": 0}
            if finish:
                candidate["finishReason"] = finish
            data: dict[str, Any] = {"candidates": [candidate], "modelVersion": "fake"}
            if usage:
                data["usageMetadata"] = {
                    "promptTokenCount": reply.input_tokens + reply.cache_read,
                    "cachedContentTokenCount": reply.cache_read,
                    "candidatesTokenCount": reply.output_tokens - reply.reasoning,
                    "thoughtsTokenCount": reply.reasoning,
                    "totalTokenCount": reply.input_tokens + reply.cache_read
                    + reply.output_tokens}
            await resp.write(f"data: {json.dumps(data)}\r\n\r\n".encode())

        await self._delay(fault.first_token_delay)
        if reply.thinking:
            for piece in pieces(reply.thinking):
                await send([{"text": piece, "thought": True}])
        text_pieces = pieces(reply.text)
        for n, piece in enumerate(text_pieces):
            if fault.drop_after is not None and n >= fault.drop_after:
                self._drop(request)
                return resp
            last = n == len(text_pieces) - 1 and not fault.no_finish
            finish = ("STOP" if reply.finish == "stop" else "MAX_TOKENS") if last else None
            await send([{"text": piece}], finish=finish, usage=last)
            if fault.stream_error:
                await resp.write(f"data: {json.dumps({'error': {'code': 503, 'message': fault.message, 'status': fault.stream_error}})}\r\n\r\n".encode())  # noqa: E501
                return resp
        await resp.write_eof()
        return resp

    # --- Ollama ----------------------------------------------------------------------------------

    async def ollama_chat(self, request: web.Request) -> web.StreamResponse:
        body = await self._record("ollama", request)
        reply = self.take("ollama")
        fault = reply.fault or Fault()
        if body["model"] not in self.ollama_models and \
                f"{body['model']}:latest" not in self.ollama_models:
            return web.json_response(
                {"error": f"model '{body['model']}' not found, try pulling it first"}, status=404)
        if fault.status:
            return self._error(fault.status, {"error": fault.message}, fault)
        resp = await self._open(request, "application/x-ndjson")

        async def send(data: dict[str, Any]) -> None:
            line = {"model": body["model"], "created_at": "2026-11-24T10:00:00Z", **data}
            await resp.write((json.dumps(line) + "\n").encode())

        await self._delay(fault.first_token_delay)
        for piece in pieces(reply.thinking) if reply.thinking else []:
            await send({"message": {"role": "assistant", "content": "", "thinking": piece},
                        "done": False})
        for n, piece in enumerate(pieces(reply.text)):
            if fault.drop_after is not None and n >= fault.drop_after:
                self._drop(request)
                return resp
            await send({"message": {"role": "assistant", "content": piece}, "done": False})
            if fault.stream_error:
                await resp.write((json.dumps({"error": fault.message}) + "\n").encode())
                return resp
        if not fault.no_finish:
            await send({"message": {"role": "assistant", "content": ""}, "done": True,
                        "done_reason": "stop" if reply.finish == "stop" else "length",
                        "total_duration": 1000, "prompt_eval_count": reply.input_tokens,
                        "eval_count": reply.output_tokens})
        await resp.write_eof()
        return resp

    async def ollama_tags(self, request: web.Request) -> web.Response:
        self.requests.append(Recorded("ollama", request.path, dict(request.headers), {}))
        return web.json_response({"models": [
            {"name": name, "model": name, "size": 2_000_000_000, "digest": "abc",
             "details": {"family": "llama", "parameter_size": "3B"}}
            for name in self.ollama_models]})

    async def ollama_show(self, request: web.Request) -> web.Response:
        body = await self._record("ollama_show", request)
        name = body.get("model") or body.get("name") or ""
        if name not in self.ollama_models and f"{name}:latest" not in self.ollama_models:
            return web.json_response({"error": f"model '{name}' not found"}, status=404)
        capabilities = ["completion"] + (["thinking"] if name in self.ollama_thinking_models
                                         else [])
        return web.json_response({
            "details": {"family": "llama"}, "capabilities": capabilities,
            "model_info": {"general.architecture": "llama",
                           "llama.context_length": self.ollama_context_length}})

    async def ollama_version(self, request: web.Request) -> web.Response:
        return web.json_response({"version": "0.12.0"})

    async def ollama_pull(self, request: web.Request) -> web.StreamResponse:
        body = await self._record("ollama", request)
        resp = await self._open(request, "application/x-ndjson")

        async def send(data: dict[str, Any]) -> None:
            await resp.write((json.dumps(data) + "\n").encode())

        await send({"status": "pulling manifest"})
        total = 1000
        for step in range(1, self.pull_steps + 1):
            await send({"status": "pulling abc", "digest": "sha256:abc", "total": total,
                        "completed": total * step // self.pull_steps})
        await send({"status": "verifying sha256 digest"})
        await send({"status": "success"})
        name = body.get("model") or body.get("name")
        if name and name not in self.ollama_models:
            self.ollama_models.append(name if ":" in name else f"{name}:latest")
        await resp.write_eof()
        return resp


async def serve_forever(port: int) -> None:
    """Run the fake on a fixed port until killed (the fake `ollama serve` uses this)."""
    server = FakeLLMServer()
    server.ollama_models = []
    await server.start(port)
    await asyncio.Event().wait()


if __name__ == "__main__":
    import sys

    asyncio.run(serve_forever(int(sys.argv[1])))
