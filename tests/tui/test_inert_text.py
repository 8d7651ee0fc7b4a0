"""Model text and names in the app: no control character reaches the terminal, and markup in
them is shown as written."""

from __future__ import annotations

from collections.abc import Callable

from textual.content import Content
from textual.widgets import Markdown, Static

from pidgin_tui.tui.app import PidginApp
from pidgin_tui.tui.error_entries import ErrorEntry
from pidgin_tui.tui.messages import ErrorRecorded
from pidgin_tui.tui.widgets.error_table import ErrorTable
from tests.tui.helpers import form_ready, wait_until

HOSTILE = ("copy\x1b]52;c;cHduZWQ=\x07 title\x1b]0;owned\x1b\\ clear\x1b[2J\x1b[H "
           "c1\x9b31m [bold red]MARKUP[/bold red] [/] end")


def _screen_text(app: PidginApp) -> str:
    """Every character the screen would send to the terminal, styles aside."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def _controls(text: str) -> list[str]:
    return [hex(ord(c)) for c in text if ord(c) < 0x20 and c not in "\n\t"
            or 0x7F <= ord(c) <= 0x9F]


async def test_hostile_reply_renders_inert_and_markup_stays_text(
        make_app: Callable[..., PidginApp]) -> None:
    app = make_app()
    async with app.run_test(size=(200, 50)) as pilot:
        await form_ready(pilot)
        await app.screen.remove_children()
        errors = ErrorTable(id="errors")
        await app.screen.mount(Static(Content(HOSTILE)), Markdown(HOSTILE), errors)
        errors.sync([ErrorEntry("12:00", "server", "x [/] y", provider="[b]x",
                                model="m\x1b]0;t\x07")], now=0.0)
        await pilot.pause()
        shown = _screen_text(app)
        assert _controls(shown) == []
        # The Static and the Markdown both show the markup as written.
        assert shown.count("[bold red]MARKUP[/bold red]") == 2
        assert "[b]x" in shown and "x [/] y" in shown


async def test_an_error_message_with_markup_is_notified_as_written(
        make_app: Callable[..., PidginApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        entry = ErrorEntry("12:00", "server", "bad [/] tag [redacted] [bold]loud",
                           model="m[/i]")
        app.post_message(ErrorRecorded(entry))
        await form_ready(pilot)
        await wait_until(pilot, lambda: "bad [/] tag" in _screen_text(app), "the toast")
        shown = _screen_text(app)
        assert "bad [/] tag [redacted] [bold]loud · m[/i]" in shown
