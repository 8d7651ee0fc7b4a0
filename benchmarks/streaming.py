"""Streaming: the token rate the live screen sustains with display lag ≤ 100 ms.

Publishes realistic text (paragraphs of ~60 tokens, a new message every 300 tokens) through the
real EventBus → Bridge → LiveScreen path of a headless app at 120×40, at increasing rates. The lag
of a token is the time from its publication to the moment its message's Markdown source
contains it. Prints p50/p99/max lag and the achieved rate per target rate. Goal: ≥ 2,000 tok/s
with lag ≤ 100 ms.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pidgin_tui.core.bus import EventBus  # noqa: E402
from pidgin_tui.core.events import (  # noqa: E402
    ConversationStartEvent,
    ExperimentStartEvent,
    MessageChunkEvent,
    MessageCompleteEvent,
    MessageRequestEvent,
    TurnStartEvent,
)
from pidgin_tui.tui.app import PidginApp  # noqa: E402
from pidgin_tui.tui.bridge import Bridge  # noqa: E402

RATES = (500, 1_000, 2_000, 3_000, 4_000, 6_000, 8_000, 10_000)
DURATION_S = 4.0
REPEATS = 3
"""Runs per rate; the median of their percentiles is reported (the machine is shared)."""
LAG_GOAL_S = 0.100
TOKENS_PER_MESSAGE = 300
PARAGRAPH_TOKENS = 60
WORDS = ("the conversation keeps returning to patterns of meaning and memory while both "
         "agents borrow each other's words until a shared rhythm appears").split()
IDS = {"experiment_id": "bench", "conversation_id": "bench_0001"}


def token(index: int) -> str:
    if index % TOKENS_PER_MESSAGE and index % PARAGRAPH_TOKENS == 0:
        return "\n\n"
    return WORDS[index % len(WORDS)] + " "


async def run_rate(rate: int, output: Path) -> tuple[list[float], float]:
    app = PidginApp(output, post_process=False, freeze_gc=True)
    lags: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3")
        app.store.add_experiment("bench", "bench", ["bench_0001"], {
            "agent_a": ("local:test", 1_000_000), "agent_b": ("local:test", 1_000_000)})
        bus = EventBus()
        Bridge(bus, app.store, app.hub)
        await bus.publish(ExperimentStartEvent(experiment_id="bench", name="bench",
                                               total_conversations=1))
        await bus.publish(ConversationStartEvent(**IDS, agent_a_model="local:test",
                                                 agent_b_model="local:test", max_turns=10_000))
        await pilot.pause(0.2)
        pending: list[tuple[tuple[int, str], int, float]] = []  # (message, source length, time)
        done = asyncio.Event()

        def source_length(key: tuple[int, str]) -> int:
            views = app.screen.view._views
            view = views.get(key)
            if view is None:  # scrolled out of the mounted window: as shown as it will be
                return 1 << 30 if views and key[0] < min(k[0] for k in views) else -1
            try:
                return len(view.query_one(".body").source)
            except Exception:  # mounting right now
                return -1

        async def sampler() -> None:
            while not (done.is_set() and not pending):
                now = time.perf_counter()
                lengths: dict[tuple[int, str], int] = {}
                while pending:
                    key, length, published = pending[0]
                    if key not in lengths:
                        lengths[key] = source_length(key)
                    if lengths[key] < length:
                        break
                    lags.append(now - published)
                    pending.pop(0)
                await asyncio.sleep(0.002)

        sampling = asyncio.create_task(sampler())
        total = int(rate * DURATION_S)
        started = time.perf_counter()
        length = 0
        text: list[str] = []
        for index in range(total):
            message, position = divmod(index, TOKENS_PER_MESSAGE)
            turn, agent = message // 2, ("agent_a", "agent_b")[message % 2]
            if position == 0:
                if agent == "agent_a":
                    await bus.publish(TurnStartEvent(**IDS, turn_number=turn))
                await bus.publish(MessageRequestEvent(**IDS, agent_id=agent, turn_number=turn,
                                                      model="local:test", message_count=1,
                                                      payload_sha256=""))
                length, text = 0, []
            piece = token(index)
            text.append(piece)
            length += len(piece)
            await bus.publish(MessageChunkEvent(**IDS, agent_id=agent, turn_number=turn,
                                                chunk=piece, chunk_index=position))
            pending.append(((turn, agent), len("".join(text).rstrip()), time.perf_counter()))
            if position == TOKENS_PER_MESSAGE - 1:
                await bus.publish(MessageCompleteEvent(**IDS, agent_id=agent, turn_number=turn,
                                                       content="".join(text), tokens_used=300))
            ahead = started + (index + 1) / rate - time.perf_counter()
            if ahead > 0.002 or index % 50 == 0:
                await asyncio.sleep(max(0.0, ahead))
        achieved = total / (time.perf_counter() - started)
        done.set()
        await asyncio.wait_for(sampling, timeout=30)
    return lags, achieved


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


async def main() -> None:
    sustained = 0
    contiguous = True
    with tempfile.TemporaryDirectory() as tmp:
        for rate in RATES:
            runs = [await run_rate(rate, Path(tmp)) for _ in range(REPEATS)]
            p50 = statistics.median(percentile(lags, 0.50) for lags, _ in runs)
            p95 = statistics.median(percentile(lags, 0.95) for lags, _ in runs)
            p99 = statistics.median(percentile(lags, 0.99) for lags, _ in runs)
            worst = max(max(lags) for lags, _ in runs)
            achieved = statistics.median(a for _, a in runs)
            ok = p95 <= LAG_GOAL_S and achieved >= 0.95 * rate
            contiguous = contiguous and ok
            sustained = rate if contiguous else sustained
            print(f"target {rate:>5,} tok/s: achieved {achieved:>7,.0f} tok/s, lag p50 "
                  f"{p50 * 1000:6.1f} ms, p95 {p95 * 1000:6.1f} ms, p99 {p99 * 1000:7.1f} ms, "
                  f"max {worst * 1000:7.1f} ms  {'ok' if ok else 'over'}")
    print(f"sustained (this and every lower rate with median-of-{REPEATS} p95 lag ≤ "
          f"{LAG_GOAL_S * 1000:.0f} ms): {sustained:,} tok/s (goal ≥ 2,000 tok/s); "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    asyncio.run(main())
