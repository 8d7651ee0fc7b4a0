"""Admission to one provider: an adaptive in-flight limit (AIMD) and a circuit breaker.

There is one gate per provider (or named endpoint) per event loop, shared by every conversation
in the process, so a provider's rate limit is met by the whole run together:

- **Adaptive concurrency.** A rate limit or overload halves the in-flight limit; every `limit`
  successes raise it by one, up to the configured maximum. A burst of failures from requests
  sent together counts once: only a request admitted after the last cut can cut again.
- **Circuit breaker.** After `BREAKER_THRESHOLD` rounds of retryable failures with no success
  in between, no request is admitted until a pause ends, so every conversation waits together
  instead of each storming on its own. The pause is the provider's `retry-after`, floored by a
  backoff that grows with the rounds; one success closes the breaker.

Waiting for admission ends at once when the conversation is stopped (`core.abort`).
"""

from __future__ import annotations

import asyncio
import random
import weakref
from collections import deque
from dataclasses import dataclass, field

from pidgin_tui.core.abort import wait_unless_aborted
from pidgin_tui.core.provider import RATE_LIMIT_KINDS, AbortCheck, ProviderError

BREAKER_THRESHOLD = 3
"""Rounds of failures in a row after which the provider is paused for everyone."""


@dataclass(slots=True)
class Backoff:
    """Equal-jitter exponential backoff: the wait after failure number `n` (1-based)."""

    base_s: float = 2.0
    factor: float = 2.0
    max_wait_s: float = 60.0
    rng: random.Random = field(default_factory=random.Random)

    def wait(self, n: int) -> float:
        ceiling = min(self.max_wait_s, self.base_s * self.factor ** (max(1, n) - 1))
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)


class ProviderGate:
    """Admits requests to one provider; `succeeded`/`failed` tell it how each one went."""

    def __init__(self, name: str, max_limit: int, *, adaptive: bool = True,
                 backoff: Backoff | None = None) -> None:
        self.name = name
        self.max_limit = max(1, max_limit)
        self.limit = self.max_limit
        self.adaptive = adaptive
        self.backoff = backoff or Backoff()
        self.in_flight = 0
        self.peak_in_flight = 0
        self.sent = 0
        self.rate_limited = 0
        self.strikes = 0
        """Rounds of retryable failures since the last success."""
        self.paused_until = 0.0
        self._round = 0
        self._credit = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()

    def pause_remaining(self) -> float:
        """Seconds until the breaker admits requests again (0 when it is closed)."""
        return max(0.0, self.paused_until - self._now())

    def set_max_limit(self, max_limit: int) -> None:
        self.max_limit = max(1, max_limit)
        self.limit = min(self.limit, self.max_limit) if self.adaptive else self.max_limit
        self._wake()

    async def admit(self, should_abort: AbortCheck | None = None) -> int | None:
        """Wait for the breaker and a free slot; returns the round the request belongs to, or
        None when `should_abort` said stop while waiting (then no slot is taken)."""
        while True:
            if should_abort is not None and should_abort():
                return None
            remaining = self.pause_remaining()
            if remaining > 0:
                if await wait_unless_aborted(should_abort, remaining):
                    return None
                continue
            if self.in_flight < self.limit:
                break
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                if await wait_unless_aborted(should_abort, waiting=waiter):
                    if waiter.done():
                        self._wake()  # the slot it was woken for goes to the next waiter
                    return None
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        self.in_flight += 1
        self.sent += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        return self._round

    def succeeded(self) -> None:
        """Free the slot after a success: the breaker closes, the limit creeps back up."""
        self.in_flight -= 1
        self.strikes = 0
        self._credit += 1
        if self._credit >= self.limit:
            self._credit = 0
            self.limit = min(self.max_limit, self.limit + 1)
        self._wake()

    def failed(self, admitted_round: int, error: ProviderError) -> None:
        """Free the slot after a failure; a retryable one may cut the limit or open the breaker."""
        self.in_flight -= 1
        if error.retryable:
            if error.kind in RATE_LIMIT_KINDS:
                self.rate_limited += 1
            if admitted_round == self._round:  # the first failure of the latest round
                self._round += 1
                self.strikes += 1
                if self.adaptive and error.kind in RATE_LIMIT_KINDS:
                    self.limit = max(1, self.limit // 2)
                    self._credit = 0
                if self.strikes >= BREAKER_THRESHOLD:
                    pause = max(error.retry_after_s or 0.0,
                                self.backoff.wait(self.strikes - BREAKER_THRESHOLD + 1))
                    self.paused_until = max(self.paused_until, self._now() + pause)
        self._wake()

    def abandoned(self) -> None:
        """Free the slot of a request its caller stopped reading (a stop): no verdict."""
        self.in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        free = self.limit - self.in_flight
        while free > 0 and self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                free -= 1


_GATES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, ProviderGate]] = \
    weakref.WeakKeyDictionary()


def provider_gate(name: str, max_limit: int, adaptive: bool = True) -> ProviderGate:
    """The gate of `name` on the running loop, made on first use; settings apply each call."""
    per_loop = _GATES.setdefault(asyncio.get_running_loop(), {})
    gate = per_loop.get(name)
    if gate is None:
        gate = per_loop[name] = ProviderGate(name, max_limit, adaptive=adaptive)
    elif gate.max_limit != max_limit or gate.adaptive != adaptive:
        gate.adaptive = adaptive
        gate.set_max_limit(max_limit)
    return gate


def current_gate(name: str) -> ProviderGate | None:
    """The gate of `name` on the running loop, if a request has made one."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    return _GATES.get(loop, {}).get(name)
