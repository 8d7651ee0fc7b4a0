"""Waiting that a stop or an interrupt ends at once: backoffs, breaker pauses, admission queues.

An abort check is any `() -> bool` (`core.provider.AbortCheck`). A conversation's check is an
`AbortSignal`, which can also be awaited, so a wait ends the moment the conversation is asked to
end instead of at the end of a 60 s pause. A plain callable still works: it is polled every
`POLL_S`. The check of the request being made travels in a context variable (`abort_scope`), so
layers between the conductor and the provider (retries, admission gates) need no extra argument.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from pidgin_tui.core.provider import AbortCheck

POLL_S = 0.25
"""How often a plain abort callable is asked while waiting."""

class AbortSignal:
    """True once `event` is set; `wait()` returns then. One per conversation."""

    __slots__ = ("_event",)

    def __init__(self, event: asyncio.Event) -> None:
        self._event = event

    def __call__(self) -> bool:
        return self._event.is_set()

    async def wait(self) -> None:
        await self._event.wait()


_CURRENT: ContextVar[AbortCheck | None] = ContextVar("pidgin_abort", default=None)


@contextmanager
def abort_scope(check: AbortCheck) -> Iterator[None]:
    """Within, `current_abort()` is `check` (for the task that entered it)."""
    token = _CURRENT.set(check)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current_abort() -> AbortCheck | None:
    """The abort check of the request the running task is making, if any."""
    return _CURRENT.get()


async def wait_unless_aborted(should_abort: AbortCheck | None, timeout: float | None = None,
                              waiting: Awaitable[object] | None = None) -> bool:
    """Wait until `timeout` seconds passed or `waiting` is done, whichever is first; True when
    `should_abort` said stop first (then `waiting` is left as it is, not cancelled)."""
    loop = asyncio.get_running_loop()
    deadline = None if timeout is None else loop.time() + timeout
    watched = asyncio.ensure_future(waiting) if waiting is not None else None
    wait_for_abort: Callable[[], Awaitable[None]] | None = getattr(should_abort, "wait", None)
    signal = asyncio.ensure_future(wait_for_abort()) if callable(wait_for_abort) else None
    try:
        while True:
            if should_abort is not None and should_abort():
                return True
            if watched is not None and watched.done():
                return False
            left = None if deadline is None else deadline - loop.time()
            if left is not None and left <= 0:
                return False
            if should_abort is not None and signal is None:  # a plain callable: poll it
                left = POLL_S if left is None else min(left, POLL_S)
            pending = {f for f in (watched, signal) if f is not None}
            if pending:
                await asyncio.wait(pending, timeout=left, return_when=asyncio.FIRST_COMPLETED)
            else:
                await asyncio.sleep(left if left is not None else POLL_S)
    finally:
        if signal is not None:
            signal.cancel()
