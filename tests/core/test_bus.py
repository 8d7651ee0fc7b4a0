"""The event bus: typed and catch-all subscriptions, order, and isolated handler failures."""

from __future__ import annotations

import asyncio

from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.events import (
    ErrorEvent,
    Event,
    MessageChunkEvent,
    ThinkingChunkEvent,
    TurnCompleteEvent,
    TurnStartEvent,
)
from pidgin_tui.core.types import AgentId


async def test_typed_and_catch_all_subscribers_with_sync_and_async_handlers() -> None:
    bus = EventBus()
    typed: list[int] = []
    async_typed: list[int] = []
    everything: list[str] = []

    async def slow_handler(event: TurnStartEvent) -> None:
        await asyncio.sleep(0)
        async_typed.append(event.turn_number)

    bus.subscribe(TurnStartEvent, lambda e: typed.append(e.turn_number))
    bus.subscribe(TurnStartEvent, slow_handler)
    bus.subscribe_all(lambda e: everything.append(e.event_type))
    await bus.publish(TurnStartEvent(turn_number=0, conversation_id="c"))
    await bus.publish(TurnCompleteEvent(turn_number=0, conversation_id="c"))
    assert typed == [0] and async_typed == [0]
    assert everything == ["TurnStartEvent", "TurnCompleteEvent"]


async def test_events_from_one_publisher_arrive_in_order_with_per_conversation_seq() -> None:
    bus = EventBus()
    seen: list[tuple[str | None, int, int]] = []

    async def handler(event: TurnStartEvent) -> None:
        await asyncio.sleep(0.001 * (5 - event.turn_number))  # later events finish faster
        seen.append((event.conversation_id, event.turn_number, event.seq))

    bus.subscribe(TurnStartEvent, handler)

    async def publisher(conversation_id: str) -> None:
        for turn in range(5):
            await bus.publish(TurnStartEvent(turn_number=turn, conversation_id=conversation_id))

    await asyncio.gather(publisher("x"), publisher("y"))
    for conv in ("x", "y"):
        mine = [(turn, seq) for c, turn, seq in seen if c == conv]
        assert mine == [(t, t + 1) for t in range(5)]


async def test_a_failing_handler_is_reported_and_others_still_run() -> None:
    bus = EventBus()
    received: list[str] = []
    errors: list[ErrorEvent] = []

    def broken(event: Event) -> None:
        raise RuntimeError("subscriber bug")

    bus.subscribe(TurnStartEvent, broken)
    bus.subscribe(TurnStartEvent, lambda e: received.append("after"))
    bus.subscribe(ErrorEvent, errors.append)
    await bus.publish(TurnStartEvent(turn_number=1, experiment_id="e", conversation_id="c"))
    assert received == ["after"]
    assert len(errors) == 1
    assert "subscriber bug" in errors[0].error_message
    assert errors[0].conversation_id == "c" and errors[0].experiment_id == "e"


async def test_a_handler_failing_on_its_own_error_report_does_not_loop() -> None:
    bus = EventBus()
    calls = 0

    def always_broken(event: Event) -> None:
        nonlocal calls
        calls += 1
        raise ValueError("boom")

    bus.subscribe_all(always_broken)
    await bus.publish(TurnStartEvent(turn_number=0))
    assert calls == 2  # the event, then its ErrorEvent; nothing more


async def test_cancelled_subscription_stops_delivery() -> None:
    bus = EventBus()
    got: list[int] = []
    subscription = bus.subscribe(TurnStartEvent, lambda e: got.append(e.turn_number))
    await bus.publish(TurnStartEvent(turn_number=0))
    subscription.cancel()
    await bus.publish(TurnStartEvent(turn_number=1))
    assert got == [0]


async def test_a_persisted_only_subscriber_gets_no_chunks_and_asks_for_none() -> None:
    bus = EventBus()
    persisted: list[str] = []
    bus.subscribe_persisted(lambda e: persisted.append(e.event_type))
    assert not bus.delivers_live(MessageChunkEvent)
    await bus.publish(TurnStartEvent(turn_number=1, conversation_id="c"))
    await bus.publish(MessageChunkEvent(turn_number=1, conversation_id="c", agent_id=AgentId.A,
                                        chunk="hi"))
    assert persisted == ["TurnStartEvent"]
    chunks = bus.subscribe(MessageChunkEvent, lambda e: None)
    assert bus.delivers_live(MessageChunkEvent) and not bus.delivers_live(ThinkingChunkEvent)
    chunks.cancel()
    everything = bus.subscribe_all(lambda e: None)
    assert bus.delivers_live(ThinkingChunkEvent)
    everything.cancel()
    assert not bus.delivers_live(MessageChunkEvent)
