"""Per-provider concurrency limits and first-token/total timeouts around any provider's stream.

The semaphores are process-wide, so every conversation in the process shares one limit per
provider. asyncio primitives belong to one event loop, so there is one set per running loop.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from pidgin_tui.providers.base import (
    Chunk,
    Provider,
    ProviderError,
    ProviderRequest,
    TextChunk,
    ThinkingChunk,
)
from pidgin_tui.providers.params import SentParameters, prepare, sent_parameters

_SEMAPHORES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]] = \
    weakref.WeakKeyDictionary()


def provider_semaphore(provider: str, limit: int) -> asyncio.Semaphore:
    """The process-wide semaphore of `provider` on the running loop (created with `limit`)."""
    per_loop = _SEMAPHORES.setdefault(asyncio.get_running_loop(), {})
    semaphore = per_loop.get(provider)
    if semaphore is None:
        semaphore = per_loop[provider] = asyncio.Semaphore(limit)
    return semaphore


@dataclass(slots=True)
class StreamLimits:
    first_token_s: float | None = None
    total_s: float | None = None
    max_concurrent: int | None = None


class LimitedProvider:
    """Wraps a provider: waits for a concurrency slot, then enforces the timeouts.

    The first-token timeout runs until the first text or thinking chunk; the total timeout runs
    from the moment the request is sent. Time spent waiting for a slot counts towards neither.
    """

    def __init__(self, inner: Provider, limits: StreamLimits | Callable[[], StreamLimits]) -> None:
        self.inner = inner
        self.name = inner.name
        self.sdk_modules: tuple[str, ...] = getattr(inner, "sdk_modules", ())
        self._limits = limits

    def sent_parameters(self, request: ProviderRequest) -> SentParameters:
        return sent_parameters(self.inner, request)

    async def prepare(self, request: ProviderRequest) -> None:
        await prepare(self.inner, request)

    @property
    def limits(self) -> StreamLimits:
        return self._limits() if callable(self._limits) else self._limits

    async def stream(self, request: ProviderRequest) -> AsyncIterator[Chunk]:
        limits = self.limits
        if limits.max_concurrent:
            async with provider_semaphore(self.name, limits.max_concurrent):
                async for chunk in self._timed(request, limits):
                    yield chunk
        else:
            async for chunk in self._timed(request, limits):
                yield chunk

    async def _timed(self, request: ProviderRequest, limits: StreamLimits) -> AsyncIterator[Chunk]:
        if limits.first_token_s is None and limits.total_s is None:
            async for chunk in self.inner.stream(request):
                yield chunk
            return
        loop = asyncio.get_running_loop()
        start = loop.time()
        total_deadline = None if limits.total_s is None else start + limits.total_s
        first_deadline = None if limits.first_token_s is None else start + limits.first_token_s
        waiting_first = first_deadline is not None
        iterator = aiter(self.inner.stream(request))
        try:
            while True:
                deadline = total_deadline
                if waiting_first and first_deadline is not None:
                    deadline = first_deadline if deadline is None else min(deadline, first_deadline)
                try:
                    async with asyncio.timeout_at(deadline):
                        chunk = await anext(iterator)
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    which = "first token" if waiting_first and (
                        total_deadline is None or loop.time() < total_deadline) else "response"
                    limit = limits.first_token_s if which == "first token" else limits.total_s
                    raise ProviderError(
                        "timeout", f"{self.name}: no {which} within {limit:g} s",
                        provider=self.name) from None
                if waiting_first and isinstance(chunk, TextChunk | ThinkingChunk):
                    waiting_first = False
                yield chunk
        finally:
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                await aclose()


    async def aclose(self) -> None:
        aclose = getattr(self.inner, "aclose", None)
        if aclose is not None:
            await aclose()
