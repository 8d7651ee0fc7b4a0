"""A rate-limited attempt counts once in the record, and its wait reads the same everywhere."""

from __future__ import annotations

from pidgin_tui.core.events import (
    APIErrorEvent,
    Event,
    MessageCompleteEvent,
    RateLimitEvent,
)
from pidgin_tui.core.rate_limit_text import rate_limited_text
from pidgin_tui.record.conversation import ConversationRecord
from pidgin_tui.record.manifest import new_manifest
from pidgin_tui.record.tracking import TrackingSubscriber

IDS = {"experiment_id": "e1", "conversation_id": "e1_0001"}


def storm(failures: int) -> list[Event]:
    """What the retry layer publishes for each rate-limited attempt: the failure, then its wait."""
    events: list[Event] = []
    for attempt in range(1, failures + 1):
        events.append(APIErrorEvent(**IDS, provider="anthropic", model="anthropic:x",
                                    error_type="overloaded", status_code=529, retryable=True,
                                    attempt=attempt, retry_in_s=8.0, error_message="overloaded"))
        events.append(RateLimitEvent(**IDS, provider="anthropic", model="anthropic:x",
                                     wait_s=7.2, attempt=attempt, reason="overloaded"))
    return events


def test_the_conversation_record_counts_each_failure_once():
    record = ConversationRecord()
    record.apply_all(storm(536))
    assert record.errors == 536
    assert record.last_error == "rate limited · retry in 8 s"


def test_the_manifest_counts_each_failure_once(tmp_path):
    tracking = TrackingSubscriber(tmp_path, new_manifest("e1", "demo", {}, 1, "2026-01-01"))
    for event in storm(5):
        tracking.handle(event)
    data = tracking.manifest.data
    assert data.error_count == 5
    assert tracking.conversation_entry("e1_0001").last_error == "rate limited · retry in 8 s"
    tracking.close()


def test_the_wait_is_rounded_up_and_never_negative():
    assert rate_limited_text(0.2) == "rate limited · retry in 1 s"
    assert rate_limited_text(-3) == "rate limited · retry in 0 s"


def reply() -> Event:
    return MessageCompleteEvent(**IDS, agent_id="agent_a", turn_number=1, content="Back.",
                                tokens_used=1, duration_ms=5)


def test_a_reply_after_the_wait_clears_the_notice_but_keeps_the_count(tmp_path):
    record = ConversationRecord()
    record.apply_all([*storm(3), reply()])
    tracking = TrackingSubscriber(tmp_path, new_manifest("e1", "demo", {}, 1, "2026-01-01"))
    for event in [*storm(3), reply()]:
        tracking.handle(event)
    conv = tracking.conversation_entry("e1_0001")
    assert (record.errors, record.last_error) == (3, None)
    assert (tracking.manifest.data.error_count, conv.last_error) == (3, None)
    tracking.close()


def test_a_reply_keeps_an_error_that_was_not_a_wait():
    record = ConversationRecord()
    record.apply_all([storm(1)[0], reply()])
    assert record.last_error == "overloaded"
