"""Time to open a 2,000-turn transcript in the browser's view, scrolling cost, and RSS after.

Measures, in a headless app at 120×40: push of `TranscriptScreen` → JSONL parsed (thread
worker) → every message wrapped → first frame drawn; then the cost of a page-down and of a
search over the whole conversation; and the process RSS once the transcript is shown.

    python benchmarks/transcript_open.py [--turns 2000] [--words 60]

Measured 2026-12-02, `--turns 3000` (9.4 MB of JSONL, 47,076 wrapped lines), median of 5 opens,
runs alternating with the code before the day's reader changes: 647 / 564 ms before and 782 /
736 ms after at load 2.8-2.9; 807 / 888 ms (main before the reader change) and 879 / 1,092 ms
at load 2.7-3.4. The spread is the machine's: reading this file through the transcript's
event filter costs the same CPU before and after (`read_events`: 66-75 ms against 64-75 ms;
`ConversationRecord.read` of it 142-177 against 175-180 ms); wrapping and drawing take the
rest. A page down: 31-35 ms. The last wave measured 0.25 s on a quiet machine, 1.1 s at load 6.

At the end of the session (2026-12-02, main 4ae4c2d) [load 0.9]: 2,000 turns median 377 ms
(page down 28.9 ms, search 53 ms); 3,000 turns median 653 ms.
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

from textual.app import App  # noqa: E402
from textual.reactive import reactive  # noqa: E402

from pidgin_tui.experiments.synthetic import conversation_events, write_jsonl  # noqa: E402
from pidgin_tui.tui.screens.transcript import TranscriptScreen  # noqa: E402
from pidgin_tui.tui.widgets.transcript_view import TranscriptView  # noqa: E402


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


GIVE_UP_S = 30.0
"""A transcript that has not appeared by then never will: stop instead of hanging."""


class Bench(App[None]):
    unread_errors = reactive(0)
    """The top bar's badge reads it, as in PidginApp."""


async def bench(path: Path, runs: int) -> None:
    app = Bench()
    async with app.run_test(size=(120, 40)) as pilot:
        base_rss = rss_mib()
        opens = []
        for _ in range(runs):
            started = time.perf_counter()
            await app.push_screen(TranscriptScreen(path))
            screen = app.screen
            while not (screen.query(TranscriptView)
                       and screen.query_one(TranscriptView).layout_data.lines):
                if time.perf_counter() - started > GIVE_UP_S:
                    raise SystemExit("the transcript never appeared")
                await asyncio.sleep(0.001)
            await pilot.pause()  # the first frame with the transcript
            opens.append(time.perf_counter() - started)
            view = screen.query_one(TranscriptView)
            lines, turns = len(view.layout_data.lines), view.transcript.turns_completed
            if len(opens) == 1:
                first_rss = rss_mib()
            if len(opens) < runs:
                app.pop_screen()
                await pilot.pause()
        print(f"open a {turns}-turn transcript ({path.stat().st_size / 1e6:.1f} MB JSONL, "
              f"{lines} wrapped lines): median {statistics.median(opens) * 1000:.0f} ms, "
              f"first {opens[0] * 1000:.0f} ms, over {runs} opens")
        print(f"RSS: {first_rss:.0f} MiB after the first open, {rss_mib():.0f} MiB after {runs} "
              f"opens (app before opening: {base_rss:.0f} MiB)")
        pages = []
        for _ in range(40):
            started = time.perf_counter()
            view.scroll_page_down(animate=False)
            await pilot.pause()
            pages.append(time.perf_counter() - started)
        print(f"page down (render of a new screenful): median "
              f"{statistics.median(pages) * 1000:.1f} ms")
        started = time.perf_counter()
        hits = view.search_for("kangaroo")
        await pilot.pause()
        print(f"search the whole transcript: {(time.perf_counter() - started) * 1000:.0f} ms "
              f"({hits} hit)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=2000)
    parser.add_argument("--words", type=int, default=60)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "conv_bench_0001_events.jsonl"
        write_jsonl(path, conversation_events("bench", "bench_0001", args.turns,
                                              words=args.words, thinking=True,
                                              phrases={args.turns - 10: "a kangaroo"}))
        asyncio.run(bench(path, args.runs))


if __name__ == "__main__":
    main()
