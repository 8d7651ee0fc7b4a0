"""`pidgin-tui` with no command: the full-screen app."""

from __future__ import annotations

import argparse

NAME = "app"
HELP = "open the full-screen app (the default)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The app takes only the global options."""


def run(args: argparse.Namespace) -> int:
    from pidgin_tui.tui.app import run_app

    return run_app(output=getattr(args, "output", None))
