"""The roots the app uses: the output root, the config dir and the cache dir.

The output root is `--output`, else `$PIDGIN_OUTPUT_DIR`, else the platformdirs user data dir.
Everything under it is laid out by `pidgin_tui.record.layout`.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "pidgin-tui"


def output_root(cli_value: str | os.PathLike[str] | None = None) -> Path:
    if cli_value:
        return Path(cli_value).expanduser().resolve()
    env = os.environ.get("PIDGIN_OUTPUT_DIR")
    if env:
        return Path(env).expanduser().resolve()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """`$PIDGIN_CONFIG_DIR`, else the platformdirs user config dir."""
    env = os.environ.get("PIDGIN_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    """`$PIDGIN_CACHE_DIR`, else the platformdirs user cache dir: what can be worked out again
    from the output root, kept to save the work (deleting it loses nothing)."""
    env = os.environ.get("PIDGIN_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP_NAME, appauthor=False))
