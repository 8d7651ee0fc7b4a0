"""A scripted conversation published on a bus, for deterministic screens (no clock, no model)."""

from __future__ import annotations

from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.events import (
    APIErrorEvent,
    ConversationEndEvent,
    ConversationStartEvent,
    ExperimentStartEvent,
    MessageChunkEvent,
    MessageCompleteEvent,
    MessageRequestEvent,
    PostProcessingCompleteEvent,
    RateLimitEvent,
    ThinkingChunkEvent,
    TokenUsageEvent,
    TurnCompleteEvent,
    TurnStartEvent,
)
from pidgin_tui.tui.app import PidginApp
from pidgin_tui.tui.bridge import Bridge

EXPERIMENT_ID = "exp00001"
CONVERSATION_ID = f"{EXPERIMENT_ID}_0001"
STAMP = "2026-01-01T12:00:00+00:00"
PROMPT = "Hello! What would you like to explore together today?"
REPLIES = {
    (1, "agent_a"): "I'd love to explore **language** itself.\n\n- how meaning drifts\n"
                    "- how we borrow each other's words\n\nWhere shall we start?",
    (1, "agent_b"): "Let's start with *borrowing*. Every reply I write reuses some of your "
                    "phrasing, and yours reuses mine.",
    (2, "agent_a"): "Borrowing is how a pidgin forms: two speakers meet halfway and a new "
                    "grammar appears between them.",
    (2, "agent_b"): "Then we are building one right now. Our sentences already share a "
                    "rhythm, and the shared words keep multiplying as the turns go on.",
    (3, "agent_a"): "If we keep going, do we converge on a single voice?",
    (3, "agent_b"): "Perhaps. Convergence is the word for it — and the score says we are "
                    "getting closer.",
}
THINKING = "They want language; connect it to borrowing without repeating myself."
SCORES = {1: 0.21, 2: 0.38, 3: 0.55}
"""Convergence after each turn (turns count from 1, as in the events)."""


def words(text: str) -> list[str]:
    pieces = text.split(" ")
    return [p + (" " if i < len(pieces) - 1 else "") for i, p in enumerate(pieces)]


class Script:
    """Publishes one conversation of three turns, turn by turn, through a real Bridge."""

    def __init__(self, app: PidginApp, max_turns: int = 3, conversations: int = 1) -> None:
        self.app = app
        self.bus = EventBus()
        self.max_turns = max_turns
        self.ids = {"experiment_id": EXPERIMENT_ID, "conversation_id": CONVERSATION_ID,
                    "timestamp": STAMP}
        ids = [f"{EXPERIMENT_ID}_{n:04d}" for n in range(1, conversations + 1)]
        app.store.add_experiment(EXPERIMENT_ID, "language-drift", ids,
                                 {"agent_a": ("local:test", 8_000), "agent_b": ("local:test",
                                                                               8_000)})
        self.bridge = Bridge(self.bus, app.store, app.hub)

    async def start(self) -> None:
        await self.bus.publish(ExperimentStartEvent(experiment_id=EXPERIMENT_ID, timestamp=STAMP,
                                                    name="language-drift",
                                                    total_conversations=1))
        await self.bus.publish(ConversationStartEvent(
            **self.ids, agent_a_model="local:test", agent_b_model="local:test",
            agent_a_name="test (A)", agent_b_name="test (B)", initial_prompt=PROMPT,
            max_turns=self.max_turns))

    async def message(self, turn: int, agent: str, *, upto: int | None = None,
                      thinking: bool = False) -> None:
        """Stream one message; with `upto`, stop after that many words (mid-stream)."""
        await self.bus.publish(MessageRequestEvent(
            **self.ids, agent_id=agent, turn_number=turn, model="local:test",
            message_count=2 * turn - 1, payload_sha256="0" * 64))
        if thinking:
            for index, piece in enumerate(words(THINKING)):
                await self.bus.publish(ThinkingChunkEvent(
                    **self.ids, agent_id=agent, turn_number=turn, chunk=piece, chunk_index=index))
        pieces = words(REPLIES[(turn, agent)])
        for index, piece in enumerate(pieces[:upto]):
            await self.bus.publish(MessageChunkEvent(
                **self.ids, agent_id=agent, turn_number=turn, chunk=piece, chunk_index=index))
        if upto is not None:
            return
        await self.bus.publish(MessageCompleteEvent(
            **self.ids, agent_id=agent, turn_number=turn, content=REPLIES[(turn, agent)],
            model="local:test", thinking=THINKING if thinking else None,
            tokens_used=10 * len(pieces), duration_ms=1_250, time_to_first_token_ms=250))
        await self.bus.publish(TokenUsageEvent(
            **self.ids, agent_id=agent, turn_number=turn, model="local:test", provider="local",
            input_tokens=50 + 150 * turn, output_tokens=10 * len(pieces), cost_usd=0.0))

    async def turn(self, turn: int, *, partial_b: int | None = None) -> None:
        await self.bus.publish(TurnStartEvent(**self.ids, turn_number=turn))
        await self.message(turn, "agent_a", thinking=turn == 1)
        await self.message(turn, "agent_b", upto=partial_b)
        if partial_b is None:
            await self.bus.publish(TurnCompleteEvent(
                **self.ids, turn_number=turn, convergence_score=SCORES[turn],
                metrics={"convergence_score": SCORES[turn], "vocabulary_overlap": SCORES[turn] / 2,
                         "length_ratio": 0.7 + turn / 10}, metrics_version=1))

    async def finish(self) -> None:
        await self.bus.publish(ConversationEndEvent(**self.ids, reason="max_turns",
                                                    total_turns=self.max_turns,
                                                    status="completed", duration_ms=7_500))

    async def errors(self) -> None:
        """One of each kind of error the panel lists."""
        await self.bus.publish(APIErrorEvent(
            **self.ids, agent_id="agent_a", provider="anthropic", model="anthropic:claude-x",
            error_type="overloaded_error", error_message="Overloaded", status_code=529,
            retryable=True, retry_in_s=None, turn_number=1))
        await self.bus.publish(APIErrorEvent(  # a rate limit: the failure, then its wait
            **self.ids, agent_id="agent_b", provider="openai", model="openai:gpt-x",
            error_type="rate_limit", error_message="openai: Rate limit reached",
            status_code=429, retryable=True, retry_in_s=30.0, attempt=2, turn_number=1))
        await self.bus.publish(RateLimitEvent(
            **self.ids, agent_id="agent_b", provider="openai", model="openai:gpt-x",
            wait_s=30.0, attempt=2, turn_number=1))
        await self.bus.publish(ConversationEndEvent(
            **self.ids, reason="error", total_turns=1, status="failed",
            error="local:fail-at-1: local model failed on purpose at turn 1"))
        await self.bus.publish(PostProcessingCompleteEvent(
            experiment_id=EXPERIMENT_ID, timestamp=STAMP, succeeded=["transcripts"],
            failed={"database": "experiments.duckdb is locked by another process"}))
