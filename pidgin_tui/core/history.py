"""The shared history of a conversation as the Conductor builds it, rebuilt from recorded events.

One owner for what the history holds and in which order: the opening prompt (or the opener on a
cold start), then for each message the speaker's awareness injection for that turn (if any)
followed by the message as sent (an empty reply as the placeholder), with researcher
interjections where they were delivered. The live Conductor, resume, branches and the payload
inspector all build the history through these functions, so a rebuilt request is the request
that was sent.
"""

from __future__ import annotations

from collections.abc import Iterable

from pidgin_tui.core.events import Event, InterjectionEvent, MessageCompleteEvent
from pidgin_tui.core.plan import ConversationPlan
from pidgin_tui.core.types import BOTH_AGENTS, AgentId, HistoryEntry, Speaker

RecordedMessage = tuple[int, AgentId, str]
"""(turn as in events, speaker, text) of one complete message."""
HistoryItem = RecordedMessage | HistoryEntry
"""A recorded message, or an interjection already made into its entry."""
NARRATOR_MARK = "[Narrator] "
"""Starts every narrator interjection as the agents see it: never disguised as the partner."""


def opening_entry(plan: ConversationPlan) -> HistoryEntry:
    """The opening prompt, seen by the first speaker only or by both (`prompt_visibility`).

    Without a prompt the opener is sent instead: no provider accepts an empty history.
    """
    seen_by = BOTH_AGENTS if plan.prompt_visibility == "both" \
        else frozenset({plan.first_speaker})
    return HistoryEntry(plan.prompt or plan.opener, None, 0, seen_by, kind="prompt")


def as_sent(plan: ConversationPlan, text: str) -> str:
    """What the agents are sent for a reply: an empty one becomes the placeholder."""
    return text if text.strip() else plan.empty_placeholder


def message_entry(plan: ConversationPlan, speaker: AgentId, turn: int, text: str) -> HistoryEntry:
    """One agent's reply as it enters the history."""
    return HistoryEntry(as_sent(plan, text), speaker, turn)


def injection_entry(plan: ConversationPlan, agent: AgentId, turn: int) -> HistoryEntry | None:
    """The awareness injection `agent` receives just before it speaks at `turn`, if any."""
    text = plan.awareness(agent).injection_for(turn)
    if not text:
        return None
    return HistoryEntry(text, None, turn, frozenset({agent}), kind="injection")


def interjection_entry(text: str, speaker: Speaker, to: Iterable[AgentId], turn: int
                       ) -> HistoryEntry:
    """Researcher text put into the conversation, as the Router routes it.

    As the narrator it is marked (`NARRATOR_MARK`) and comes from no agent, so every recipient
    sees it as a `user` message; spoken as an agent, it is routed as that agent's words (the
    researcher chose to speak as them).
    """
    recipients = frozenset(to)
    if speaker.agent is None:
        return HistoryEntry(f"{NARRATOR_MARK}{text}", None, turn, recipients,
                            kind="interjection")
    return HistoryEntry(text, speaker.agent, turn, recipients, kind="interjection")


def recorded_items(events: Iterable[Event]) -> list[HistoryItem]:
    """The history-making events among `events`, in recorded order: complete messages (a
    partial message of an interrupted response left out) and interjections."""
    items: list[HistoryItem] = []
    for event in events:
        if isinstance(event, MessageCompleteEvent) and event.finish_reason != "interrupted":
            items.append((event.turn_number, AgentId(event.agent_id), event.content))
        elif isinstance(event, InterjectionEvent):
            items.append(interjection_entry(event.text, event.speaker, event.to,
                                            event.turn_number))
    return items


def item_turn(item: HistoryItem) -> int:
    """The turn (as in events) a history item belongs to."""
    return item.turn if isinstance(item, HistoryEntry) else item[0]


def turn_texts(items: Iterable[HistoryItem], turns: int) -> list[tuple[str, str]]:
    """(A's text, B's text) of each of the first `turns` turns, for cumulative metrics."""
    texts: dict[int, dict[AgentId, str]] = {}
    for item in items:
        if not isinstance(item, HistoryEntry):
            texts.setdefault(item[0], {})[item[1]] = item[2]
    return [(texts.get(t, {}).get(AgentId.A, ""), texts.get(t, {}).get(AgentId.B, ""))
            for t in sorted(texts)[:turns]]


def message_entries(plan: ConversationPlan, items: Iterable[HistoryItem]) -> list[HistoryEntry]:
    """The entries `items` add: each message after its speaker's injection for that turn;
    interjections (already entries) as they are."""
    entries: list[HistoryEntry] = []
    for item in items:
        if isinstance(item, HistoryEntry):
            entries.append(item)
            continue
        turn, speaker, text = item
        injection = injection_entry(plan, speaker, turn)
        if injection is not None:
            entries.append(injection)
        entries.append(message_entry(plan, speaker, turn, text))
    return entries


def replay_entries(plan: ConversationPlan, items: Iterable[HistoryItem]) -> list[HistoryEntry]:
    """Every history entry the Conductor had added once `items` were all spoken."""
    return [opening_entry(plan), *message_entries(plan, items)]
