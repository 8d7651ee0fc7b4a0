"""Toasts: one per distinct problem with a count, text shown as written, and the palette's
Screenshot saved to the output root when the downloads directory is missing (finding 12)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input

from pidgin_tui.providers.registry import ModelInfo
from pidgin_tui.tui.app import PidginApp
from pidgin_tui.tui.error_entries import ErrorEntry
from pidgin_tui.tui.messages import ErrorRecorded
from tests.tui.conftest import SIZE, fast_registry
from tests.tui.helpers import estimate_settled, wait_until


def _toasts(app: PidginApp) -> list[tuple[str, str]]:
    return [(note.title, note.message) for note in app._notifications]


async def test_five_identical_failures_show_one_toast_with_a_count(
        make_app: Callable[..., PidginApp], monkeypatch: pytest.MonkeyPatch) -> None:
    # The toasts expire after 6 s of wall time: a loaded machine can take that long between
    # posting them and reading them, so the notifications' clock stands still here.
    monkeypatch.setattr("textual.notifications.time", lambda: 1_000.0)
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        entry = ErrorEntry("12:00", "Run failed", "no API key: set ANTHROPIC_API_KEY",
                           model="anthropic:claude-x")
        for _ in range(5):
            app.post_message(ErrorRecorded(entry))
        other = ErrorEntry("12:00", "Rate limited", "429 from the provider", model="m")
        app.post_message(ErrorRecorded(other))
        await wait_until(pilot, lambda: len(app.screen.query("Toast")) == 2, "two toasts")
        await pilot.pause()
        assert _toasts(app) == [
            ("Run failed · ×5", "no API key: set ANTHROPIC_API_KEY · anthropic:claude-x"),
            ("Rate limited", "429 from the provider · m")]
        assert len(app.screen.query("Toast")) == 2


async def test_launching_three_times_without_a_key_shows_one_toast(
        make_app: Callable[..., PidginApp]) -> None:
    registry = fast_registry()
    registry.add(ModelInfo("anthropic", "claude-x", "Claude X", 200_000, 8_192))
    app = make_app(registry)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await estimate_settled(pilot)
        app.screen.query_one("#agent_a-input", Input).value = "anthropic:claude-x"
        await estimate_settled(pilot)
        for _ in range(3):
            await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: any(t.endswith("×3") for t, _ in _toasts(app)),
                         "the counted toast")
        [(title, message)] = [t for t in _toasts(app) if t[0].startswith("Cannot launch")]
        assert title == "Cannot launch · ×3" and "ANTHROPIC_API_KEY" in message
        assert not app.runs


async def test_a_toast_raised_again_after_it_expired_starts_counting_afresh(
        make_app: Callable[..., PidginApp]) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.notify("disk full", title="Cannot save", timeout=0.05)
        await pilot.pause(0.2)
        app.notify("disk full", title="Cannot save")
        await pilot.pause()
        assert _toasts(app) == [("Cannot save", "disk full")]


async def test_a_screens_toast_shows_square_brackets_as_written(
        make_app: Callable[..., PidginApp]) -> None:
    """Screens notify with Textual's default (markup on); the text still arrives whole."""
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.screen.notify("set ANTHROPIC_API_KEY or [keys] in config.toml [/]",
                          title="Cannot launch", severity="error")
        await wait_until(pilot, lambda: bool(app.screen.query("Toast")), "the toast")
        [toast] = app.screen.query("Toast")
        shown = str(toast.render())
        assert "set ANTHROPIC_API_KEY or [keys] in config.toml [/]" in shown


async def test_ctrl_c_says_how_to_quit(make_app: Callable[..., PidginApp]) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.action_help_quit()
        await wait_until(pilot, lambda: bool(_toasts(app)), "the toast")
        assert _toasts(app) == [("Do you want to quit?", "Press ctrl+q to quit the app")]


async def test_screenshot_goes_to_the_output_root_without_a_downloads_directory(
        make_app: Callable[..., PidginApp], output_root: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "home" / "Downloads"
    monkeypatch.setattr("pidgin_tui.tui.toasts.user_downloads_path", lambda: missing)
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.deliver_screenshot()
        await wait_until(pilot, lambda: any(t == "Screenshot" for t, _ in _toasts(app)),
                         "the screenshot toast")
        [svg] = output_root.glob("*.svg")
        assert svg.read_text(encoding="utf-8").startswith("<svg")
        [(_, message)] = [toast for toast in _toasts(app) if toast[0] == "Screenshot"]
        assert message == f"Saved the screenshot to {svg} ({missing} does not exist)"
        assert not missing.exists()


async def test_screenshot_goes_to_downloads_when_it_exists(
        make_app: Callable[..., PidginApp], output_root: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    monkeypatch.setattr("pidgin_tui.tui.toasts.user_downloads_path", lambda: downloads)
    monkeypatch.setattr("textual.app.user_downloads_path", lambda: downloads)
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.deliver_screenshot()
        await wait_until(pilot, lambda: any(t == "Screenshot" for t, _ in _toasts(app)),
                         "the screenshot toast")
        [svg] = downloads.glob("*.svg")
        assert ("Screenshot", f"Saved the screenshot to {svg}") in _toasts(app)
        assert not list(output_root.glob("*.svg"))
