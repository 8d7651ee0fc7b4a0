"""A stop ends a circuit-breaker pause, an admission queue and a retry backoff at once.

Every pause here is set to a million seconds, so only a stop can end it. No test measures how
long anything took: `ended` only turns a wait that a stop failed to end (a hang) into a failure.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import TypeVar

from pidgin_tui.core.control import ConversationControl
from pidgin_tui.core.events import Event, MessageRequestEvent
from pidgin_tui.core.provider import (
    Chunk,
    FinishChunk,
    ProviderError,
    ProviderRequest,
    RequestContext,
    TextChunk,
)
from pidgin_tui.core.provider_table import provider_spec
from pidgin_tui.core.types import EndReason
from pidgin_tui.experiments.runner import ExperimentRunner
from pidgin_tui.experiments.session import RunSession
from pidgin_tui.experiments.spec import parse_spec
from pidgin_tui.providers.event_aware import EventAwareProvider
from pidgin_tui.providers.gate import ProviderGate, provider_gate
from pidgin_tui.providers.limits import LimitedProvider, StreamLimits
from pidgin_tui.providers.registry import Registry, add_provider
from pidgin_tui.providers.retry import RetryingResponder, RetryPolicy
from tests.providers.test_retry import INFO

T = TypeVar("T")
FOREVER_S = 1e6
HANG_GUARD_S = 120.0
"""Far longer than any stop takes, far shorter than the pauses: a hang fails instead."""
REQUEST = ProviderRequest(model="m", system="", messages=[])


class Answers:
    def __init__(self, name: str) -> None:
        self.name = name
        self.calls = 0

    async def stream(self, request: ProviderRequest) -> AsyncIterator[Chunk]:
        self.calls += 1
        yield TextChunk("ok")
        yield FinishChunk("stop")


class Overloaded:
    """Answers every request with a retryable overload that asks for a very long wait."""

    name = "overloaded-test"

    def __init__(self) -> None:
        self.calls = 0

    async def stream(self, request: ProviderRequest) -> AsyncIterator[Chunk]:
        self.calls += 1
        raise ProviderError("overloaded", "overloaded", retry_after_s=FOREVER_S,
                            provider=self.name)
        yield TextChunk("")  # pragma: no cover - makes this an async generator


async def ended(awaitable: Awaitable[T]) -> T:
    return await asyncio.wait_for(awaitable, HANG_GUARD_S)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_stop_ends_the_wait_for_an_open_breaker_and_takes_no_slot() -> None:
    gate = ProviderGate("g", 4)
    gate.paused_until = asyncio.get_running_loop().time() + FOREVER_S
    control = ConversationControl()
    waiting = asyncio.create_task(gate.admit(control.abort))
    await settle()
    assert not waiting.done()
    control.stop()
    assert await ended(waiting) is None
    assert gate.in_flight == 0 and gate.sent == 0


async def test_a_stop_ends_the_wait_for_a_slot_and_the_slot_goes_to_the_next_waiter() -> None:
    gate = ProviderGate("g", 1)
    first = await gate.admit()
    stopped, other = ConversationControl(), ConversationControl()
    waiting = asyncio.create_task(gate.admit(stopped.abort))
    behind = asyncio.create_task(gate.admit(other.abort))
    await settle()
    stopped.stop()
    assert await ended(waiting) is None
    assert first is not None
    gate.succeeded()
    assert await ended(behind) is not None and gate.in_flight == 1


async def test_a_plain_abort_callable_is_asked_while_waiting() -> None:
    gate = ProviderGate("g", 4)
    gate.paused_until = asyncio.get_running_loop().time() + FOREVER_S
    stop = {"now": False}
    waiting = asyncio.create_task(gate.admit(lambda: stop["now"]))
    await settle()
    stop["now"] = True
    assert await ended(waiting) is None


async def test_a_stop_during_a_real_time_backoff_returns_an_interrupted_result() -> None:
    from pidgin_tui.core.bus import EventBus

    provider = Overloaded()
    responder = RetryingResponder(EventAwareProvider(EventBus()),
                                  RetryPolicy(budget_s=10 * FOREVER_S, rng=random.Random(0)))
    control = ConversationControl()
    ctx = RequestContext("exp", "conv", "agent_a", 1, INFO)
    answer = asyncio.create_task(responder(provider, REQUEST, ctx, control.abort))
    while provider.calls == 0:
        await asyncio.sleep(0)
    await settle()
    assert not answer.done()  # waiting the provider's million seconds
    control.stop()
    result = await ended(answer)
    assert result.aborted and provider.calls == 1


async def test_stopping_a_run_whose_provider_is_paused_ends_it_without_sending(
        tmp_path: Path) -> None:
    provider = Answers("local")
    registry = Registry()
    local = provider_spec("local")
    assert local is not None
    add_provider(registry, local,
                 lambda: LimitedProvider(provider, StreamLimits(max_concurrent=4)))
    gate = provider_gate("local", 4)
    gate.paused_until = asyncio.get_running_loop().time() + FOREVER_S  # the breaker is open
    spec = parse_spec({"agent_a": "local:test", "agent_b": "local:test", "max_turns": 3,
                       "repetitions": 2, "max_parallel": 2, "name": "paused"})
    runner = ExperimentRunner(spec, tmp_path, registry=registry)
    requests: list[Event] = []
    runner.bus.subscribe(MessageRequestEvent, requests.append)
    session = RunSession("cli", post_process=False)
    run = session.start(runner)
    while len(requests) < 2:  # both conversations wait for the breaker
        await asyncio.sleep(0.01)
    assert session.stop(runner.experiment_id)
    await ended(session.wait(run))
    session.close()
    assert run.crash is None and run.result is not None
    assert {o.end_reason for o in run.result.outcomes} == {EndReason.STOPPED}
    assert provider.calls == 0 and gate.in_flight == 0
