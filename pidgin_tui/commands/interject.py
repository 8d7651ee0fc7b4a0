"""`pidgin-tui interject EXPERIMENT CONVERSATION TEXT`: put text into a running conversation.

The text reaches the process running the experiment (the app or a headless run) through the
experiment's control channel, as `stop` does, and is delivered at the conversation's next safe
point: as the narrator (marked `[Narrator] `) or as an agent, to one agent or both. A
conversation paused for a human (`pause --before-turn`) carries on with it.
"""

from __future__ import annotations

import argparse

from pidgin_tui.commands.experiment_arg import add_conversation_argument, add_experiment_argument

NAME = "interject"
HELP = ("put text into a running conversation at its next safe point, as the narrator or an "
        "agent, to one agent or both (recorded as an InterjectionEvent)")
AGENTS = {"a": ("agent_a",), "b": ("agent_b",), "both": ("agent_a", "agent_b")}
SPEAKERS = {"narrator": "narrator", "a": "agent_a", "b": "agent_b"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_experiment_argument(parser)
    add_conversation_argument(parser)
    parser.add_argument("text", metavar="TEXT", help="what to say")
    parser.add_argument("--to", choices=tuple(AGENTS), default="both",
                        help="who is sent the text")
    parser.add_argument("--as", dest="speaker", choices=tuple(SPEAKERS), default="narrator",
                        help="who the text speaks as (an agent's words are routed as theirs)")


def run(args: argparse.Namespace) -> int:
    from pidgin_tui.commands.requests import send

    payload = {"text": args.text, "speaker": SPEAKERS[args.speaker],
               "to": list(AGENTS[args.to])}
    return send(args, "interject", payload, conversation=args.conversation)
