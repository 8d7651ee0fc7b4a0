"""Sending one control request to a running experiment and printing its answer (for `interject`,
`pause` and `resume` of a live run)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pidgin_tui.core.events import ConversationPausedEvent
    from pidgin_tui.record.control_channel import ControlReply


def request(args: argparse.Namespace, type_: str, payload: dict[str, Any], *,
            conversation: str | None = None) -> tuple[Path, Path, ControlReply] | int:
    """Resolve the experiment (and conversation) and ask its live run: (output root,
    experiment directory, accepted reply), or the exit code after printing why not."""
    from pidgin_tui.commands.output import EXIT_FAILED, EXIT_USAGE, error
    from pidgin_tui.experiments.lookup import ConversationNotFound, resolve_conversation
    from pidgin_tui.experiments.run_requests import NotListening, ask
    from pidgin_tui.paths import output_root
    from pidgin_tui.record.control_channel import BadRequest
    from pidgin_tui.record.layout import ExperimentNotFound
    from pidgin_tui.record.lookup import resolve_experiment

    root = output_root(getattr(args, "output", None))
    try:
        experiment_dir = resolve_experiment(root, args.experiment)
        if conversation is not None:
            payload = {**payload,
                       "conversation_id": resolve_conversation(experiment_dir, conversation)}
        reply = ask(root, experiment_dir, type_, payload)
    except (ExperimentNotFound, ConversationNotFound, BadRequest) as exc:
        error(str(exc))
        return EXIT_USAGE
    except NotListening as exc:
        error(str(exc))
        return EXIT_FAILED
    if reply is None:
        error(f"{experiment_dir.name}: no answer yet; the request stays queued for the run")
        return EXIT_FAILED
    if not reply.ok:
        error(reply.outcome)
        return EXIT_FAILED
    return root, experiment_dir, reply


def send(args: argparse.Namespace, type_: str, payload: dict[str, Any], *,
         conversation: str | None = None) -> int:
    """Ask the live run (see `request`) and print its reply line."""
    from pidgin_tui.commands.output import EXIT_OK, say

    asked = request(args, type_, payload, conversation=conversation)
    if isinstance(asked, int):
        return asked
    say(asked[2].outcome)
    return EXIT_OK


def waiting_line(event: ConversationPausedEvent) -> str:
    """What a headless run prints when a conversation pauses for a human: how to go on."""
    experiment, conversation = event.experiment_id, event.conversation_id
    return (f"⏸ {conversation} paused before turn {event.turn_number}, waiting for you: "
            f"pidgin-tui interject {experiment} {conversation} TEXT (carries on with it), "
            f"pidgin-tui resume {experiment} or pidgin-tui stop {experiment}")
