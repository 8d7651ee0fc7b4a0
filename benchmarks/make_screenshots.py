"""Write an SVG of each screen of the app in its main state to `screenshots/`.

The app takes them itself (`App.save_screenshot`) while running real local-model conversations
headless at 120×40, with a throwaway output root and config directory.

    python benchmarks/make_screenshots.py
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textual import events  # noqa: E402
from textual.widgets import Input  # noqa: E402

from pidgin_tui.tui.app import PidginApp  # noqa: E402

SIZE = (120, 40)
OUT = ROOT / "screenshots"


async def wait_until(pilot, condition, limit: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    waited = 0.0
    while not condition():
        await pilot.pause(0.05)
        waited += 0.05
        if waited > limit:
            raise TimeoutError("screen did not reach the expected state")


def shoot(app: PidginApp, name: str) -> None:
    app.clear_notifications()
    path = app.save_screenshot(filename=f"{name}.svg", path=str(OUT))
    print(f"wrote {Path(path).relative_to(ROOT)}")


async def press(pilot, key: str) -> None:  # type: ignore[no-untyped-def]
    pilot.app.post_message(events.Key(key, key if len(key) == 1 else None))
    await pilot.pause(0.1)


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PIDGIN_CONFIG_DIR"] = f"{tmp}/config"
        app = PidginApp(Path(tmp) / "out")
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await wait_until(pilot, lambda: bool(screen.query("#max_turns")))
            await pilot.pause(1.5)  # the estimate worker
            shoot(app, "setup")

            screen.query_one("#max_turns", Input).value = "0"
            screen.query_one("#temperature_a", Input).value = "2.5"
            await pilot.pause(0.3)
            shoot(app, "setup-invalid")
            screen.query_one("#max_turns", Input).value = "6"
            screen.query_one("#temperature_a", Input).value = ""
            screen.query_one("#name", Input).value = "first-contact"
            await pilot.pause(0.3)

            await press(pilot, "ctrl+r")
            await wait_until(pilot, lambda: app.current_mode == "live")
            await wait_until(pilot, lambda: any(
                c.shown_turn >= 2
                for e in app.store.experiments.values() for c in e.conversations.values()))
            await pilot.pause(2.0)
            shoot(app, "live")

            await press(pilot, "ctrl+q")
            await pilot.pause(0.3)
            shoot(app, "quit-while-running")
            await press(pilot, "n")

            await press(pilot, "ctrl+p")
            await pilot.pause(0.3)
            shoot(app, "command-palette")
            await press(pilot, "escape")

            await press(pilot, "f1")
            await pilot.pause(0.3)
            shoot(app, "help")
            await press(pilot, "escape")

            await press(pilot, "f2")
            await pilot.pause(0.2)
            app.screen.query_one("#agent_b-input", Input).value = "local:fail-at-2"
            app.screen.query_one("#max_turns", Input).value = "4"
            await pilot.pause(0.3)
            await press(pilot, "ctrl+r")
            await wait_until(pilot, lambda: app.unread_errors >= 2)
            await pilot.pause(0.5)
            shoot(app, "live-with-error-badge")

            await press(pilot, "f6")
            await pilot.pause(0.5)
            shoot(app, "errors")
            await press(pilot, "enter")
            await pilot.pause(0.3)
            shoot(app, "error-detail")
            await press(pilot, "escape")

            await app.stop_all_and_wait()


if __name__ == "__main__":
    asyncio.run(main())
