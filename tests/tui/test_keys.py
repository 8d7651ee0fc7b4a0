"""Global keys, help, the command palette, the monitor and transcript areas and the theme picker."""

from __future__ import annotations

from textual.command import CommandPalette
from textual.widgets import Input

from pidgin_tui.tui.app import PidginApp
from pidgin_tui.tui.commands import app_commands
from pidgin_tui.tui.screens.help import HelpScreen
from pidgin_tui.tui.settings import load_ui_settings

from .conftest import SIZE
from .helpers import form_ready, wait_until


async def test_function_keys_switch_screens_even_while_typing(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await form_ready(pilot)
        app.screen.query_one("#max_turns", Input).focus()
        await pilot.press("f3")
        assert app.current_mode == "live"
        await pilot.press("f6")
        assert app.current_mode == "errors"
        await pilot.press("f2")
        assert app.current_mode == "setup"
        assert isinstance(app.focused, Input), "focus comes back to the field being edited"
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_help_lists_every_binding(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        source = app.screen.query_one("#help-body").source
    for key in ("f1", "f2", "f3", "f4", "f5", "f6", "^r", "^p", "^q", "^o", "^s", "space", "S",
                "n", "p", "c"):
        assert f"| `{key}`" in source or f"`{key} /" in source, key


async def test_every_global_binding_is_a_command(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        titles = {command.title for command in app_commands(app, app.screen)}
        assert {"Help", "Setup", "Live", "Monitor", "Transcripts", "Errors", "Search",
                "Launch", "Load spec", "Save spec"} <= titles
        await pilot.press("f3")
        titles = {command.title for command in app_commands(app, app.screen)}
        assert {"Pause", "Stop", "Stop all", "Next", "Prev", "Thinking"} <= titles


async def test_the_palette_runs_a_command(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await form_ready(pilot)
        app.screen.query_one("#name", Input).focus()
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"errors")
        await wait_until(pilot, lambda: "Errors" in str(app.screen.query_one(
            "CommandList").get_option_at_index(0).prompt), "the command to be listed")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.current_mode == "errors", "the errors screen")


async def test_monitor_and_transcripts_have_a_screen(make_app) -> None:
    from pidgin_tui.tui.screens.monitor import MonitorScreen
    from pidgin_tui.tui.screens.transcripts import TranscriptsScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for key, module, screen in (("f4", "monitor", MonitorScreen),
                                    ("f5", "transcripts", TranscriptsScreen)):
            await pilot.press(key)
            await pilot.pause()
            assert app.current_mode == module
            assert isinstance(app.screen, screen)


async def test_the_theme_is_remembered(make_app, isolated_config) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "nord"
        await pilot.pause()
    assert load_ui_settings().theme == "nord"
    assert (isolated_config / "ui.toml").is_file()
    again = make_app()
    async with again.run_test(size=SIZE):
        assert again.theme == "nord"


async def test_ctrl_t_opens_the_theme_picker(make_app) -> None:
    app: PidginApp = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+t")
        assert isinstance(app.screen, CommandPalette)


async def test_help_scrolls_from_the_keyboard_to_the_last_screen_keys(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        scroller = app.screen.query_one("#help-scroll")
        assert scroller.has_focus and scroller.max_scroll_y > 0
        await pilot.press("pagedown")
        assert scroller.scroll_y > 0
        await pilot.press("end")
        assert scroller.scroll_y == scroller.max_scroll_y
        await pilot.press("home")
        assert scroller.scroll_y == 0
