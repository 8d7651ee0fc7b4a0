"""The spec flags of `pidgin-tui run`, shared by its parser, the headless runner and the
detached child's argument list."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

# (flags, spec key, help) — values stay strings so the spec validator phrases every error. A help
# text that names no default gets the spec's (see `_spec_help`).
VALUE_FLAGS: tuple[tuple[tuple[str, ...], str, str], ...] = (
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
    (("--pause-before-turn",), "pause_before_turn",
     "pause each conversation for a human when turn N (1-based) is about to start; it waits "
     "for `pidgin-tui interject` or `resume` (default: no pause)"),
)
SWITCH_FLAGS: tuple[tuple[str, str, str], ...] = (
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


def add_launch_flags(parser: argparse.ArgumentParser) -> None:
    """The flags every command that launches a run shares (run, branch): post-processing,
    consent, output mode."""
    parser.add_argument("--no-post-process", action="store_true",
                        help="skip the import, transcripts, README and notebook afterwards")
    parser.add_argument("-y", "--yes", action="store_true",
                        help="consent to starting Ollama and pulling missing local models")
    parser.add_argument("--keep-ollama", action="store_true",
                        help="leave an Ollama server this run starts running when the run ends "
                        "(detached runs too); by default the run stops the server it started")
    parser.add_argument("--stop-ollama-pid", type=int, action="append", default=[],
                        help=argparse.SUPPRESS)  # a detached child: the server it must stop
    parser.add_argument("--json", action="store_true",
                        help="print one JSON summary on stdout; human output goes to stderr")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every message")


def spec_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The spec keys given as flags."""
    return {name[5:]: value for name, value in vars(args).items()
            if name.startswith("spec_") and value is not None}


def child_arguments(args: argparse.Namespace) -> list[str]:
    """The arguments of the detached child: the same run, by spec path and flags."""
    argv: list[str] = []
    if args.spec:
        argv.append(str(Path(args.spec).expanduser().resolve()))
    return [*argv, *spec_flag_arguments(args), *launch_flag_arguments(args)]


def option(flag: str, value: object) -> str:
    """`--flag=value` as one argument: a value that starts with `-` stays a value."""
    return f"{flag}={value}"


def spec_flag_arguments(args: argparse.Namespace) -> list[str]:
    """Every spec flag given, as arguments that parse back to the same overrides."""
    argv: list[str] = []
    for flags, key, _help in VALUE_FLAGS:
        value = getattr(args, f"spec_{key}", None)
        if value is not None:
            argv.append(option(next(f for f in flags if f.startswith("--")), value))
    for flag, key, _help in SWITCH_FLAGS:
        if getattr(args, f"spec_{key}", None):
            argv.append(flag)
    return argv


def launch_flag_arguments(args: argparse.Namespace) -> list[str]:
    """The launch flags (`add_launch_flags`) a detached child keeps; its output goes to a log,
    so `--json` and `--quiet` are the parent's only."""
    return [flag for flag, dest in (("--verbose", "verbose"),
                                    ("--no-post-process", "no_post_process"), ("--yes", "yes"),
                                    ("--keep-ollama", "keep_ollama"))
            if getattr(args, dest, False)]
