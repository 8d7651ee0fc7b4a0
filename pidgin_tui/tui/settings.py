"""UI settings (the theme), kept in `ui.toml` in the user config directory.

They live apart from `config.toml` (keys, prices) so the app never rewrites a file the user
edits by hand.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from pidgin_tui.core.files import write_atomic
from pidgin_tui.paths import config_dir

UI_SETTINGS_NAME = "ui.toml"
DEFAULT_THEME = "textual-dark"


@dataclass(slots=True)
class UiSettings:
    theme: str = DEFAULT_THEME


def ui_settings_path() -> Path:
    return config_dir() / UI_SETTINGS_NAME


def load_ui_settings(path: Path | None = None) -> UiSettings:
    """Read the settings; a missing or unreadable file gives the defaults."""
    path = path or ui_settings_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return UiSettings()
    theme = data.get("theme")
    return UiSettings(theme=theme if isinstance(theme, str) and theme else DEFAULT_THEME)


def save_ui_settings(settings: UiSettings, path: Path | None = None) -> Path:
    """Write the settings atomically (temp file, then replace)."""
    import tomli_w

    path = path or ui_settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, tomli_w.dumps({"theme": settings.theme}).encode("utf-8"), durable=False)
    return path
