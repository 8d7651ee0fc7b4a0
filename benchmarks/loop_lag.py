"""Event-loop lag while 200 `local:test` conversations run at once with the live screen open.

Launches one experiment of 200 repetitions (all in parallel, 3 turns each) in a headless app at
120×40 showing the live screen, and samples how late a 10 ms timer fires on the app's loop for
the whole run. Prints p50/p95/p99/max lag. Goal: ≤ 50 ms.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pidgin_tui.experiments.spec import parse_spec  # noqa: E402
from pidgin_tui.tui.app import PidginApp  # noqa: E402

CONVERSATIONS = 200
TURNS = 3
TICK_S = 0.010
GOAL_S = 0.050


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PIDGIN_CONFIG_DIR"] = f"{tmp}/config"
        app = PidginApp(Path(tmp) / "out", post_process=False, freeze_gc=True)
        lags: list[float] = []
        async with app.run_test(size=(120, 40)) as pilot:
            spec = parse_spec({"agent_a": "local:test", "agent_b": "local:test",
                               "repetitions": CONVERSATIONS, "max_parallel": CONVERSATIONS,
                               "max_turns": TURNS, "name": "lag"})
            await pilot.press("f3")
            run = app.launch(spec)
            started = time.perf_counter()
            while run.worker is not None and not run.worker.is_finished:
                before = time.perf_counter()
                await asyncio.sleep(TICK_S)
                lags.append(time.perf_counter() - before - TICK_S)
                if lags[-1] > 0.1:
                    print(f"  stall {lags[-1] * 1000:.0f} ms at {before - started:.2f} s")
            duration = time.perf_counter() - started
            experiment = app.store.experiments[run.runner.experiment_id]
            done, status = experiment.done, experiment.status
    lags.sort()

    def pct(p: float) -> float:
        return lags[min(len(lags) - 1, int(len(lags) * p))] * 1000

    print(f"{CONVERSATIONS} local:test conversations × {TURNS} turns in parallel, live screen "
          f"open: {done} done ({status}) in {duration:.1f} s")
    print(f"event-loop lag over {len(lags)} samples: p50 {pct(0.5):.1f} ms, "
          f"p95 {pct(0.95):.1f} ms, "
          f"p99 {pct(0.99):.1f} ms, max {lags[-1] * 1000:.1f} ms (goal ≤ {GOAL_S * 1000:.0f} ms); "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    asyncio.run(main())
