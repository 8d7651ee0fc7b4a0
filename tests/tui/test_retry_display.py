"""A retried message shows only the successful attempt's text, never the failed one's."""

from __future__ import annotations

from pidgin_tui.core.events import MessageChunkEvent, MessageRequestEvent
from tests.tui.test_state import IDS, store_with_conversation


def request(attempt: int) -> MessageRequestEvent:
    return MessageRequestEvent(**IDS, agent_id="agent_b", turn_number=1, model="openai:x",
                               message_count=1, payload_sha256="0", attempt=attempt)


def chunk(text: str) -> MessageChunkEvent:
    return MessageChunkEvent(**IDS, agent_id="agent_b", turn_number=1, chunk=text)


def test_partial_text_of_a_failed_attempt_is_cleared_on_retry() -> None:
    store = store_with_conversation()
    for event in (request(1), chunk("PARTIAL "), chunk("text"), request(2), chunk("Clean.")):
        store.apply(event)
    message = store.conversation("e1_0001").message("agent_b", 1)
    assert message.text == "Clean."
