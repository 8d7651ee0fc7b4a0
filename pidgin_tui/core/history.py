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


def replay_entries(plan: ConversationPlan,
                   messages: Iterable[RecordedMessage]) -> list[HistoryEntry]:
    """Every history entry the Conductor had added once `messages` were all spoken."""
    entries: list[HistoryEntry] = []
    opening = opening_entry(plan)
    if opening is not None:
        entries.append(opening)
    for turn, speaker, text in messages:
        injection = injection_entry(plan, speaker, turn)
        if injection is not None:
            entries.append(injection)
        entries.append(HistoryEntry(text, speaker, turn))
    return entries
