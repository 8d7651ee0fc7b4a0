"""Per-provider admission and first-token/total timeouts around any provider's stream.

Admission goes through the provider's gate (`gate.py`): process-wide, so every conversation in
the process shares one adaptive in-flight limit and one circuit breaker per provider.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from pidgin_tui.core.abort import current_abort
from pidgin_tui.core.provider import (
    Chunk,
    Provider,
    ProviderError,
    ProviderRequest,
    TextChunk,
    ThinkingChunk,
)
from pidgin_tui.providers.gate import provider_gate
from pidgin_tui.providers.params import SentParameters, prepare, sent_parameters


@dataclass(slots=True)
class StreamLimits:
    first_token_s: float | None = None
    total_s: float | None = None
    max_concurrent: int | None = None
    adaptive: bool = True
    """Lower the in-flight limit on rate limits and raise it again on successes (AIMD)."""


class LimitedProvider:
    """Wraps a provider: waits for admission by its gate, then enforces the timeouts.

    The first-token timeout runs until the first text or thinking chunk; the total timeout runs
    from the moment the request is sent. Time spent waiting for admission counts towards neither.
    The gate hears how every admitted request went. A conversation stopped while it waits
    for admission gets an empty stream (the caller's abort check says why).
    """

    def __init__(self, inner: Provider, limits: StreamLimits | Callable[[], StreamLimits]) -> None:
        self.inner = inner
        self.name = inner.name
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
        if not limits.max_concurrent:
            async for chunk in self._timed(request, limits):
                yield chunk
            return
        gate = provider_gate(self.name, limits.max_concurrent, limits.adaptive)
        admitted = await gate.admit(current_abort())
        if admitted is None:  # stopped while waiting: nothing was sent
            return
        verdict = False
        try:
            async for chunk in self._timed(request, limits):
                yield chunk
        except ProviderError as exc:
            verdict = True
            gate.failed(admitted, exc)
            raise
        else:
            verdict = True
            gate.succeeded()
        finally:
            if not verdict:
                gate.abandoned()

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
