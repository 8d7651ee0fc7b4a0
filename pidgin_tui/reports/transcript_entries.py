"""What a transcript shows, in order: the one sequence every transcript renderer walks.

Each message appears under its turn, preceded by what was put into the conversation before it:
the researcher's interjections delivered before it (in recorded order) and the awareness
injection its agent was sent with it. Interjections delivered after the last message come last.
The Markdown transcripts (`reports.transcript`) and the app's transcript view both render this
sequence and these labels, so the two never disagree about what was said, by whom and where.
"""

from __future__ import annotations

from pidgin_tui.core.events import InjectionEvent, InterjectionEvent, MessageCompleteEvent
from pidgin_tui.record.conversation import ConversationRecord

Entry = MessageCompleteEvent | InjectionEvent | InterjectionEvent
"""One item of a transcript: a message, or text put in before one."""


def transcript_entries(conv: ConversationRecord) -> list[Entry]:
    """The conversation's messages with its injections and interjections, in transcript order
    (a record read with detail). Entries only ever append as the record grows."""
    entries: list[Entry] = []
    interjections = list(conv.interjections)
    injections: dict[tuple[int, str], InjectionEvent] = {
        (e.turn_number, e.agent_id): e for e in conv.injections}
    for message in conv.messages:
        while interjections and interjections[0].seq < message.seq:
            entries.append(interjections.pop(0))
        injection = injections.get((message.turn_number, message.agent_id))
        if injection is not None:
            entries.append(injection)
        entries.append(message)
    entries.extend(interjections)
    return entries


def entry_turn(entry: Entry) -> int:
    """The turn an entry is shown under (1-based)."""
    return entry.turn_number


def injection_label(conv: ConversationRecord, event: InjectionEvent) -> str:
    """`Injection sent to NAME`: the heading of an awareness injection."""
    return f"Injection sent to {conv.name_of(event.agent_id)}"


def interjection_label(conv: ConversationRecord, event: InterjectionEvent) -> str:
    """`Interjection by the researcher as WHO, sent to WHOM`: the heading of an interjection."""
    speaker = "the narrator" if event.speaker.agent is None else conv.name_of(event.speaker.agent)
    to = " and ".join(conv.name_of(agent) for agent in event.to)
    return f"Interjection by the researcher as {speaker}, sent to {to}"


def note_label(conv: ConversationRecord, entry: InjectionEvent | InterjectionEvent) -> str:
    """The heading of text put in (an injection or an interjection)."""
    if isinstance(entry, InjectionEvent):
        return injection_label(conv, entry)
    return interjection_label(conv, entry)


def note_text(entry: InjectionEvent | InterjectionEvent) -> str:
    """The text put in."""
    return entry.content if isinstance(entry, InjectionEvent) else entry.text
