"""`pidgin-tui interject EXPERIMENT CONVERSATION TEXT`: put text into a running conversation.

The text reaches the process running the experiment (the app or a headless run) through the
experiment's control channel, as `stop` does, and is delivered at the conversation's next safe
point: as the narrator (marked `[Narrator] `) or as an agent, to one agent or both. A
conversation paused for a human (`pause --before-turn`) carries on with it.

The command waits for what happened and says it: delivered at turn N (exit 0), or not delivered
and why, e.g. the conversation ended or was stopped first (exit 1). With `--wait 0` it returns
once the run has queued the text (exit 0); when `--wait` runs out first it exits 3 (the text
stays queued, and the run reports it either way).
"""

from __future__ import annotations

import argparse

from pidgin_tui.commands.experiment_arg import add_conversation_argument, add_experiment_argument
from pidgin_tui.core.types import RECIPIENT_CHOICES, SPEAKER_CHOICES, Speaker

NAME = "interject"
HELP = ("put text into a running conversation at its next safe point, as the narrator or an "
        "agent, to one agent or both (recorded as an InterjectionEvent); waits and says "
        "whether it was delivered")
DEFAULT_WAIT_S = 300.0
EXIT_STILL_QUEUED = 3
"""`--wait` ran out before the conversation's next safe point: the text is still queued."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_experiment_argument(parser)
    add_conversation_argument(parser)
    parser.add_argument("text", metavar="TEXT", help="what to say")
    parser.add_argument("--to", choices=tuple(RECIPIENT_CHOICES), default="both",
                        help="who is sent the text")
    parser.add_argument("--as", dest="speaker", choices=tuple(SPEAKER_CHOICES), default="narrator",
                        help="who the text speaks as (an agent's words are routed as theirs)")
    parser.add_argument("--wait", type=float, default=DEFAULT_WAIT_S, metavar="SECONDS",
                        help="how long to wait for the delivery (0: return once queued; exit "
                             f"{EXIT_STILL_QUEUED} when it runs out first; default "
                             f"{DEFAULT_WAIT_S:g})")


def run(args: argparse.Namespace) -> int:
    from pidgin_tui.commands.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, error, say
    from pidgin_tui.commands.requests import request
    from pidgin_tui.experiments.run_requests import final_reply

    if args.wait < 0:
        error(f"--wait is a number of seconds from 0, got {args.wait:g}")
        return EXIT_USAGE
    payload = {"text": args.text, "speaker": Speaker.named(args.speaker).value,
               "to": [agent.value for agent in RECIPIENT_CHOICES[args.to]]}
    asked = request(args, "interject", payload, conversation=args.conversation)
    if isinstance(asked, int):
        return asked
    root, experiment_dir, reply = asked
    say(reply.outcome)
    if not reply.pending or args.wait == 0:
        return EXIT_OK
    final = final_reply(root, experiment_dir, reply.request_id, args.wait)
    if final is None:
        error(f"not delivered yet after {args.wait:g} s: it stays queued for the "
              "conversation's next safe point")
        return EXIT_STILL_QUEUED
    if not final.ok:
        error(final.outcome)
        return EXIT_FAILED
    say(final.outcome)
    return EXIT_OK
