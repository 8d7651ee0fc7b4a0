"""The run store folds events into what the screens show (no Textual involved)."""

from __future__ import annotations

from pidgin_tui.core.events import (
    APIErrorEvent,
    ConversationEndEvent,
    MessageChunkEvent,
    MessageCompleteEvent,
    RateLimitEvent,
    TokenUsageEvent,
)
from pidgin_tui.tui.state import RESIDENT_TURNS, RunStore

IDS = {"experiment_id": "e1", "conversation_id": "e1_0001"}


def store_with_conversation(clock=lambda: 0.0) -> RunStore:
    store = RunStore(clock)
    store.add_experiment("e1", "demo", ["e1_0001"], {"agent_a": ("local:test", 1_000),
                                                     "agent_b": ("openai:x", 2_000)})
    return store


def test_usage_adds_up_and_an_unpriced_model_says_so() -> None:
    store = store_with_conversation()
    store.apply(TokenUsageEvent(**IDS, agent_id="agent_a", turn_number=1, model="local:test",
                                provider="local", input_tokens=100, output_tokens=20,
                                cost_usd=0.0))
    store.apply(TokenUsageEvent(**IDS, agent_id="agent_b", turn_number=1, model="openai:x",
                                provider="openai", input_tokens=500, output_tokens=30,
                                cost_usd=None))
    conversation = store.conversation("e1_0001")
    assert conversation.agents["agent_a"].context_pct == 10.0
    assert conversation.agents["agent_b"].context_pct == 25.0
    assert conversation.agents["agent_b"].unpriced and not conversation.agents["agent_a"].unpriced
    experiment = store.experiments["e1"]
    assert experiment.tokens == 650 and experiment.unpriced


def test_only_the_last_turns_stay_in_memory() -> None:
    store = store_with_conversation()
    for turn in range(RESIDENT_TURNS + 5):
        for agent in ("agent_a", "agent_b"):
            store.apply(MessageChunkEvent(**IDS, agent_id=agent, turn_number=turn, chunk="x "))
            store.apply(MessageCompleteEvent(**IDS, agent_id=agent, turn_number=turn,
                                             content="x", duration_ms=100,
                                             time_to_first_token_ms=20, tokens_used=8))
    conversation = store.conversation("e1_0001")
    assert sorted(conversation.turns) == list(range(5, RESIDENT_TURNS + 5))
    assert conversation.collapsed_turns == 5
    assert conversation.agents["agent_a"].tokens_per_s == 100.0


def test_rate_limit_and_failure_become_error_entries() -> None:
    now = [50.0]
    store = store_with_conversation(lambda: now[0])
    store.apply(APIErrorEvent(**IDS, provider="openai", model="openai:x", error_type="rate_limit",
                              error_message="openai: slow down", status_code=429,
                              retryable=True, retry_in_s=20, attempt=3,
                              timestamp="2026-01-01T09:08:07+00:00"))
    store.apply(RateLimitEvent(**IDS, provider="openai", model="openai:x", wait_s=20, attempt=3,
                               timestamp="2026-01-01T09:08:07+00:00"))
    store.apply(ConversationEndEvent(**IDS, reason="error", total_turns=2, status="failed",
                                     error="openai:x: boom"))
    # One entry per failure: the RateLimitEvent only announces the wait of the 429 before it.
    assert [e.kind for e in store.errors] == ["Rate limit", "Conversation failed"]
    rate = store.errors[0]
    assert rate.time == "09:08:07" and rate.retry_in_s(now[0]) == 20
    now[0] += 25
    assert rate.retry_in_s(now[0]) == 0
    assert store.errors[1].model == "local:test × openai:x"
    assert store.unread_errors == 2
    store.mark_errors_read()
    assert store.unread_errors == 0
    assert store.conversation("e1_0001").status == "failed"
