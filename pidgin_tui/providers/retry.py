"""The retry layer: a Conductor `Responder` that retries failed attempts with backoff.

Retryable failures (rate limits, overload, 5xx, dropped connections, incomplete streams,
timeouts) are retried with exponential backoff and jitter until the retry budget (measured in
minutes: overload windows last minutes) would be exceeded. A `retry-after` is honoured but never
shortens the backoff: the wait is the longer of the two, so `retry-after: 1` cannot turn into a
request a second for ten minutes. While the provider's circuit breaker is open (`gate.py`) the
wait lasts at least until it closes. Each retry
is announced: the failed attempt's APIErrorEvent carries its attempt number and the wait, and
rate limits and overloads also publish a RateLimitEvent. Only the successful attempt's result is
returned, so partial text from a failed attempt never reaches the history.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from pidgin_tui.core.abort import POLL_S, abort_scope, wait_unless_aborted
from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.events import ContextLimitEvent, RateLimitEvent
from pidgin_tui.core.provider import RATE_LIMIT_KINDS, Provider, ProviderError, ProviderRequest
from pidgin_tui.providers.event_aware import (
    AbortCheck,
    CostFunction,
    EventAwareProvider,
    MessageResult,
    RequestContext,
    interrupted_result,
)
from pidgin_tui.providers.gate import Backoff, current_gate


@dataclass(slots=True)
class RetryPolicy:
    budget_s: float = 600.0
    """No retry starts if it would end more than this long after the first attempt began."""
    base_s: float = 2.0
    factor: float = 2.0
    max_wait_s: float = 60.0
    max_attempts: int | None = None
    rng: random.Random = field(default_factory=random.Random)
    sleep: Callable[[float], Awaitable[None]] | None = None
    """None: real time, ended at once by a stop; a test may inject a fake clock's sleep."""
    clock: Callable[[], float] = time.monotonic

    def backoff(self, attempt: int) -> float:
        """Equal-jitter exponential backoff after failed attempt number `attempt` (1-based)."""
        return Backoff(self.base_s, self.factor, self.max_wait_s, self.rng).wait(attempt)

    def next_wait(self, error: ProviderError, attempt: int, elapsed_s: float,
                  hold_s: float = 0.0) -> float | None:
        """Seconds to wait before the next attempt, or None to give up.

        `hold_s` is how long the provider's breaker keeps every request back anyway.
        """
        if not error.retryable:
            return None
        if self.max_attempts is not None and attempt >= self.max_attempts:
            return None
        wait = max(self.backoff(attempt), hold_s)
        if error.retry_after_s is not None:
            wait = max(wait, error.retry_after_s * (1 + self.rng.uniform(0, 0.1)))
        if elapsed_s + wait > self.budget_s:
            return None
        return round(wait, 3)

    @classmethod
    def from_settings(cls) -> RetryPolicy:
        from pidgin_tui.config import settings

        return cls(budget_s=settings().retry_budget_s)


@dataclass(slots=True)
class _AttemptPlan:
    """Decides the wait after one attempt's failure once, for both its event and the loop."""

    policy: RetryPolicy
    attempt: int
    started: float
    provider: str = ""
    """Whose breaker to consult."""
    _waits: dict[int, float | None] = field(default_factory=dict)

    def __call__(self, exc: ProviderError) -> float | None:
        if id(exc) not in self._waits:
            elapsed = self.policy.clock() - self.started
            gate = current_gate(self.provider)
            hold = gate.pause_remaining() if gate is not None else 0.0
            self._waits[id(exc)] = self.policy.next_wait(exc, self.attempt, elapsed, hold)
        return self._waits[id(exc)]


class RetryingResponder:
    """Calls `EventAwareProvider.attempt` until one succeeds or retrying is no longer allowed."""

    def __init__(self, event_aware: EventAwareProvider, policy: RetryPolicy | None = None) -> None:
        self.event_aware = event_aware
        self.policy = policy or RetryPolicy()

    @property
    def bus(self) -> EventBus:
        return self.event_aware.bus

    async def __call__(self, provider: Provider, request: ProviderRequest, ctx: RequestContext,
                       should_abort: AbortCheck = lambda: False) -> MessageResult:
        policy = self.policy
        started = policy.clock()
        attempt = 1
        while True:
            plan = _AttemptPlan(policy, attempt, started, provider=provider.name)
            try:
                with abort_scope(should_abort):  # admission waits end on a stop, too
                    return await self.event_aware.attempt(
                        provider, request,
                        ctx if ctx.attempt == attempt else replace(ctx, attempt=attempt),
                        should_abort, plan)
            except ProviderError as exc:
                wait = plan(exc)
                if exc.kind == "context_length":
                    await self._context_limit(ctx)
                if wait is None or should_abort():
                    if should_abort():
                        return interrupted_result()
                    raise
                if exc.kind in RATE_LIMIT_KINDS:
                    await self.bus.publish(RateLimitEvent(
                        experiment_id=ctx.experiment_id, conversation_id=ctx.conversation_id,
                        agent_id=ctx.agent_id, provider=ctx.info.provider, model=ctx.info.ref,
                        wait_s=wait, attempt=attempt, reason=exc.kind,
                        turn_number=ctx.turn_number))
                if await self._wait(wait, should_abort):
                    return interrupted_result()
                attempt += 1

    async def _wait(self, seconds: float, should_abort: AbortCheck) -> bool:
        """Wait `seconds`; True (at once) if the conversation was stopped meanwhile."""
        if self.policy.sleep is None:
            return await wait_unless_aborted(should_abort, seconds) or should_abort()
        remaining = seconds  # an injected sleep (tests): in slices, asking between them
        while remaining > 0:
            if should_abort():
                return True
            step = min(POLL_S, remaining)
            await self.policy.sleep(step)
            remaining -= step
        return should_abort()

    async def _context_limit(self, ctx: RequestContext) -> None:
        await self.bus.publish(ContextLimitEvent(
            experiment_id=ctx.experiment_id, conversation_id=ctx.conversation_id,
            agent_id=ctx.agent_id, turn_number=ctx.turn_number, model=ctx.info.ref,
            context_window=ctx.info.context_window,
            estimated_tokens=ctx.estimated_input_tokens, truncated=False))


def make_responder(bus: EventBus, cost: CostFunction | None = None,
                   policy: RetryPolicy | None = None) -> RetryingResponder:
    """The responder a runner gives each Conductor: priced events and retries from settings."""
    if cost is None:
        from pidgin_tui.providers.pricing import cost_for

        cost = cost_for
    return RetryingResponder(EventAwareProvider(bus, cost=cost),
                             policy or RetryPolicy.from_settings())
