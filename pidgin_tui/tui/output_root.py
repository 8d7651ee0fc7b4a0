"""Where the app writes: its output root, for screens that read experiments."""

from __future__ import annotations

from pathlib import Path


def app_output_root(app: object) -> Path:
    """The app's output root (`PidginApp.output_root`), else the default one."""
    root = getattr(app, "output_root", None)
    if isinstance(root, Path):
        return root
    from pidgin_tui.paths import output_root

    return output_root(root if isinstance(root, str) else None)
