"""A provider's gate: AIMD in-flight limit, circuit breaker, and the retry floor under them."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

from pidgin_tui.core.provider import Chunk, FinishChunk, ProviderError, ProviderRequest, TextChunk
from pidgin_tui.providers.gate import (
    BREAKER_THRESHOLD,
    Backoff,
    ProviderGate,
    current_gate,
    provider_gate,
)
from pidgin_tui.providers.limits import LimitedProvider, StreamLimits
from pidgin_tui.providers.retry import RetryPolicy

REQUEST = ProviderRequest(model="m", system="", messages=[])


def limited(kind: str = "rate_limit", retry_after: float | None = None) -> ProviderError:
    return ProviderError(kind, f"x: {kind}", retry_after_s=retry_after,  # type: ignore[arg-type]
                         provider="x")


async def admit_many(gate: ProviderGate, n: int) -> list[int]:
    return [await gate.admit() for _ in range(n)]


async def test_a_burst_of_429s_from_one_round_halves_the_limit_once():
    gate = ProviderGate("g", 8)
    rounds = await admit_many(gate, 8)
    for admitted in rounds:  # eight requests sent together, all rate limited
        gate.failed(admitted, limited())
    assert gate.limit == 4 and gate.rate_limited == 8 and gate.strikes == 1
    second = await gate.admit()  # a request of the next round cuts again
    gate.failed(second, limited("overloaded"))
    assert gate.limit == 2


async def test_successes_raise_the_limit_by_one_per_limit_successes_up_to_the_maximum():
    gate = ProviderGate("g", 4)
    gate.failed(await gate.admit(), limited())
    gate.failed(await gate.admit(), limited())
    assert gate.limit == 1
    for expected in (2, 3, 4, 4):
        for _ in range(gate.limit):
            await gate.admit()
            gate.succeeded()
        assert gate.limit == expected
    assert gate.strikes == 0


async def test_without_adaptive_concurrency_the_limit_stays_but_the_breaker_still_opens():
    gate = ProviderGate("g", 8, adaptive=False, backoff=Backoff(base_s=30.0))
    for _ in range(BREAKER_THRESHOLD):
        gate.failed(await gate.admit(), limited())
    assert gate.limit == 8
    assert gate.pause_remaining() >= 15  # backoff(1) with base 30 s: 15–30 s


async def test_other_failures_open_the_breaker_but_do_not_cut_the_limit():
    gate = ProviderGate("g", 8, backoff=Backoff(base_s=30.0))
    for _ in range(BREAKER_THRESHOLD - 1):
        gate.failed(await gate.admit(), limited("server"))
    assert gate.pause_remaining() == 0  # not yet: a provider must keep failing
    gate.failed(await gate.admit(), limited("connection"))
    assert gate.limit == 8 and gate.rate_limited == 0
    assert gate.pause_remaining() > 0


async def test_an_open_breaker_holds_every_request_until_it_closes_and_a_success_resets_it():
    gate = ProviderGate("g", 8, backoff=Backoff(base_s=0.2, max_wait_s=0.2))
    for _ in range(BREAKER_THRESHOLD):  # 503s: the breaker opens, the limit stays at 8
        gate.failed(await gate.admit(), limited("server", retry_after=0.05))
    assert gate.pause_remaining() > 0
    waiting = [asyncio.create_task(gate.admit()) for _ in range(3)]
    for _ in range(5):
        await asyncio.sleep(0)
    assert not any(task.done() for task in waiting) and gate.in_flight == 0
    await asyncio.gather(*waiting)  # the pause ends for all of them together
    assert gate.in_flight == 3
    gate.succeeded()
    assert gate.strikes == 0


async def test_the_pause_is_at_least_the_providers_retry_after():
    gate = ProviderGate("g", 8, backoff=Backoff(base_s=0.01))
    for _ in range(BREAKER_THRESHOLD):
        gate.failed(await gate.admit(), limited(retry_after=40))
    assert gate.pause_remaining() > 30


async def test_a_waiting_request_is_admitted_when_a_slot_frees():
    gate = ProviderGate("g", 1)
    first = await gate.admit()
    second = asyncio.create_task(gate.admit())
    await asyncio.sleep(0)
    assert not second.done()
    gate.failed(first, limited("bad_request"))  # not retryable: frees the slot, no verdict
    assert await second == first and gate.limit == 1


class RateLimited:
    """A provider that answers 429 to every request."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def stream(self, request: ProviderRequest) -> AsyncIterator[Chunk]:
        raise limited()
        yield TextChunk("")  # pragma: no cover - makes this an async generator


class Answers:
    def __init__(self, name: str) -> None:
        self.name = name

    async def stream(self, request: ProviderRequest) -> AsyncIterator[Chunk]:
        yield TextChunk("ok")
        yield FinishChunk("stop")


async def test_limited_provider_reports_each_outcome_to_its_providers_gate():
    provider = LimitedProvider(RateLimited("gate-test-a"), StreamLimits(max_concurrent=8))
    try:
        async for _ in provider.stream(REQUEST):
            pass
    except ProviderError:
        pass
    gate = current_gate("gate-test-a")
    assert gate is not None and gate.limit == 4 and gate.in_flight == 0
    ok = LimitedProvider(Answers("gate-test-a"), StreamLimits(max_concurrent=8))
    assert [c async for c in ok.stream(REQUEST)][-1] == FinishChunk("stop")
    assert gate.strikes == 0 and gate.sent == 2


async def test_a_request_abandoned_mid_stream_frees_its_slot():
    provider = LimitedProvider(Answers("gate-test-b"), StreamLimits(max_concurrent=1))
    stream = aiter(provider.stream(REQUEST))
    await anext(stream)
    await stream.aclose()  # type: ignore[attr-defined]
    gate = provider_gate("gate-test-b", 1)
    assert gate.in_flight == 0 and gate.limit == 1


def test_retry_after_never_shortens_the_growing_backoff():
    policy = RetryPolicy(rng=random.Random(3))
    # `retry-after: 1` on the fifth failure still waits the backoff: 16–32 s with base 2 s.
    wait = policy.next_wait(limited(retry_after=1), attempt=5, elapsed_s=0)
    assert wait is not None and wait >= 16
    # A long retry-after is honoured.
    long_wait = policy.next_wait(limited(retry_after=45), attempt=1, elapsed_s=0)
    assert long_wait is not None and long_wait >= 45
    # An open breaker lengthens the wait to its end.
    held = policy.next_wait(limited(), attempt=1, elapsed_s=0, hold_s=50)
    assert held is not None and held >= 50


def test_a_retry_after_1_storm_sends_a_few_dozen_attempts_in_ten_minutes_not_hundreds():
    policy = RetryPolicy(rng=random.Random(5))
    elapsed, attempts = 0.0, 1
    while (wait := policy.next_wait(limited(retry_after=1), attempts, elapsed)) is not None:
        elapsed += wait
        attempts += 1
    assert attempts < 25  # upstream's floorless retry sent 536
