"""The experiment a command names: its directory, or one error line when no experiment matches."""

from __future__ import annotations

import argparse
from pathlib import Path

from pidgin_tui.commands.output import error
from pidgin_tui.paths import output_root
from pidgin_tui.record.layout import ExperimentNotFound
from pidgin_tui.record.lookup import resolve_experiment


def named_experiment(args: argparse.Namespace) -> tuple[Path, Path | None]:
    """(output root, directory of `args.experiment`); the directory is None after printing why
    nothing matched, and the command then exits with EXIT_USAGE."""
    root = output_root(getattr(args, "output", None))
    try:
        return root, resolve_experiment(root, args.experiment)
    except ExperimentNotFound as exc:
        error(str(exc))
        return root, None
