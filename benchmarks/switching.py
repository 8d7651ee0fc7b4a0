"""Switching conversations on the live screen with `n`/`p` when they are long (turn 200).

Fills the app's store with `--conversations` conversations of `--turns` turns (events through
the real Bridge, as a run would), shows the first on the live screen, then times each press
until the next conversation is on screen and the app is idle again. With two conversations
`n`/`p` go back and forth (the usual comparison of two); with more, `n` walks through them, so
each press shows a conversation for the first time. Wall time moves with the machine's load
(2 cores shared), so the CPU time of the app's process is printed too. Goal: ≤ 100 ms at
turn 200.

    python benchmarks/switching.py [--turns 200] [--presses 10] [--conversations 2]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pidgin_tui.core.bus import EventBus  # noqa: E402
from pidgin_tui.core.events import (  # noqa: E402  # noqa: E402
    ConversationStartEvent,
    MessageCompleteEvent,
    TurnCompleteEvent,
    TurnStartEvent,
)
from pidgin_tui.experiments.synthetic import conversation_events  # noqa: E402
from pidgin_tui.tui.app import PidginApp  # noqa: E402
from pidgin_tui.tui.bridge import Bridge  # noqa: E402

SHOWN = (ConversationStartEvent, TurnStartEvent, MessageCompleteEvent, TurnCompleteEvent)


async def main(turns: int, presses: int, conversations: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = PidginApp(Path(tmp), post_process=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("f3")
            ids = [f"bench_{number:04d}" for number in range(1, conversations + 1)]
            app.store.add_experiment("bench", "long", ids, {
                "agent_a": ("local:test", 1_000_000), "agent_b": ("local:test", 1_000_000)})
            bus = EventBus()
            Bridge(bus, app.store, app.hub)
            for conversation_id in ids:
                for event in conversation_events("bench", conversation_id, turns, words=60,
                                                 ended=False):
                    if isinstance(event, SHOWN):
                        await bus.publish(event)
            await pilot.pause(0.5)
            await app.screen.show_conversation(app.store.conversation(ids[0]))
            await pilot.pause(0.5)
            times, cpu = [], []
            for number in range(presses):
                key = "n" if number % 2 == 0 or conversations > 2 else "p"
                started, cpu_started = time.perf_counter(), time.process_time()
                await pilot.press(key)
                await pilot.pause()
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - cpu_started) * 1000)
            shown = app.screen.conversation_id
        print(f"n/p at turn {turns} ({conversations} conversations): median "
              f"{statistics.median(times):.0f} ms, max {max(times):.0f} ms over {presses} "
              f"presses; CPU median "
              f"{statistics.median(cpu):.0f} ms (last shown {shown})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--presses", type=int, default=10)
    parser.add_argument("--conversations", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(main(args.turns, args.presses, args.conversations))
