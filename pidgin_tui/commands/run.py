"""`pidgin-tui run [SPEC] …`: run an experiment headless."""

from __future__ import annotations

import argparse
import sys
from typing import Any

NAME = "run"
HELP = "run an experiment headless, from a spec YAML and/or flags"

# (flag, spec key, help, kind) — values stay strings so the spec validator phrases every error.
_VALUE_FLAGS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("-a", "--agent-a", "--model-a"), "agent_a", "model for agent A (e.g. local:test, claude)"),
    (("-b", "--agent-b", "--model-b"), "agent_b", "model for agent B"),
    (("-t", "--turns", "--max-turns"), "max_turns", "turns per conversation (one message each)"),
    (("-r", "--repetitions"), "repetitions", "number of conversations"),
    (("-p", "--prompt"), "prompt", "opening prompt"),
    (("--name",), "name", "experiment name"),
    (("--max-parallel",), "max_parallel", "conversations run at once (default 1)"),
    (("--awareness",), "awareness", "awareness preset or YAML file, for both agents"),
    (("--awareness-a",), "awareness_a", "awareness for agent A"),
    (("--awareness-b",), "awareness_b", "awareness for agent B"),
    (("--temperature",), "temperature", "temperature for both agents"),
    (("--temperature-a",), "temperature_a", "temperature for agent A"),
    (("--temperature-b",), "temperature_b", "temperature for agent B"),
    (("--think-budget",), "think_budget", "thinking budget in tokens"),
    (("--first-speaker",), "first_speaker", "agent_a (default) or agent_b"),
    (("--prompt-visibility",), "prompt_visibility", "who sees the opening prompt: first, both"),
    (("--seed",), "seed", "seed for the local models"),
    (("--convergence-threshold",), "convergence_threshold", "score (0-1) that triggers the action"),
    (("--convergence-action",), "convergence_action", "stop, warn, pause or continue"),
    (("--convergence-profile",), "convergence_profile",
     "weights: balanced, structural, semantic, strict"),
    (("--max-output-tokens",), "max_output_tokens", "max tokens per message"),
    (("--budget-usd",), "budget_usd", "stop the experiment when it has cost this much"),
    (("--conversation-budget-usd",), "conversation_budget_usd", "budget per conversation"),
)
_SWITCH_FLAGS: tuple[tuple[str, str, str], ...] = (
    ("--choose-names", "choose_names", "let each agent choose its name"),
    ("--allow-truncation", "allow_truncation", "drop the oldest turns past the context window"),
    ("--think", "think", "enable thinking for both agents"),
    ("--think-a", "think_a", "enable thinking for agent A"),
    ("--think-b", "think_b", "enable thinking for agent B"),
    ("--allow-ignored-params", "allow_ignored_params",
     "run even if a model cannot take a requested setting (recorded as ignored)"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", nargs="?", metavar="SPEC", help="experiment spec YAML")
    for flags, key, text in _VALUE_FLAGS:
        parser.add_argument(*flags, dest=f"spec_{key}", metavar=key.upper(), help=text)
    for flag, key, text in _SWITCH_FLAGS:
        parser.add_argument(flag, dest=f"spec_{key}", action="store_const", const=True,
                            help=text)
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


def spec_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The spec keys given as flags."""
    return {name[5:]: value for name, value in vars(args).items()
            if name.startswith("spec_") and value is not None}


def run(args: argparse.Namespace) -> int:
    from pidgin_tui.commands.run_headless import run_from_args

    return run_from_args(args, human=sys.stderr if args.json else sys.stdout)
