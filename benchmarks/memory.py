"""RSS after a 1,000-turn `local:instant` conversation shown in the live screen.

Runs the conversation through the real launch path of a headless app at 120×40 with the live
screen open, then reads the process's resident set size. Prints RSS before and after, the number
of widgets mounted and the turns kept in memory. Goal: ≤ 150 MiB.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pidgin_tui.experiments.spec import parse_spec  # noqa: E402
from pidgin_tui.tui.app import PidginApp  # noqa: E402

TURNS = 1_000
GOAL_MIB = 150


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PIDGIN_CONFIG_DIR"] = f"{tmp}/config"
        app = PidginApp(Path(tmp) / "out", post_process=False, freeze_gc=True)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("f3")
            await pilot.pause(0.2)
            before = rss_mib()
            spec = parse_spec({"agent_a": "local:instant", "agent_b": "local:instant",
                               "max_turns": TURNS, "name": "memory"})
            started = time.perf_counter()
            run = app.launch(spec)
            assert run.worker is not None
            await run.worker.wait()
            await pilot.pause(0.5)
            duration = time.perf_counter() - started
            gc.collect()
            after = rss_mib()
            widgets = len(list(app.screen.query("*")))
            conversation = next(iter(app.store.experiments[run.runner.experiment_id]
                                     .conversations.values()))
            line = str(app.screen.query_one("#conversation-line").render())
    print(f"{TURNS:,}-turn local:instant conversation in the live screen: {duration:.1f} s")
    print(f"  {line}")
    print(f"  widgets on the live screen: {widgets}; turns kept in memory: "
          f"{len(conversation.turns)} (+{conversation.collapsed_turns} collapsed)")
    print(f"RSS: {before:.1f} MiB with the live screen open, {after:.1f} MiB after the "
          f"conversation (goal ≤ {GOAL_MIB} MiB)")


if __name__ == "__main__":
    asyncio.run(main())
