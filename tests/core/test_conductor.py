"""The conductor's turn loop: event sequence, end reasons, control, policies, names."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from pidgin_tui.core.awareness import load_awareness
from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.control import ConversationControl
from pidgin_tui.core.events import Event
from pidgin_tui.core.types import AgentId, Speaker
from pidgin_tui.providers.local import LocalProvider
from pidgin_tui.providers.registry import ModelInfo
from tests.core.helpers import RecordingProvider, Run, make_plan, run_conversation


async def test_three_turn_conversation_event_sequence_and_counts() -> None:
    run = await run_conversation(make_plan(max_turns=3))
    persisted = [e.event_type for e in run.events if e.persist]
    assert persisted[:3] == ["ConversationStartEvent", "SystemPromptEvent", "SystemPromptEvent"]
    per_message = ["MessageRequestEvent", "MessageCompleteEvent", "TokenUsageEvent"]
    expected_turn = ["TurnStartEvent", *per_message, *per_message, "TurnCompleteEvent"]
    assert persisted[3:-1] == expected_turn * 3
    assert persisted[-1] == "ConversationEndEvent"
    counts = Counter(e.event_type for e in run.events)
    assert counts["MessageChunkEvent"] >= 6
    end = run.of_type("ConversationEndEvent")[0]
    assert (end.reason, end.total_turns, end.status) == ("max_turns", 3, "completed")  # type: ignore[attr-defined]
    assert run.outcome.turns_completed == 3  # not T+1
    persisted_seq = [e.seq for e in run.events if e.persist]
    assert persisted_seq == list(range(1, len(persisted_seq) + 1))
    assert all(e.experiment_id == "exp" and e.conversation_id == "conv" for e in run.events)


async def test_chunks_concatenate_to_the_complete_message() -> None:
    run = await run_conversation(make_plan(max_turns=1))
    first = run.of_type("MessageCompleteEvent")[0]
    chunks = [e.chunk for e in run.of_type("MessageChunkEvent")  # type: ignore[attr-defined]
              if e.agent_id == first.agent_id]  # type: ignore[attr-defined]
    assert "".join(chunks) == first.content  # type: ignore[attr-defined]


async def test_with_no_one_taking_chunks_none_are_built_and_the_record_is_the_same(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A headless run's tracker takes persisted events only: the token chunks, live-only, are
    then not published at all, and the persisted events are those of a run that streams them."""
    published: list[str] = []
    real_publish = EventBus.publish

    async def spy(bus: EventBus, event: Event) -> Event:
        published.append(event.event_type)
        return await real_publish(bus, event)

    monkeypatch.setattr(EventBus, "publish", spy)
    streamed = await run_conversation(make_plan(max_turns=3))
    assert published.count("MessageChunkEvent") >= 6
    published.clear()
    headless = await run_conversation(make_plan(max_turns=3), persisted_only=True)
    assert "MessageChunkEvent" not in published and "MessageCompleteEvent" in published

    def record(run: Run) -> list[tuple[object, ...]]:
        return [(e.event_type, e.seq, getattr(e, "content", None)) for e in run.events
                if e.persist]

    assert record(headless) == record(streamed)


async def test_a_provider_failure_ends_the_conversation_with_error() -> None:
    provider = RecordingProvider(inner=LocalProvider(fail_at_turns=frozenset({2}),
                                                     tokens_per_second=0))
    run = await run_conversation(make_plan(max_turns=5), provider=provider)
    end = run.of_type("ConversationEndEvent")[0]
    assert (end.reason, end.status, end.total_turns) == ("error", "failed", 1)  # type: ignore[attr-defined]
    assert "failed on purpose at turn 2" in end.error  # type: ignore[attr-defined]
    assert len(run.of_type("APIErrorEvent")) == 1


async def test_no_truncation_and_window_exceeded_ends_with_context_limit() -> None:
    tiny = ModelInfo("local", "instant", "tiny", context_window=300, max_output_tokens=100)
    run = await run_conversation(make_plan(max_turns=20), models=(tiny, tiny))
    end = run.of_type("ConversationEndEvent")[0]
    assert end.reason == "context_limit"  # type: ignore[attr-defined]
    limit = run.of_type("ContextLimitEvent")[-1]
    assert limit.truncated is False  # type: ignore[attr-defined]


