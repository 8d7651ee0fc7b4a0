"""`pidgin-tui completion SHELL`: tab completion in bash, zsh and fish, through argcomplete.

The shell calls `pidgin-tui` with `_ARGCOMPLETE` set; `cli.main` then hands the parser to
argcomplete (`attach_completers` adds experiment names) before anything else runs, so no provider
SDK is imported.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

NAME = "completion"
HELP = "print the shell completion script (commands, options and experiment names)"
SHELLS = ("bash", "zsh", "fish")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shell", choices=SHELLS,
                        help="the shell to complete in; e.g. `eval \"$(pidgin-tui completion "
                        "bash)\"` in ~/.bashrc, or `pidgin-tui completion fish | source`")


def run(args: argparse.Namespace) -> int:
    print(shell_script(args.shell), end="")
    return 0


EXPERIMENT_DESTS = frozenset({"experiment", "experiments"})
"""Positional arguments that take an experiment reference."""


def shell_script(shell: str) -> str:
    import argcomplete

    return str(argcomplete.shellcode(["pidgin-tui"], shell=shell))


def experiment_names(root: Path, prefix: str = "") -> list[str]:
    """Ids and names of the experiments under the output root that start with `prefix`."""
    from pidgin_tui.record.layout import experiment_dirs
    from pidgin_tui.record.manifest import Manifest, read_manifest

    found: list[str] = []
    for path in experiment_dirs(root):
        manifest = read_manifest(path) or Manifest()
        for value in (manifest.experiment_id, manifest.name):
            if value and value.startswith(prefix) and value not in found:
                found.append(value)
    return found


def _complete_experiments(prefix: str, parsed_args: argparse.Namespace, **_: Any) -> list[str]:
    from pidgin_tui.paths import output_root

    return experiment_names(output_root(getattr(parsed_args, "output", None)), prefix)


def attach_completers(parser: argparse.ArgumentParser) -> None:
    """Give every experiment argument of every subcommand the experiment-name completer."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                attach_completers(sub)
        elif action.dest in EXPERIMENT_DESTS:
            action.completer = _complete_experiments  # type: ignore[attr-defined]
