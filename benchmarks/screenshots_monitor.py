"""Write SVG screenshots of the monitor, transcript browser, transcript and metrics screens.

The app itself renders them (headless, 120×40) over synthetic experiments in a temporary
output root: one running in this process, one finished, one whose process died.

    python benchmarks/screenshots_monitor.py [OUT_DIR]   (default: screenshots/)
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pidgin_tui.experiments.synthetic import write_experiment  # noqa: E402


def lay_out(root: Path) -> None:
    now = datetime.now(UTC)
    write_experiment(root, "a1b2c3d4", "dialogue-drift", conversations=3, running=2, pending=1,
                     turns=12, pid=os.getpid(), errors=2, start=now - timedelta(seconds=95),
                     model="local:test")
    write_experiment(root, "e5f6a7b8", "mirror-test", conversations=5, turns=8,
                     start=now - timedelta(hours=2), model="local:instant")
    write_experiment(root, "c9d0e1f2", "overnight", conversations=2, running=1, turns=20,
                     pid=2**22 + 9, start=now - timedelta(hours=9))


async def shoot(root: Path, out: Path) -> None:
    from pidgin_tui.tui.app import PidginApp

    app = PidginApp(root, post_process=False)
    async with app.run_test(size=(120, 40)) as pilot:
        async def save(name: str) -> None:
            await pilot.pause(0.6)
            app.clear_notifications()
            await pilot.pause(0.1)
            app.save_screenshot(str(out / f"{name}.svg"))
            print(out / f"{name}.svg")

        await pilot.press("f4")
        await save("monitor")
        await pilot.press("f5")
        await save("transcripts")
        await pilot.press("enter", "enter")
        await save("transcript")
        await pilot.press("m")
        await save("metrics")


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        lay_out(Path(tmp))
        asyncio.run(shoot(Path(tmp), out))


if __name__ == "__main__":
    main()
