"""Switching conversations on the live screen with `n`/`p` when they are long (turn 200).

Fills the app's store with 12 conversations of `--turns` turns (events through the real Bridge,
as a run would) and times three kinds of press on the live screen, each from the key reaching
the app until every widget has handled its messages and the frame showing the other
conversation is drawn:

1. first visit: `n` through the first six, none prepared ahead (preparing is off): the message
   widgets on screen are refilled with the next conversation, and the view of the one left is
   built again out of sight after the frame (that build is not in the figure);
2. repeat visit: `p` and `n` over those six again, whose views the deck keeps;
3. next after reading: `n` on to the six never shown, after `--read` seconds on each (the time
   the screen has to prepare the next one out of sight; the deck is full by then, so that
   refills the least recently shown view).

Wall time moves with the machine's load (2 cores shared with other work), so the app process's
CPU time and the load average are printed too. Goal: ≤ 100 ms at turn 200.

Measured 2026-12-02, medians over the presses, wall / CPU:
  load ~4, before (the last six turns mounted, nothing prepared, 51 widgets for the conversation
  on screen): first visit 263 / 197 ms, repeat 87 / 70 ms, next after reading 293 / 225 ms;
  load ~4, after (a screenful mounted, neighbours prepared, 27 widgets): first visit
  132 / 88 ms, repeat 43 / 38 ms, next after reading 113 / 85 ms;
  load ~8, after: first visit 444 / 151 ms, repeat 168 / 64 ms, next after reading 336 / 113 ms.
  load 1.2, final main of the session: first visit 166 / 140 ms, repeat 52 / 52 ms, next after
  reading 88 / 82 ms (the first visit of a conversation not prepared ahead misses the goal).
Measured 2026-12-02 later, same machine, before and after refilling mounted widgets (a switch to
a conversation without a view rewrites message widgets instead of mounting new ones, and a
message's Markdown is built with its widget in one pass); medians per run, the range over runs,
before and after runs interleaved:
  load 2.7-3.6, before: first visit 168-382 / 109-137 ms, repeat 53-89 / 43-51 ms, next after
  reading 81-148 / 79-93 ms;
  load 2.1-3.2, after (four runs): first visit 68-87 / 64-87 ms, repeat 43-63 / 42-50 ms, next
  after reading 66-84 / 61-66 ms. The goal is met at this load; at load 6-8 (a landing's test
  suite running beside it) the first visit took 126-180 / 49-70 ms.

    python benchmarks/switching.py [--turns 200] [--rounds 2] [--read 1.0]

At the end of the session (2026-12-02, main 539951a) [load 0.4]: first visit 86 / 86 ms,
repeat visit 52 / 50 ms, next after 1 s read 64 / 62 ms (medians, wall / CPU): all within 100 ms.
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

from textual import events
from textual.pilot import Pilot

from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.events import (
    ConversationStartEvent,
    MessageCompleteEvent,
    TurnCompleteEvent,
    TurnStartEvent,
)
from pidgin_tui.experiments.synthetic import conversation_events
from pidgin_tui.tui.app import PidginApp
from pidgin_tui.tui.bridge import Bridge
from pidgin_tui.tui.screens import live
from pidgin_tui.tui.screens.live import PREPARE_AFTER_S
from pidgin_tui.tui.widgets.conversation_deck import KEPT_VIEWS

SHOWN = (ConversationStartEvent, TurnStartEvent, MessageCompleteEvent, TurnCompleteEvent)


async def press(pilot: Pilot[None], key: str, read_s: float = 0.0) -> tuple[float, float]:
    """Wall and CPU milliseconds from the key reaching the app until every widget has handled
    its messages and the frame that shows the other conversation has been drawn.

    The app is let go idle first (and, with `read_s`, left alone that long more, as someone
    reading the conversation on screen), so no press pays for the one before. The key is posted
    as the terminal driver posts it, and the end is the screen's own after-refresh callback:
    `Pilot.press` and `Pilot.pause` would add their waits for an idle process (sleeps of 20 ms
    at least, three per press) to the figure."""
    app, screen = pilot.app, pilot.app.screen
    await pilot.pause()
    if read_s:
        await asyncio.sleep(read_s)
        await pilot.pause()
    drawn = asyncio.Event()
    shown_before = screen.conversation_id
    started, cpu_started = time.perf_counter(), time.process_time()
    app.post_message(events.Key(key, key))
    while screen.conversation_id == shown_before:
        await asyncio.sleep(0)
    await pilot._wait_for_screen()
    screen.call_after_refresh(drawn.set)
    await drawn.wait()
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu_started) * 1000


def summary(what: str, times: list[tuple[float, float]]) -> str:
    walls, cpus = [wall for wall, _ in times], [cpu for _, cpu in times]
    return (f"  {what:<21} wall median {statistics.median(walls):4.0f} ms, max "
            f"{max(walls):4.0f} ms · CPU median {statistics.median(cpus):4.0f} ms, max "
            f"{max(cpus):4.0f} ms ({len(times)} presses)")


async def main(turns: int, rounds: int, read_s: float) -> None:
    kept, conversations = KEPT_VIEWS, 2 * KEPT_VIEWS
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
            # 1. Views built on the key press: nothing is prepared ahead.
            live.PREPARE_AFTER_S = 3600.0
            await pilot.pause(0.5)
            await app.screen.show_conversation(app.store.conversation(ids[0]))
            first = [await press(pilot, "n") for _ in range(kept - 1)]
            # 2. Back and forth over the kept views.
            again = [await press(pilot, key) for _ in range(rounds)
                     for key in "p" * (kept - 1) + "n" * (kept - 1)]
            # 3. Onwards to conversations never shown, reading each for `read_s` first.
            live.PREPARE_AFTER_S = PREPARE_AFTER_S
            await press(pilot, "p")
            await press(pilot, "n")
            read = [await press(pilot, "n", read_s) for _ in range(kept)]
            mounted = len(app.screen.view.current.query("*"))
        load = ", ".join(f"{figure:.2f}" for figure in os.getloadavg())
        print(f"n/p at turn {turns}, {conversations} conversations of 60-word messages, "
              f"120×40 (load average {load}):")
        print(summary("first visit", first))
        print(summary("repeat visit", again))
        print(summary(f"next after {read_s:g} s read", read))
        print(f"  widgets mounted for the conversation on screen: {mounted}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2,
                        help="passes of p then n over the kept conversations")
    parser.add_argument("--read", type=float, default=1.0,
                        help="seconds spent on a conversation before moving on (phase 3)")
    args = parser.parse_args()
    asyncio.run(main(args.turns, args.rounds, args.read))
