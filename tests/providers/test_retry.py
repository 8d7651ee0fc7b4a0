"""The retry layer: backoff, retry-after, budgets, announcements, and what is never retried."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest

from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.events import (
    APIErrorEvent,
    ContextLimitEvent,
    Event,
    MessageCompleteEvent,
    MessageRequestEvent,
    RateLimitEvent,
)
from pidgin_tui.core.provider import (
    Chunk,
    FinishChunk,
    ProviderError,
    ProviderRequest,
    TextChunk,
    UsageChunk,
)
from pidgin_tui.providers.event_aware import EventAwareProvider, RequestContext
from pidgin_tui.providers.registry import ModelInfo
from pidgin_tui.providers.retry import RetryingResponder, RetryPolicy

INFO = ModelInfo("anthropic", "claude-sonnet-5", "Claude Sonnet 5", 1_000_000, 128_000)


class Scripted:
    """A provider that fails with the given errors (after some text), then answers."""

    name = "anthropic"

    def __init__(self, *failures: ProviderError) -> None:
        self.failures = list(failures)
        self.calls = 0

    async def stream(self, request: ProviderRequest) -> AsyncIterator[Chunk]:
        self.calls += 1
        if self.failures:
            yield TextChunk(f"partial-{self.calls} ")
            raise self.failures.pop(0)
        yield TextChunk("final answer")
        yield UsageChunk(10, 5)
        yield FinishChunk("stop")


class Clock:
    """Fake time: sleeping advances it, so the budget logic runs without waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def setup(policy_kw: dict | None = None) -> tuple[EventBus, list[Event], Clock, RetryingResponder]:
    bus = EventBus()
    events: list[Event] = []
    bus.subscribe_all(events.append)
    clock = Clock()
    policy = RetryPolicy(rng=random.Random(1), sleep=clock.sleep, clock=clock.time,
                         **(policy_kw or {}))
    return bus, events, clock, RetryingResponder(EventAwareProvider(bus), policy)


def ctx() -> RequestContext:
    return RequestContext("exp", "conv", "agent_a", 3, INFO, estimated_input_tokens=900)


REQUEST = ProviderRequest(model="claude-sonnet-5", system="", messages=[])


def err(kind: str, retry_after: float | None = None) -> ProviderError:
    return ProviderError(kind, f"anthropic: {kind}", retry_after_s=retry_after,  # type: ignore[arg-type]
                         provider="anthropic")


async def test_rate_limit_waits_retry_after_and_returns_only_the_final_text():
    bus, events, clock, responder = setup()
    provider = Scripted(err("rate_limit", retry_after=7))
    result = await responder(provider, REQUEST, ctx())
    assert result.content == "final answer"  # no "partial-1" from the failed attempt
    assert provider.calls == 2
    assert 7 <= sum(clock.slept) <= 7.7
    (limit,) = [e for e in events if isinstance(e, RateLimitEvent)]
    assert (limit.attempt, limit.reason, limit.turn_number) == (1, "rate_limit", 3)
    assert 7 <= limit.wait_s <= 7.7
    (error,) = [e for e in events if isinstance(e, APIErrorEvent)]
    assert error.attempt == 1 and error.retry_in_s == limit.wait_s
    assert [e.attempt for e in events if isinstance(e, MessageRequestEvent)] == [1, 2]
    assert [e.content for e in events if isinstance(e, MessageCompleteEvent)] == ["final answer"]


async def test_backoff_grows_and_each_retry_is_announced_with_its_wait():
    bus, events, clock, responder = setup({"base_s": 1.0, "factor": 2.0})
    provider = Scripted(err("server"), err("connection"), err("incomplete_stream"))
    result = await responder(provider, REQUEST, ctx())
    assert result.content == "final answer"
    errors = [e for e in events if isinstance(e, APIErrorEvent)]
    assert [e.attempt for e in errors] == [1, 2, 3]
    waits = [e.retry_in_s for e in errors]
    # equal jitter: within [ceiling/2, ceiling] for ceilings 1, 2, 4
    for wait, ceiling in zip(waits, (1.0, 2.0, 4.0), strict=True):
        assert wait is not None and ceiling / 2 <= wait <= ceiling
    assert not [e for e in events if isinstance(e, RateLimitEvent)]  # not rate limits


async def test_overload_is_announced_as_a_rate_limit_event():
    bus, events, clock, responder = setup()
    await responder(Scripted(err("overloaded")), REQUEST, ctx())
    assert [e.reason for e in events if isinstance(e, RateLimitEvent)] == ["overloaded"]


@pytest.mark.parametrize("kind", ["auth", "bad_request", "not_found"])
async def test_permanent_failures_are_not_retried(kind: str):
    bus, events, clock, responder = setup()
    provider = Scripted(err(kind))
    with pytest.raises(ProviderError) as caught:
        await responder(provider, REQUEST, ctx())
    assert caught.value.kind == kind and provider.calls == 1 and clock.slept == []
    (error,) = [e for e in events if isinstance(e, APIErrorEvent)]
    assert error.retry_in_s is None and not error.retryable


async def test_context_too_long_emits_a_context_limit_event_and_gives_up():
    bus, events, clock, responder = setup()
    with pytest.raises(ProviderError):
        await responder(Scripted(err("context_length")), REQUEST, ctx())
    (limit,) = [e for e in events if isinstance(e, ContextLimitEvent)]
    assert (limit.model, limit.context_window, limit.estimated_tokens) == (
        "anthropic:claude-sonnet-5", 1_000_000, 900)


async def test_retry_budget_in_minutes_stops_retrying():
    bus, events, clock, responder = setup({"budget_s": 2 * 60.0, "base_s": 30.0,
                                           "max_wait_s": 60.0})
    provider = Scripted(*[err("overloaded") for _ in range(20)])
    with pytest.raises(ProviderError) as caught:
        await responder(provider, REQUEST, ctx())
    assert caught.value.kind == "overloaded"
    assert clock.now <= 120.0  # never sleeps past the budget
    assert 2 <= provider.calls < 20
    final = [e for e in events if isinstance(e, APIErrorEvent)][-1]
    assert final.retry_in_s is None  # the last failure says no retry follows


async def test_retry_after_longer_than_the_budget_gives_up_at_once():
    bus, events, clock, responder = setup({"budget_s": 60.0})
    provider = Scripted(err("rate_limit", retry_after=3600))
    with pytest.raises(ProviderError):
        await responder(provider, REQUEST, ctx())
    assert provider.calls == 1 and clock.slept == []


async def test_stop_during_a_backoff_wait_returns_an_interrupted_result():
    bus, events, clock, responder = setup()
    stop = {"now": False}

    async def sleep(seconds: float) -> None:
        stop["now"] = True  # the user presses stop while we wait

    responder.policy.sleep = sleep
    provider = Scripted(err("rate_limit", retry_after=30))
    result = await responder(provider, REQUEST, ctx(), lambda: stop["now"])
    assert result.aborted and result.content == "" and provider.calls == 1


def test_from_settings_reads_the_budget_in_minutes(tmp_path, monkeypatch):
    from pidgin_tui import config

    (tmp_path / "config.toml").write_text("[retry]\nbudget_minutes = 3\n")
    monkeypatch.setenv("PIDGIN_CONFIG_DIR", str(tmp_path))
    config.reset_settings()
    assert RetryPolicy.from_settings().budget_s == 180.0
