"""Small helpers shared by the Pilot tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual.pilot import Pilot
from textual.widgets import Input, Static

T = TypeVar("T")

WAIT_LIMIT_S = 20.0
"""Upper bound for anything a test waits for; reaching it fails the test with a message."""


async def wait_until(pilot: Pilot, condition: Callable[[], bool], what: str,
                     step: float = 0.02) -> None:
    """Let the app run until `condition()` holds."""
    waited = 0.0
    while not condition():
        if waited > WAIT_LIMIT_S:
            raise AssertionError(f"gave up waiting for {what}")
        await pilot.pause(step)
        waited += step


async def wait_until_steady(pilot: Pilot, read: Callable[[], T], what: str,
                            step: float = 0.05) -> T:
    """Let the app run until `read()` gives the same non-empty answer twice in a row, with
    scheduled animations done and a refresh between the two reads (mounts, focus moves and
    recomposes have settled); returns that answer."""
    last: T | None = None
    waited = 0.0
    while True:
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(step)
        now = read()
        if now and now == last:
            return now
        if waited > WAIT_LIMIT_S:
            raise AssertionError(f"gave up waiting for {what} to settle (last: {now!r})")
        last = now
        waited += step


def static_text(pilot: Pilot, selector: str) -> str:
    """The plain text a Static shows on the current screen."""
    return str(pilot.app.screen.query_one(selector, Static).render())


async def press_now(pilot: Pilot, key: str) -> None:
    """Press a key without `Pilot.press`'s wait for an idle screen (a streaming run is never
    idle, so that wait would last the whole run)."""
    from textual import events

    char = key if len(key) == 1 else None
    pilot.app.post_message(events.Key(key, char))
    await pilot.pause(0)


async def form_ready(pilot: Pilot) -> None:
    """Wait for the setup form, which the setup screen mounts after its first frame (later
    than `run_test` returns when the machine is busy)."""
    await wait_until(pilot, lambda: bool(pilot.app.screen.query("#max_turns")), "the setup form")


async def estimate_settled(pilot: Pilot) -> str:
    """Wait for the setup screen's estimate worker; returns what the estimate box says."""
    from pidgin_tui.tui.widgets.estimate_panel import EstimatePanel

    await form_ready(pilot)
    panel = pilot.app.screen.query_one(EstimatePanel)
    await wait_until(pilot, lambda: not panel.pending, "the estimate")
    return str(panel.render())


def record_toasts(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Every toast's text from now on (a toast on screen expires; this list keeps it)."""
    seen: list[str] = []
    notify = app.notify

    def recording(message, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(str(message))
        return notify(message, *args, **kwargs)

    app.notify = recording
    return seen


async def run_instant_pair(pilot: Pilot, turns: int) -> None:
    """From the setup form, run local:instant with itself for `turns` turns, and wait for the
    conversation to complete on the live screen."""
    await form_ready(pilot)
    screen = pilot.app.screen
    for agent in ("agent_a", "agent_b"):
        screen.query_one(f"#{agent}-input", Input).value = "local:instant"
    screen.query_one("#max_turns", Input).value = str(turns)
    await pilot.pause()
    await press_now(pilot, "ctrl+r")
    await wait_until(pilot, lambda: "completed" in static_text(pilot, "#conversation-line"),
                     "the conversation to complete")
    await pilot.pause(0.1)
