"""`pidgin-tui run [SPEC] …`: run an experiment headless."""

from __future__ import annotations

import argparse
import sys

from pidgin_tui.commands.run_flags import SWITCH_FLAGS, VALUE_FLAGS

NAME = "run"
HELP = "run an experiment headless, from a spec YAML and/or flags"



def add_spec_flags(parser: argparse.ArgumentParser,
                   skip: frozenset[str] = frozenset()) -> None:
    """One flag per spec key (the keys in `skip` left out), stored as `spec_<key>`."""
    for flags, key, text in VALUE_FLAGS:
        if key in skip:
            continue
        parser.add_argument(*flags, dest=f"spec_{key}", metavar=key.upper(),
                            help=_spec_help(key, text))
    for flag, key, text in SWITCH_FLAGS:
        parser.add_argument(flag, dest=f"spec_{key}", action="store_const", const=True,
                            help=text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from pidgin_tui.commands.run_flags import add_launch_flags

    parser.add_argument("spec", nargs="?", metavar="SPEC", help="experiment spec YAML")
    add_spec_flags(parser)
    parser.add_argument("--dry-run", action="store_true", help="print the plan; run nothing")
    add_launch_flags(parser)
    parser.add_argument("--detach", action="store_true",
                        help="run in the background; print the experiment id and directory")
    parser.add_argument("--experiment-id", help=argparse.SUPPRESS)


def _spec_help(key: str, text: str) -> str:
    """The flag's help with the spec's default and, where the spec has a fixed set, its choices.

    The flags keep string values (the spec validator phrases every error), so argparse does not
    know the choices itself.
    """
    from dataclasses import fields

    from pidgin_tui.core.awareness import PRESET_NAMES
    from pidgin_tui.experiments.spec import (
        CONVERGENCE_ACTIONS,
        CONVERGENCE_PROFILES,
        FIRST_SPEAKERS,
        PROMPT_VISIBILITY,
        ExperimentSpec,
    )

    choices = {"convergence_action": CONVERGENCE_ACTIONS,
               "convergence_profile": CONVERGENCE_PROFILES, "first_speaker": FIRST_SPEAKERS,
               "prompt_visibility": PROMPT_VISIBILITY,
               "awareness": (*PRESET_NAMES, "a YAML file")}.get(key)
    extra = [f"choices: {', '.join(choices)}"] if choices else []
    if "default" not in text:
        default = next(f.default for f in fields(ExperimentSpec) if f.name == key)
        extra.append(f"default: {default}")
    return f"{text} ({'; '.join(extra)})".replace("%", "%%") if extra else text


def run(args: argparse.Namespace) -> int:
    from pidgin_tui.commands.run_headless import run_from_args

    return run_from_args(args, human=sys.stderr if args.json else sys.stdout)
