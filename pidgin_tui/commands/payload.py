"""`pidgin-tui payload EXPERIMENT CONVERSATION --turn N --agent a|b`: what one agent was sent."""

from __future__ import annotations

import argparse

from pidgin_tui.commands.experiment_arg import add_conversation_argument, add_experiment_argument

NAME = "payload"
HELP = ("show exactly what one agent was sent at one turn (system prompt, messages, parameters, "
        "truncation), rebuilt from the record and checked against its hash")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_experiment_argument(parser)
    add_conversation_argument(parser)
    parser.add_argument("--turn", type=int, required=True, metavar="N", help="turn (1-based)")
    parser.add_argument("--agent", choices=("a", "b"), required=True,
                        help="the agent whose request to show")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    import json

    from pidgin_tui.commands.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, error
    from pidgin_tui.core.awareness import AwarenessError
    from pidgin_tui.core.safe_text import terminal_safe
    from pidgin_tui.core.types import AgentId
    from pidgin_tui.experiments.lookup import ConversationNotFound, resolve_conversation
    from pidgin_tui.experiments.payload import PayloadError, rebuild_payload, render_payload_text
    from pidgin_tui.experiments.spec import SpecError
    from pidgin_tui.paths import output_root
    from pidgin_tui.record.layout import ExperimentNotFound
    from pidgin_tui.record.lookup import resolve_experiment

    if args.turn < 1:
        error(f"--turn counts from 1, got {args.turn}")
        return EXIT_USAGE
    root = output_root(getattr(args, "output", None))
    agent = AgentId.A if args.agent == "a" else AgentId.B
    try:
        exp_dir = resolve_experiment(root, args.experiment)
        conversation_id = resolve_conversation(exp_dir, args.conversation)
        payload = rebuild_payload(exp_dir, conversation_id, args.turn, agent)
    except (ExperimentNotFound, ConversationNotFound, PayloadError) as exc:
        error(str(exc))
        return EXIT_USAGE
    except (AwarenessError, SpecError, ValueError, OSError) as exc:
        error(f"cannot rebuild the payload: {exc}")
        return EXIT_FAILED
    if args.json:
        print(json.dumps(payload.to_dict(), indent=1))  # ASCII-escaped: no control bytes
    else:
        print(terminal_safe(render_payload_text(payload)), end="")
    return EXIT_OK
