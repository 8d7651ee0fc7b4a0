"""Wraps a provider so one completion becomes events: request, chunks, complete, usage."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.events import (
    APIErrorEvent,
    MessageChunkEvent,
    MessageCompleteEvent,
    MessageRequestEvent,
    ThinkingChunkEvent,
    TokenUsageEvent,
)
from pidgin_tui.core.payload_hash import payload_sha256
from pidgin_tui.core.provider import (
    AbortCheck,
    FinishChunk,
    MessageResult,
    ModelInfo,
    Provider,
    ProviderError,
    ProviderRequest,
    RequestContext,
    TextChunk,
    ThinkingChunk,
    UsageChunk,
    interrupted_result,
)
from pidgin_tui.providers.params import effective_record, prepare

CostFunction = Callable[[ModelInfo, UsageChunk], float | None]
RetryPlan = float | None | Callable[[ProviderError], float | None]
"""The wait before the next attempt, or a function of the failure giving it (None: no retry)."""


def priced_cost(info: ModelInfo, usage: UsageChunk) -> float | None:
    """The dated price table plus the user's overrides (None for an unpriced model)."""
    from pidgin_tui.providers.pricing import cost_for

    return cost_for(info, usage)


def local_only_cost(info: ModelInfo, usage: UsageChunk) -> float | None:
    """Local models are free; anything else is unpriced until a price table is supplied."""
    return 0.0 if info.provider == "local" else None


class EventAwareProvider:
    """Runs one attempt of a completion and reports it on the bus.

    Emits MessageRequestEvent, then MessageChunk/ThinkingChunk events as they arrive, then
    MessageCompleteEvent and TokenUsageEvent. A failure is published as an APIErrorEvent and
    re-raised; its partial text is never published as a message.
    """

    def __init__(self, bus: EventBus, cost: CostFunction = priced_cost) -> None:
        self.bus = bus
        self.cost = cost

    async def attempt(self, provider: Provider, request: ProviderRequest, ctx: RequestContext,
                      should_abort: AbortCheck = lambda: False,
                      will_retry_in_s: RetryPlan = None) -> MessageResult:
        ids: dict[str, Any] = {"experiment_id": ctx.experiment_id,
                               "conversation_id": ctx.conversation_id}
        await prepare(provider, request)
        await self.bus.publish(MessageRequestEvent(
            **ids, agent_id=ctx.agent_id, turn_number=ctx.turn_number, model=ctx.info.ref,
            message_count=len(request.messages),
            payload_sha256=(ctx.payload_hash or payload_sha256)(request),
            estimated_input_tokens=ctx.estimated_input_tokens,
            truncated_messages=ctx.truncated_messages, temperature=request.temperature,
            max_output_tokens=request.max_output_tokens, think=request.think,
            think_budget=request.think_budget, attempt=ctx.attempt,
            effective=effective_record(provider, request),
        ))
        if should_abort():  # ended meanwhile (e.g. the request could not be recorded)
            return interrupted_result()
        started = time.perf_counter()
        first_token_at: float | None = None
        # Token chunks are live-only: built only when a subscriber takes them (the app, a
        # detached run's live-text files), not in a headless run that records messages whole.
        live_text = self.bus.delivers_live(MessageChunkEvent)
        live_thinking = self.bus.delivers_live(ThinkingChunkEvent)
        text_parts: list[str] = []
        thinking_parts: list[str] = []
        usage = UsageChunk()
        finish: str | None = None
        try:
            async for chunk in provider.stream(request):
                if isinstance(chunk, TextChunk):
                    if first_token_at is None:
                        first_token_at = time.perf_counter()
                    text_parts.append(chunk.text)
                    if live_text:
                        await self.bus.publish(MessageChunkEvent(
                            **ids, agent_id=ctx.agent_id, turn_number=ctx.turn_number,
                            chunk=chunk.text, chunk_index=len(text_parts) - 1))
                elif isinstance(chunk, ThinkingChunk):
                    thinking_parts.append(chunk.text)
                    if live_thinking:
                        await self.bus.publish(ThinkingChunkEvent(
                            **ids, agent_id=ctx.agent_id, turn_number=ctx.turn_number,
                            chunk=chunk.text, chunk_index=len(thinking_parts) - 1))
                elif isinstance(chunk, UsageChunk):
                    usage = chunk
                elif isinstance(chunk, FinishChunk):
                    finish = chunk.reason
                if should_abort():
                    finish = "interrupted"
                    break
        except ProviderError as exc:
            await self._report(exc, ctx, will_retry_in_s)
            raise
        if finish is None and should_abort():  # stopped before anything was sent
            return interrupted_result()
        if finish is None:
            incomplete = ProviderError("incomplete_stream", "stream ended without a finish reason",
                                       provider=ctx.info.provider)
            await self._report(incomplete, ctx, will_retry_in_s)
            raise incomplete
        duration_ms = int((time.perf_counter() - started) * 1000)
        ttft = None if first_token_at is None else int((first_token_at - started) * 1000)
        result = MessageResult(
            content="".join(text_parts), thinking="".join(thinking_parts) or None, usage=usage,
            cost_usd=self.cost(ctx.info, usage), duration_ms=duration_ms,
            time_to_first_token_ms=ttft, finish_reason=finish,
        )
        await self.bus.publish(MessageCompleteEvent(
            **ids, agent_id=ctx.agent_id, turn_number=ctx.turn_number, content=result.content,
            model=ctx.info.ref, thinking=result.thinking, tokens_used=usage.output_tokens,
            duration_ms=duration_ms, time_to_first_token_ms=ttft, finish_reason=finish,
            empty=not result.content.strip(),
        ))
        await self.bus.publish(TokenUsageEvent(
            **ids, agent_id=ctx.agent_id, turn_number=ctx.turn_number, model=ctx.info.ref,
            provider=ctx.info.provider, input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens, cache_read_tokens=usage.cache_read_tokens,
            cache_write_tokens=usage.cache_write_tokens, reasoning_tokens=usage.reasoning_tokens,
            estimated=usage.estimated, cost_usd=result.cost_usd,
        ))
        return result

    async def _report(self, exc: ProviderError, ctx: RequestContext,
                      will_retry_in_s: RetryPlan) -> None:
        if callable(will_retry_in_s):
            will_retry_in_s = will_retry_in_s(exc)
        await self.bus.publish(APIErrorEvent(
            experiment_id=ctx.experiment_id, conversation_id=ctx.conversation_id,
            agent_id=ctx.agent_id, provider=ctx.info.provider, model=ctx.info.ref,
            error_type=exc.kind, error_message=exc.message, status_code=exc.status_code,
            retryable=exc.retryable, attempt=ctx.attempt, retry_in_s=will_retry_in_s,
            turn_number=ctx.turn_number,
        ))
