"""`pidgin-tui run [SPEC] …`: run an experiment headless."""

from __future__ import annotations

import argparse
import sys
from typing import Any

NAME = "run"
HELP = "run an experiment headless, from a spec YAML and/or flags"

# (flags, spec key, help) — values stay strings so the spec validator phrases every error. A help
# text that names no default gets the spec's (see `_spec_help`).
_VALUE_FLAGS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("-a", "--agent-a", "--model-a"), "agent_a", "model for agent A (e.g. local:test, claude)"),
    (("-b", "--agent-b", "--model-b"), "agent_b", "model for agent B"),
    (("-t", "--turns", "--max-turns"), "max_turns", "turns per conversation (one message each)"),
    (("-r", "--repetitions"), "repetitions", "number of conversations"),
    (("-p", "--prompt"), "prompt", "opening prompt"),
    (("--name",), "name", "experiment name (default: MODEL_A-vs-MODEL_B)"),
    (("--max-parallel",), "max_parallel", "conversations run at once"),
    (("--awareness",), "awareness", "awareness preset or YAML file, for both agents"),
    (("--awareness-a",), "awareness_a", "awareness for agent A (default: --awareness)"),
    (("--awareness-b",), "awareness_b", "awareness for agent B (default: --awareness)"),
    (("--temperature",), "temperature", "temperature for both agents (default: the provider's)"),
    (("--temperature-a",), "temperature_a", "temperature for agent A (default: --temperature)"),
    (("--temperature-b",), "temperature_b", "temperature for agent B (default: --temperature)"),
    (("--think-budget",), "think_budget", "thinking budget in tokens (default: the provider's)"),
    (("--first-speaker",), "first_speaker", "who speaks first"),
    (("--prompt-visibility",), "prompt_visibility", "who sees the opening prompt"),
    (("--seed",), "seed", "seed for the local models"),
    (("--convergence-threshold",), "convergence_threshold", "score (0-1) that triggers the action"),
    (("--convergence-action",), "convergence_action", "what reaching the threshold does"),
    (("--convergence-profile",), "convergence_profile", "weights of the convergence score"),
    (("--end-state-action",), "end_state_action",
     "what a detected end state does: stop, warn, pause or continue; name=action pairs "
     "(e.g. 'warn, loop=stop') set one detector"),
    (("--max-output-tokens",), "max_output_tokens",
     "max tokens per message (default: the model's)"),
    (("--budget-usd",), "budget_usd", "stop the experiment when it has cost this much "
     "(default: no limit)"),
    (("--conversation-budget-usd",), "conversation_budget_usd",
     "budget per conversation (default: no limit)"),
)
_SWITCH_FLAGS: tuple[tuple[str, str, str], ...] = (
    ("--choose-names", "choose_names", "let each agent choose its name"),
    ("--allow-truncation", "allow_truncation", "drop the oldest turns past the context window"),
    ("--think", "think", "enable thinking for both agents"),
    ("--think-a", "think_a", "enable thinking for agent A"),
    ("--think-b", "think_b", "enable thinking for agent B"),
    ("--allow-ignored-params", "allow_ignored_params",
     "run even if a model cannot take a requested setting (recorded as ignored)"),
    ("--allow-unpriced", "allow_unpriced",
     "run with a budget even if a model is unpriced (its spending is not counted)"),
)


def add_spec_flags(parser: argparse.ArgumentParser,
                   skip: frozenset[str] = frozenset()) -> None:
    """One flag per spec key (the keys in `skip` left out), stored as `spec_<key>`."""
    for flags, key, text in _VALUE_FLAGS:
        if key in skip:
            continue
        parser.add_argument(*flags, dest=f"spec_{key}", metavar=key.upper(),
                            help=_spec_help(key, text))
    for flag, key, text in _SWITCH_FLAGS:
        parser.add_argument(flag, dest=f"spec_{key}", action="store_const", const=True,
                            help=text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", nargs="?", metavar="SPEC", help="experiment spec YAML")
    add_spec_flags(parser)
    parser.add_argument("--dry-run", action="store_true", help="print the plan; run nothing")
    parser.add_argument("--no-post-process", action="store_true",
                        help="skip the import, transcripts, README and notebook afterwards")
    parser.add_argument("-y", "--yes", action="store_true",
                        help="consent to starting Ollama and pulling missing local models")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON summary on stdout; human output goes to stderr")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every message")
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


def spec_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The spec keys given as flags."""
    return {name[5:]: value for name, value in vars(args).items()
            if name.startswith("spec_") and value is not None}


def run(args: argparse.Namespace) -> int:
    from pidgin_tui.commands.run_headless import run_from_args

    return run_from_args(args, human=sys.stderr if args.json else sys.stdout)
