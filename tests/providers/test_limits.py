"""Per-provider concurrency limits are shared by every conversation in the process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from pidgin_tui.core.provider import Chunk, FinishChunk, ProviderRequest, TextChunk
from pidgin_tui.providers.limits import LimitedProvider, StreamLimits

REQUEST = ProviderRequest(model="m", system="", messages=[])


class Gate:
    """A provider whose streams wait at a gate, counting how many are in flight."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.in_flight = 0
        self.peak = 0
        self.release = asyncio.Event()
        self.entered = asyncio.Queue[int]()

    async def stream(self, request: ProviderRequest) -> AsyncIterator[Chunk]:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        await self.entered.put(self.in_flight)
        try:
            await self.release.wait()
            yield TextChunk("ok")
            yield FinishChunk("stop")
        finally:
            self.in_flight -= 1


async def drain(provider: LimitedProvider) -> list[Chunk]:
    return [c async for c in provider.stream(REQUEST)]


async def test_limit_is_shared_across_provider_instances():
    gate = Gate("limited-test-a")
    limits = StreamLimits(max_concurrent=2)
    # Two wrapper instances (as two conversations would have) share one limit by name.
    providers = [LimitedProvider(gate, limits), LimitedProvider(gate, limits)]
    tasks = [asyncio.create_task(drain(providers[i % 2])) for i in range(5)]
    await gate.entered.get()
    await gate.entered.get()
    for _ in range(5):
        await asyncio.sleep(0)  # give the other three every chance to enter
    assert gate.in_flight == 2
    gate.release.set()
    results = await asyncio.gather(*tasks)
    assert gate.peak == 2 and all(len(r) == 2 for r in results)


async def test_other_providers_are_not_held_back():
    busy, free = Gate("limited-test-b"), Gate("limited-test-c")
    limited = LimitedProvider(busy, StreamLimits(max_concurrent=1))
    blocker = asyncio.create_task(drain(limited))
    await busy.entered.get()
    free.release.set()
    assert len(await drain(LimitedProvider(free, StreamLimits(max_concurrent=1)))) == 2
    busy.release.set()
    await blocker