async def test_truncation_keeps_going_and_reports_dropped_messages() -> None:
    tiny = ModelInfo("local", "instant", "tiny", context_window=600, max_output_tokens=100)
    run = await run_conversation(make_plan(max_turns=12, allow_truncation=True),
                                 models=(tiny, tiny))
    assert run.outcome.end_reason == "max_turns"
    limits = run.of_type("ContextLimitEvent")
    assert limits and all(e.truncated and e.dropped_messages > 0 for e in limits)  # type: ignore[attr-defined]
    requests = run.of_type("MessageRequestEvent")
    assert max(e.truncated_messages for e in requests) > 0  # type: ignore[attr-defined]


async def test_stop_request_takes_effect_at_a_safe_point() -> None:
    control = ConversationControl()
    provider = RecordingProvider(inner=LocalProvider(tokens_per_second=400))
    task = asyncio.create_task(run_conversation(make_plan(max_turns=50), provider=provider,
                                                control=control))
    while len(provider.requests) < 3:  # turn 1 has begun
        await asyncio.sleep(0.01)
    control.stop()
    run = await task
    end = run.of_type("ConversationEndEvent")[0]
    assert (end.reason, end.status) == ("stopped", "interrupted")  # type: ignore[attr-defined]
    assert 0 < end.total_turns < 50  # type: ignore[attr-defined]
    assert run.of_type("InterruptRequestEvent")


