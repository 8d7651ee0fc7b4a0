"""Switching conversations on the live screen with `n`/`p` when they are long (turn 200).

Fills the app's store with `--conversations` conversations of `--turns` turns (events through
the real Bridge, as a run would), shows the first on the live screen, then times each press
until the next conversation is on screen and the app is idle again: first `n` through all of
them (each shown for the first time: its view is built), then `--rounds` passes of `n` and `p`
over them again (their views are kept, so a press flips which one is displayed). Wall time
moves with the machine's load (2 cores shared by other work), so the CPU time of the app's
process and the load average are printed too. Goal: ≤ 100 ms at turn 200.

Measured 2026-12-02 (load average ~6 on 2 cores), before → after mounting only a screenful:
first visit CPU median 218 → 114 ms (wall 406 → 275 ms), repeat visit CPU 99 → 71 ms (wall
210 → 161 ms); 51 → 27 widgets mounted for a 200-turn conversation.

    python benchmarks/switching.py [--turns 200] [--conversations 6] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pidgin_tui.core.bus import EventBus  # noqa: E402
from pidgin_tui.core.events import (  # noqa: E402
    ConversationStartEvent,
    MessageCompleteEvent,
    TurnCompleteEvent,
    TurnStartEvent,
)
from pidgin_tui.experiments.synthetic import conversation_events  # noqa: E402
from pidgin_tui.tui.app import PidginApp  # noqa: E402
from pidgin_tui.tui.bridge import Bridge  # noqa: E402
from pidgin_tui.tui.widgets.conversation_deck import KEPT_VIEWS  # noqa: E402

SHOWN = (ConversationStartEvent, TurnStartEvent, MessageCompleteEvent, TurnCompleteEvent)


async def press(pilot, key: str) -> tuple[float, float]:
    """Wall and CPU milliseconds from the key press until the app is idle again."""
    started, cpu_started = time.perf_counter(), time.process_time()
    await pilot.press(key)
    await pilot.pause()
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu_started) * 1000


def summary(what: str, times: list[tuple[float, float]]) -> str:
    walls, cpus = [wall for wall, _ in times], [cpu for _, cpu in times]
    return (f"  {what:<13} wall median {statistics.median(walls):4.0f} ms, max "
            f"{max(walls):4.0f} ms · CPU median {statistics.median(cpus):4.0f} ms, max "
            f"{max(cpus):4.0f} ms ({len(times)} presses)")


async def main(turns: int, conversations: int, rounds: int) -> None:
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
            first = [await press(pilot, "n") for _ in range(conversations - 1)]
            await press(pilot, "n")  # back to the first conversation
            again = [await press(pilot, key) for _ in range(rounds)
                     for key in "n" * (conversations - 1) + "p" * (conversations - 1)]
            mounted = len(app.screen.view.current.query("*"))
        load = ", ".join(f"{figure:.2f}" for figure in os.getloadavg())
        print(f"n/p at turn {turns}, {conversations} conversations of 60-word messages, "
              f"120×40 (load average {load}):")
        print(summary("first visit", first))
        print(summary("repeat visit", again))
        print(f"  widgets mounted for the conversation on screen: {mounted}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--conversations", type=int, default=KEPT_VIEWS)
    parser.add_argument("--rounds", type=int, default=2,
                        help="passes of n then p over the kept conversations")
    args = parser.parse_args()
    asyncio.run(main(args.turns, args.conversations, args.rounds))
