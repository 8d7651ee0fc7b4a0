"""Monitor refresh cost: 1,000 experiments × 10 conversations on disk, 5 of them growing.

Prints the cost of `MonitorState.refresh()` (the disk part, which the screen runs in a thread
worker) per refresh while the 5 live experiments grow by one turn per conversation between
refreshes, for 100 and for 1,000 finished experiments (the cost should not depend on that), and
the cost of updating the experiments table in the app with the resulting rows.

    python benchmarks/monitor_refresh.py [--finished 1000] [--refreshes 30]
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

from pidgin_tui.core.events import (  # noqa: E402
    MessageCompleteEvent,
    TokenUsageEvent,
    TurnCompleteEvent,
)
from pidgin_tui.experiments.monitor_state import MonitorState  # noqa: E402
from pidgin_tui.experiments.synthetic import write_experiment, write_jsonl  # noqa: E402

LIVE = 5
CONVERSATIONS = 10


def lay_out(root: Path, finished: int) -> list[Path]:
    for index in range(finished):
        write_experiment(root, f"f{index:05d}", "finished", conversations=CONVERSATIONS, turns=5,
                         words=30)
    return [write_experiment(root, f"live{index}", "growing", conversations=0,
                             running=CONVERSATIONS, turns=20, words=30, pid=os.getpid())
            for index in range(LIVE)]


def grow(paths: list[Path], turn: int) -> None:
    for path in paths:
        exp_id = path.name.split("_")[1]
        for conv in range(1, CONVERSATIONS + 1):
            ids = {"experiment_id": exp_id, "conversation_id": f"{exp_id}_{conv:04d}"}
            events = [MessageCompleteEvent(**ids, agent_id=a, turn_number=turn, content="x " * 40)
                      for a in ("agent_a", "agent_b")]
            events += [TokenUsageEvent(**ids, agent_id="agent_a", turn_number=turn, model="m",
                                       provider="local", input_tokens=50, output_tokens=40),
                       TurnCompleteEvent(**ids, turn_number=turn, convergence_score=0.5)]
            write_jsonl(path / f"conv_{exp_id}_{conv:04d}_events.jsonl", events)


def measure(root: Path, live: list[Path],
            refreshes: int) -> tuple[float, list[float], MonitorState]:
    state = MonitorState(root)
    started = time.perf_counter()
    rows = state.refresh()
    cold = time.perf_counter() - started
    assert len(rows) == len(list((root / "experiments").iterdir())), "every experiment listed"
    times = []
    for turn in range(10_000, 10_000 + refreshes):
        grow(live, turn)
        started = time.perf_counter()
        state.refresh()
        times.append(time.perf_counter() - started)
    return cold, times, state


def report(label: str, cold: float, times: list[float], state: MonitorState) -> None:
    times_ms = sorted(t * 1000 for t in times)
    p95 = times_ms[int(len(times_ms) * 0.95) - 1]
    print(f"{label}: cold first refresh {cold * 1000:.0f} ms; steady refresh median "
          f"{statistics.median(times_ms):.1f} ms, p95 {p95:.1f} ms, max {times_ms[-1]:.1f} ms "
          f"({state.manifest_reads} manifest reads, {state.bytes_tailed / 1e6:.1f} MB tailed)")


async def ui_update(root: Path) -> None:
    from textual.app import App
    from textual.reactive import reactive

    from pidgin_tui.tui.screens.monitor import MonitorScreen

    class Bench(App[None]):
        unread_errors = reactive(0)  # the top bar's badge reads it, as in PidginApp

        def on_mount(self) -> None:
            self.push_screen(MonitorScreen(root, refresh_s=3600))

    app = Bench()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, MonitorScreen) and screen.state is not None
        for _ in range(600):
            if screen.rows:
                break
            await pilot.pause(0.05)
        else:
            raise SystemExit("the monitor never listed the experiments")
        times = []
        for _ in range(10):
            rows = screen.state.refresh()
            started = time.perf_counter()
            screen.on_monitor_screen_refreshed(MonitorScreen.Refreshed(rows))
            await pilot.pause()
            times.append(time.perf_counter() - started)
        print(f"UI: updating the tables with {len(rows)} rows: median "
              f"{statistics.median(times) * 1000:.1f} ms per refresh (incl. one frame)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--finished", type=int, default=1000)
    parser.add_argument("--refreshes", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as small_dir, tempfile.TemporaryDirectory() as big_dir:
        small, big = Path(small_dir), Path(big_dir)
        started = time.perf_counter()
        live_small = lay_out(small, args.finished // 10)
        live_big = lay_out(big, args.finished)
        files = sum(1 for _ in (big / "experiments").rglob("*.jsonl"))
        size = sum(p.stat().st_size for p in (big / "experiments").rglob("*")) / 1e6
        print(f"laid out {args.finished} finished + {LIVE} growing experiments × "
              f"{CONVERSATIONS} conversations ({files} JSONL files, {size:.0f} MB) in "
              f"{time.perf_counter() - started:.1f} s")
        report(f"{args.finished // 10:>5} finished + {LIVE} growing", *measure(
            small, live_small, args.refreshes))
        report(f"{args.finished:>5} finished + {LIVE} growing", *measure(
            big, live_big, args.refreshes))
        asyncio.run(ui_update(big))


if __name__ == "__main__":
    main()
