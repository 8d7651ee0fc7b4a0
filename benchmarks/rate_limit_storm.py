"""A 1,000-request 429 storm against the loopback fake, with and without adaptive concurrency.

The fake (tests/fakes/llm_server.py) serves the OpenAI wire format but only `CAPACITY` requests
at a time: any request beyond that is answered 429 with a `retry-after`. 1,000 requests (64
callers at once, as 64 parallel conversations would send) go through the real OpenAI adapter,
the provider gate and the retry layer, as in a run. Time is scaled down 20×: `retry-after` is
50 ms (a provider's 1 s) and the backoff starts at 100 ms (2 s).

Figures per mode: attempts sent, 429s answered, wall time, peak requests in flight at the
server, and the gate's in-flight limit at the end.

Run: python benchmarks/rate_limit_storm.py [--requests 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pidgin_tui.core.bus import EventBus  # noqa: E402
from pidgin_tui.core.provider import ModelInfo, ProviderRequest, RequestContext  # noqa: E402
from pidgin_tui.core.types import ChatMessage  # noqa: E402
from pidgin_tui.providers.event_aware import EventAwareProvider  # noqa: E402
from pidgin_tui.providers.gate import Backoff, provider_gate  # noqa: E402
from pidgin_tui.providers.limits import LimitedProvider, StreamLimits  # noqa: E402
from pidgin_tui.providers.openai import OpenAIProvider  # noqa: E402
from pidgin_tui.providers.retry import RetryingResponder, RetryPolicy  # noqa: E402
from tests.fakes.llm_server import FakeLLMServer, Fault, Reply  # noqa: E402

CAPACITY = 4
"""Requests the fake serves at once; more is a 429."""
MAX_CONCURRENT = 32
"""The configured per-provider in-flight maximum (`[concurrency]`)."""
CALLERS = 64
SCALE = 0.05
"""Seconds of benchmark time per second of real provider time."""
SERVICE_S = 0.02
"""How long the fake takes before its first token."""


async def storm(requests: int, adaptive: bool, seed: int) -> dict[str, float | int]:
    server = FakeLLMServer()
    await server.start()
    server.capacity = CAPACITY
    server.capacity_retry_after = 1.0 * SCALE
    server.add("openai", *[Reply(fault=Fault(first_token_delay=SERVICE_S))
                           for _ in range(requests)])
    name = f"storm-{'aimd' if adaptive else 'fixed'}"
    inner = OpenAIProvider(api_key="sk-benchmark-not-a-key", base_url=f"{server.base}/v1")
    inner.name = name
    provider = LimitedProvider(inner, StreamLimits(max_concurrent=MAX_CONCURRENT,
                                                   adaptive=adaptive))
    gate = provider_gate(name, MAX_CONCURRENT, adaptive)
    gate.backoff = Backoff(base_s=2.0 * SCALE, max_wait_s=60.0 * SCALE,
                           rng=random.Random(seed))
    policy = RetryPolicy(budget_s=600.0 * SCALE, base_s=2.0 * SCALE, max_wait_s=60.0 * SCALE,
                         rng=random.Random(seed))
    responder = RetryingResponder(EventAwareProvider(EventBus(), cost=lambda *_: 0.0), policy)
    info = ModelInfo(name, "gpt-4.1", "storm", 128_000, 1024)
    request = ProviderRequest(model="gpt-4.1", system="",
                              messages=[ChatMessage("user", "hello")], temperature=0.5)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(requests):
        queue.put_nowait(n)
    failed = 0

    async def caller() -> None:
        nonlocal failed
        while not queue.empty():
            n = queue.get_nowait()
            ctx = RequestContext("bench", f"conv{n}", "agent_a", 0, info)
            try:
                await responder(provider, request, ctx)
            except Exception:
                failed += 1

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(CALLERS)))
    wall = time.perf_counter() - started
    figures: dict[str, float | int] = {
        "attempts": len(server.of("openai")), "429s": server.rejected, "failed": failed,
        "wall_s": round(wall, 2), "peak_in_flight_server": server.peak_in_flight,
        "peak_in_flight_client": gate.peak_in_flight, "final_limit": gate.limit}
    await provider.aclose()
    await server.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"{args.requests} requests, {CALLERS} callers, fake capacity {CAPACITY}, "
          f"configured limit {MAX_CONCURRENT}, retry-after {SCALE:g} s (time scaled ×{SCALE:g})")
    for adaptive in (False, True):
        figures = asyncio.run(storm(args.requests, adaptive, args.seed))
        label = "adaptive (AIMD)" if adaptive else "fixed limit    "
        print(f"{label}  " + "  ".join(f"{k} {v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
