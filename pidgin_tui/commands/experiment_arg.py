"""The experiment a command names: how its arguments read in `--help`, and its directory, or one
error line when no experiment matches. Light at import: `--help` builds every parser."""

from __future__ import annotations

import argparse
from pathlib import Path

EXPERIMENT_HELP = "id, unique id prefix, name or directory"
CONVERSATION_HELP = "conversation id, unique part of it, or repetition number (1-based)"


def add_experiment_argument(parser: argparse.ArgumentParser, *, optional: bool = False,
                            when_omitted: str = "") -> None:
    """The EXPERIMENT positional, described the same in every command."""
    suffix = f" ({when_omitted})" if when_omitted else ""
    parser.add_argument("experiment", metavar="EXPERIMENT", nargs="?" if optional else None,
                        help=EXPERIMENT_HELP + suffix)


def add_conversation_argument(parser: argparse.ArgumentParser, *, optional: bool = False,
                              when_omitted: str = "") -> None:
    """The CONVERSATION positional that follows EXPERIMENT."""
    suffix = f"; {when_omitted}" if when_omitted else ""
    parser.add_argument("conversation", metavar="CONVERSATION", nargs="?" if optional else None,
                        help=CONVERSATION_HELP + suffix)


def named_experiment(args: argparse.Namespace) -> tuple[Path, Path | None]:
    """(output root, directory of `args.experiment`); the directory is None after printing why
    nothing matched, and the command then exits with EXIT_USAGE."""
    from pidgin_tui.commands.output import error
    from pidgin_tui.paths import output_root
    from pidgin_tui.record.layout import ExperimentNotFound
    from pidgin_tui.record.lookup import resolve_experiment

    root = output_root(getattr(args, "output", None))
    try:
        return root, resolve_experiment(root, args.experiment)
    except ExperimentNotFound as exc:
        error(str(exc))
        return root, None
