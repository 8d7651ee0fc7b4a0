"""`[keymap]` in config.toml remaps bindings by id (finding 10): the new key works, the old one
does not, F1 shows the effective keys, and unknown ids or clashing keys get one warning."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Markdown

from pidgin_tui import config
from pidgin_tui.tui.app import PidginApp
from pidgin_tui.tui.screens.help import HelpScreen
from tests.tui.conftest import SIZE
from tests.tui.helpers import wait_until


@pytest.fixture
def keymap_file(isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """Write config.toml with the given `[keymap]` body; the app reads it when it mounts."""

    def write(body: str) -> Path:
        isolated_config.mkdir(parents=True, exist_ok=True)
        path = isolated_config / "config.toml"
        path.write_text(f"[keymap]\n{body}\n", encoding="utf-8")
        monkeypatch.setattr(config, "_SETTINGS", None)
        return path

    return write


def _warnings(app: PidginApp) -> list[str]:
    return [n.message for n in app._notifications if n.title.startswith("Keymap")]


async def test_a_remapped_key_opens_help_and_help_shows_it(
        make_app: Callable[..., PidginApp], keymap_file: Callable[[str], Path]) -> None:
    keymap_file('help = "f12"\nnext_conversation = "j,n"')
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f12")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        text = app.screen.query_one("#help-body", Markdown).source
        assert "| `f12` | Help | Every key binding | `help` |" in text
        assert "| `j / n` | Next |" in text and "`next_conversation`" in text
        assert _warnings(app) == []


async def test_an_unknown_id_gets_one_warning_naming_the_file(
        make_app: Callable[..., PidginApp], keymap_file: Callable[[str], Path]) -> None:
    path = keymap_file('hlep = "f12"\nlaunch = "ctrl+l"')
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, lambda: bool(_warnings(app)), "the keymap warning")
        assert _warnings(app) == [f"{path}: [keymap] has no binding with the id 'hlep' "
                                  "(did you mean 'help'?); F1 lists every id"]
        assert app._keymap["launch"] == "ctrl+l"


async def test_a_remap_onto_a_used_key_is_reported(
        make_app: Callable[..., PidginApp], keymap_file: Callable[[str], Path]) -> None:
    """F5 already opens the transcripts; giving it to search leaves only one of them working."""
    path = keymap_file('search = "f5"\nnext_conversation = "s"')
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, lambda: bool(_warnings(app)), "the clash warning")
        await pilot.pause(0.2)
        assert _warnings(app) == [
            f"{path}: [keymap] leaves one key on several bindings (f5: search, transcripts; "
            "s: next_conversation, stop_conversation); only one of each works"]


def test_a_keymap_value_that_is_not_keys_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[keymap]\nhelp = 12\n", encoding="utf-8")
    with pytest.raises(config.ConfigError, match=r"keymap.help must be keys as a string"):
        config.load_settings(path)
