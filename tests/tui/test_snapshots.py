"""Snapshots of every screen in its main states (frozen clock and ids, no animations).

Regenerate after a deliberate visual change with `pytest tests/tui --snapshot-update`, after
looking at the report.
"""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from pidgin_tui.core.events import ExperimentCompleteEvent

from .conftest import SIZE
from .helpers import estimate_settled, form_ready, wait_until
from .scripted import EXPERIMENT_ID, STAMP, Script

SETTLE_S = 0.3
"""Long enough for the live screen's figure refresh to have run."""


def no_blink(pilot: Pilot) -> None:
    for widget in pilot.app.screen.query("Input, TextArea"):
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False


async def settle(pilot: Pilot) -> None:
    if pilot.app.current_mode == "setup":
        await estimate_settled(pilot)
    no_blink(pilot)
    await pilot.pause(SETTLE_S)
    pilot.app.clear_notifications()
    await pilot.pause()


def test_setup_empty(snap_compare, make_app) -> None:
    """You should see the setup form filled with local:test × local:test, 10 turns, one
    repetition, the model lists with ✓ marks, and an estimate of 20 requests costing $0.00."""
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=settle)


def test_setup_with_an_invalid_field(snap_compare, make_app) -> None:
    """You should see "Turns" in red with "✗ expected an integer >= 1, got "ten"" under it,
    and the estimate box replaced by a red "1 field to fix" list."""

    async def run_before(pilot: Pilot) -> None:
        await form_ready(pilot)
        pilot.app.screen.query_one("#max_turns", Input).value = "ten"
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_live_mid_stream(snap_compare, make_app) -> None:
    """You should see turn 1 complete (agent A's reply as a bulleted Markdown list with a
    folded "thinking" section), agent B's turn-2 reply cut off mid-sentence with a ▍ marker,
    "Turn 2 / 3 · running", and both agent panels with tokens, $0.00, context %, TTFT 250 ms."""

    async def run_before(pilot: Pilot) -> None:
        await pilot.press("f3")
        script = Script(pilot.app)
        await script.start()
        await script.turn(1)
        await script.turn(2, partial_b=8)
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_live_completed(snap_compare, make_app) -> None:
    """You should see the last turns of a finished conversation, "■ Conversation completed:
    max_turns" at the bottom, "Turn 3 / 3 · completed (max_turns)", a full progress bar with
    "1/1 conversations", and a rising convergence sparkline with the latest metrics."""

    async def run_before(pilot: Pilot) -> None:
        await pilot.press("f3")
        script = Script(pilot.app)
        await script.start()
        for turn in (1, 2, 3):
            await script.turn(turn)
        await script.finish()
        await script.bus.publish(ExperimentCompleteEvent(
            experiment_id=EXPERIMENT_ID, timestamp=STAMP, status="completed",
            completed_conversations=1, total_turns=3))
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_error_panel_with_entries(snap_compare, make_app) -> None:
    """You should see four rows: an API error (overloaded, HTTP 529), a rate limit counting
    down "retry in 30s", a failed conversation and a failed post-processing step, with time,
    provider, model, experiment and conversation columns; no unread badge (they are read)."""

    async def run_before(pilot: Pilot) -> None:
        script = Script(pilot.app)
        await script.start()
        await script.errors()
        await pilot.press("f6")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_unread_badge_on_setup(snap_compare, make_app) -> None:
    """You should see the setup screen with a red "⚠ 4 unread errors · F6" badge at the top
    right."""

    async def run_before(pilot: Pilot) -> None:
        script = Script(pilot.app)
        await script.start()
        await script.errors()
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def palette_listed(pilot: Pilot) -> bool:
    """The command palette is open and has listed its commands: no search still gathering
    them, no busy indicator."""
    from textual.command import CommandList, CommandPalette

    palette = pilot.app.screen
    if not isinstance(palette, CommandPalette):
        return False
    gathering = any(worker.group == CommandPalette._GATHER_COMMANDS_GROUP and
                    not worker.is_finished for worker in pilot.app.workers)
    return not gathering and not palette._show_busy and \
        palette.query_one(CommandList).option_count > 0


def test_palette_open(snap_compare, make_app) -> None:
    """You should see the command palette over the setup screen, listing the setup commands
    (Load spec, Save spec, New form) and the app's (Help, Setup, Live, …, Launch)."""

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: palette_listed(pilot), "the command palette's list")
        no_blink(pilot)  # the palette's own search field must not blink either
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_help(snap_compare, make_app) -> None:
    """You should see the Keys dialog with a table of the global keys (f1-f6, ^r, ^p, ^t, ^q),
    each with its action, what it does and its id for `[keymap]`."""
    assert snap_compare(make_app(), terminal_size=SIZE, press=["f1"], run_before=settle)
