"""The shared history of a conversation as the Conductor builds it, rebuilt from recorded messages.

One owner for the order of entries: the opening prompt, then for each message the speaker's
awareness injection for that turn (if any) followed by the message itself. The live Conductor,
resume and the payload inspector all build the history through these functions, so a rebuilt
request is the request that was sent.
"""

from __future__ import annotations

from collections.abc import Iterable

from pidgin_tui.core.plan import ConversationPlan
from pidgin_tui.core.types import AgentId, HistoryEntry

RecordedMessage = tuple[int, AgentId, str]
"""(turn as in events, speaker, text) of one complete message."""
NARRATOR_MARK = "[Narrator] "
"""Starts every narrator interjection as the agents see it: never disguised as the partner."""


def opening_entry(plan: ConversationPlan) -> HistoryEntry | None:
    """The opening prompt, seen by the first speaker only or by both (`prompt_visibility`)."""
    if not plan.prompt:
        return None
    seen_by = frozenset(AgentId) if plan.prompt_visibility == "both" \
        else frozenset({plan.first_speaker})
    return HistoryEntry(plan.prompt, None, 0, seen_by, kind="prompt")


def injection_entry(plan: ConversationPlan, agent: AgentId, turn: int) -> HistoryEntry | None:
    """The awareness injection `agent` receives just before it speaks at `turn`, if any."""
    text = plan.awareness(agent).injection_for(turn)
    if not text:
        return None
    return HistoryEntry(text, None, turn, frozenset({agent}), kind="injection")


def interjection_entry(text: str, speaker: str, to: Iterable[str], turn: int) -> HistoryEntry:
    """Researcher text put into the conversation, as the Router routes it.

    As the narrator it is marked (`NARRATOR_MARK`) and comes from no agent, so every recipient
    sees it as a `user` message; spoken as an agent, it is routed as that agent's words (the
    researcher chose to speak as them).
    """
    recipients = frozenset(AgentId(agent) for agent in to)
    if speaker == "narrator":
        return HistoryEntry(f"{NARRATOR_MARK}{text}", None, turn, recipients,
                            kind="interjection")
    return HistoryEntry(text, AgentId(speaker), turn, recipients, kind="interjection")


def message_entries(plan: ConversationPlan,
                    messages: Iterable[RecordedMessage | HistoryEntry]) -> list[HistoryEntry]:
    """The entries `messages` add: each message after its speaker's injection for that turn;
    interjections (already entries) as they are."""
    entries: list[HistoryEntry] = []
    for item in messages:
        if isinstance(item, HistoryEntry):
            entries.append(item)
            continue
        turn, speaker, text = item
        injection = injection_entry(plan, speaker, turn)
        if injection is not None:
            entries.append(injection)
        entries.append(HistoryEntry(text, speaker, turn))
    return entries


def replay_entries(plan: ConversationPlan,
                   messages: Iterable[RecordedMessage | HistoryEntry]) -> list[HistoryEntry]:
    """Every history entry the Conductor had added once `messages` were all spoken."""
    opening = opening_entry(plan)
    return ([opening] if opening is not None else []) + message_entries(plan, messages)