class HeldControl(ConversationControl):
    """Says when the conductor has reached a safe point and is holding there."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = asyncio.Event()

    async def wait_while_paused(self) -> None:
        self.holding.set()
        await super().wait_while_paused()


async def test_pause_holds_the_conversation_until_resume() -> None:
    control = HeldControl()
    provider = RecordingProvider(inner=LocalProvider(tokens_per_second=400))
    task = asyncio.create_task(run_conversation(make_plan(max_turns=6), provider=provider,
                                                control=control))
    while len(provider.requests) < 2:
        await asyncio.sleep(0.01)
    control.pause()
    # The message under way finishes first: count once the conductor holds at its safe point.
    await asyncio.wait_for(control.holding.wait(), timeout=20)
    requests_while_paused = len(provider.requests)
    await asyncio.sleep(0.4)
    assert len(provider.requests) == requests_while_paused  # nothing new while paused
    control.resume()
    run = await task
    assert run.outcome.end_reason == "max_turns"
    assert run.of_type("ConversationPausedEvent") and run.of_type("ConversationResumedEvent")


async def test_convergence_stop_policy_ends_with_high_convergence() -> None:
    run = await run_conversation(make_plan(max_turns=10, convergence_threshold=0.0,
                                           convergence_action="stop"))
    assert run.outcome.end_reason == "high_convergence"
    assert run.outcome.turns_completed == 1
    assert run.of_type("ConvergenceWarningEvent")[0].action == "stop"  # type: ignore[attr-defined]


async def test_convergence_warn_policy_keeps_going_and_warns_once_per_crossing() -> None:
    run = await run_conversation(make_plan(max_turns=3, convergence_threshold=0.0,
                                           convergence_action="warn"))
    assert run.outcome.end_reason == "max_turns"
    assert len(run.of_type("ConvergenceWarningEvent")) == 1  # above from turn 1 on


async def test_a_new_warning_needs_the_score_to_dip_and_cross_again() -> None:
    scores = iter([0.9, 0.95, 0.2, 0.9, 0.1])
    run = await run_conversation(make_plan(max_turns=5, convergence_threshold=0.8,
                                           convergence_action="warn"),
                                 scorer=lambda turn, a, b: ({}, next(scores)))
    warned = [e.turn_number for e in run.of_type("ConvergenceWarningEvent")]  # type: ignore[attr-defined]
    assert warned == [1, 4]


async def test_headless_pause_policy_ends_with_paused() -> None:
    run = await run_conversation(make_plan(max_turns=3, convergence_threshold=0.0,
                                           convergence_action="pause"))
    assert run.outcome.end_reason == "paused"


async def test_conversation_budget_ends_with_budget() -> None:
    async def priced(provider, request, ctx, should_abort):  # type: ignore[no-untyped-def]
        from pidgin_tui.providers.event_aware import EventAwareProvider

        result = await EventAwareProvider(bus, cost=lambda info, usage: 0.01).attempt(
            provider, request, ctx, should_abort)
        return result

    from pidgin_tui.core.bus import EventBus

    bus = EventBus()
    run = await run_conversation(make_plan(max_turns=10, budget_usd=0.03), responder=priced)
    assert run.outcome.end_reason == "budget"
    assert run.outcome.turns_completed == 1  # the 3rd message (turn 1) reaches $0.03


async def test_chosen_names_are_extracted_recorded_and_used() -> None:
    class Naming(RecordingProvider):
        async def stream(self, request):  # type: ignore[no-untyped-def]
            self.requests.append(request)
            from pidgin_tui.core.provider import FinishChunk, TextChunk, UsageChunk

            name = "Orion" if request.agent_id == "agent_a" else "Lyra"
            yield TextChunk(f"My name is {name}. Hello there." if request.turn_number == 1
                            else "Still here.")
            yield UsageChunk(10, 5)
            yield FinishChunk()

    run = await run_conversation(make_plan(max_turns=2, choose_names=True), provider=Naming())
    chosen = {e.agent_id: e.chosen_name for e in run.of_type("AgentNameChosenEvent")}  # type: ignore[attr-defined]
    assert chosen == {"agent_a": "Orion", "agent_b": "Lyra"}
    assert run.outcome.names == {"agent_a": "Orion", "agent_b": "Lyra"}
    assert "choose a short name" in run.requests_for(AgentId.A)[0].system


async def test_custom_awareness_injections_reach_only_the_named_agents(tmp_path: Path) -> None:
    custom = tmp_path / "aware.yaml"
    custom.write_text("base: basic\nturn_prompts:\n  2: {agent_a: ONLY-A}\n  3: {both: EVERYONE}\n")
    plan = make_plan(max_turns=3)
    plan.awareness_a = load_awareness(str(custom), AgentId.A)
    plan.awareness_b = load_awareness(str(custom), AgentId.B)
    run = await run_conversation(plan)
    a, b = run.requests_for(AgentId.A), run.requests_for(AgentId.B)
    assert "ONLY-A" not in a[0].messages[-1].content
    assert a[1].messages[-1].content.endswith("ONLY-A")
    assert all("ONLY-A" not in m.content for r in b for m in r.messages)
    assert a[2].messages[-1].content.endswith("EVERYONE")
    assert b[2].messages[-1].content.endswith("EVERYONE")


async def test_local_test_model_is_deterministic_for_a_seed() -> None:
    first = await run_conversation(make_plan(max_turns=3, seed=11))
    second = await run_conversation(make_plan(max_turns=3, seed=11))
    other = await run_conversation(make_plan(max_turns=3, seed=12))
    text = lambda run: [e.content for e in run.of_type("MessageCompleteEvent")]  # noqa: E731
    assert text(first) == text(second)
    assert text(first) != text(other)


async def test_thinking_is_streamed_separately_when_enabled() -> None:
    plan = make_plan(max_turns=1)
    plan.agent_a.think = True
    run = await run_conversation(plan)
    a_message = run.of_type("MessageCompleteEvent")[0]
    assert a_message.thinking  # type: ignore[attr-defined]
    assert run.of_type("ThinkingChunkEvent")
    b_message = run.of_type("MessageCompleteEvent")[1]
    assert b_message.thinking is None  # type: ignore[attr-defined]


async def test_an_error_text_is_never_put_into_the_other_agents_context() -> None:
    provider = RecordingProvider(inner=LocalProvider(fail_at_turns=frozenset({3}),
                                                     tokens_per_second=0))
    run = await run_conversation(make_plan(max_turns=4), provider=provider)
    assert run.outcome.end_reason == "error"
    assert len(provider.requests) == 5  # turns 1 and 2 fully, then the failing request
    assert all("failed on purpose" not in m.content
               for r in provider.requests for m in r.messages)


async def test_a_pause_for_a_human_waits_for_an_interjection_then_carries_on() -> None:
    from pidgin_tui.core.control import Interjection

    control = ConversationControl()
    control.pause_before_turn = 3  # before the third turn
    provider = RecordingProvider(inner=LocalProvider(tokens_per_second=400))
    task = asyncio.create_task(run_conversation(make_plan(max_turns=4), provider=provider,
                                                control=control))
    while not control.paused:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.3)
    assert len(provider.requests) == 4  # two turns, then it waits
    control.interject(Interjection("Say something new.", Speaker.NARRATOR, (AgentId.A,)))
    run = await task
    assert run.outcome.end_reason == "max_turns" and not control.waiting_for_human
    (paused,) = run.of_type("ConversationPausedEvent")
    assert (paused.turn_number, paused.reason) == (3, "human")  # type: ignore[attr-defined]
    (said,) = run.of_type("InterjectionEvent")
    assert said.turn_number == 3  # type: ignore[attr-defined]
    third_a = run.requests_for(AgentId.A)[2]
    assert third_a.messages[-1].content.endswith("[Narrator] Say something new.")
    assert not any("Say something new" in m.content
                   for m in run.requests_for(AgentId.B)[2].messages)
