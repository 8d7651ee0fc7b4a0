"""The app in a browser: textual-serve runs one app process per browser tab."""

from __future__ import annotations

import shlex
import sys


def serve_in_browser(host: str, port: int) -> None:
    """Serve `python -m pidgin_tui` (the app) on host:port until interrupted.

    textual-serve runs the command through a shell, so it is built from fixed parts only; the
    output root and detached launching travel in the environment.
    """
    from textual_serve.server import Server

    command = shlex.join([sys.executable, "-m", "pidgin_tui"])
    Server(command, host=host, port=port, title="pidgin-tui").serve()
