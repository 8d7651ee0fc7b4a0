"""Converting an upstream Pidgin 1.x experiment into a new experiment of ours.

The conversion replays what upstream recorded as our events through the same bus and tracking
subscriber a run uses, so the new folder is an ordinary experiment: per-conversation JSONL, a
manifest, then the usual post-processing (database, transcripts, README). Timestamps are
upstream's. Metrics and convergence are recomputed with ours; cost is priced with our table.
The manifest's `lineage` names the source folder and lists what upstream did not record, which
stays missing rather than guessed. The source folder is only read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.events import (
    FIRST_REPETITION,
    APIErrorEvent,
    ConversationEndEvent,
    ConversationStartEvent,
    ExperimentCompleteEvent,
    ExperimentStartEvent,
    MessageCompleteEvent,
    SystemPromptEvent,
    TokenUsageEvent,
    TurnCompleteEvent,
    TurnStartEvent,
)
from pidgin_tui.core.plan import AFTER_RUN_ACTION
from pidgin_tui.core.types import FINAL_STATUSES, AgentId, EndReason, Status
from pidgin_tui.experiments.runner import conversation_id_for, new_experiment_id
from pidgin_tui.record.layout import new_experiment_dir
from pidgin_tui.record.manifest import new_manifest
from pidgin_tui.record.tracking import TrackingSubscriber
from pidgin_tui.record.upstream import (
    UpstreamConversation,
    UpstreamEnd,
    UpstreamExperiment,
    UpstreamMessage,
)

ALWAYS_MISSING: tuple[str, ...] = (
    "request identity (upstream stored whole histories, not a payload hash)",
    "time to first token",
    "finish reasons",
    "retry attempts",
)
"""What upstream 1.x never records, for every imported experiment."""


@dataclass(slots=True)
class Imported:
    source: Path
    experiment_id: str
    experiment_dir: Path
    conversations: int
    turns: int
    missing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _spec_config(upstream: UpstreamExperiment) -> dict[str, Any]:
    """Our spec keys for what upstream's config says (aliases as our spec accepts them)."""
    config = upstream.config
    first = upstream.conversations[0] if upstream.conversations else None
    return {
        "name": upstream.name,
        "agent_a": config.get("agent_a_model") or (first.models.get("agent_a") if first else ""),
        "agent_b": config.get("agent_b_model") or (first.models.get("agent_b") if first else ""),
        "repetitions": config.get("repetitions", len(upstream.conversations)),
        "max_turns": config.get("max_turns", first.max_turns if first else 0),
        "prompt": config.get("custom_prompt") or (first.initial_prompt if first else None),
        "temperature": config.get("temperature"), "temperature_a": config.get("temperature_a"),
        "temperature_b": config.get("temperature_b"), "awareness": config.get("awareness"),
        "awareness_a": config.get("awareness_a"), "awareness_b": config.get("awareness_b"),
        "choose_names": config.get("choose_names"),
        "convergence_threshold": config.get("convergence_threshold"),
        "convergence_action": config.get("convergence_action"),
        "max_parallel": config.get("max_parallel"), "think": config.get("think"),
        "allow_truncation": config.get("allow_truncation"),
    }


def missing_fields(upstream: UpstreamExperiment) -> list[str]:
    """What this experiment's upstream record lacks (never filled in by guessing)."""
    missing = list(ALWAYS_MISSING)
    messages = [m for c in upstream.conversations for m in c.messages]
    if any(m.input_tokens is None or m.output_tokens is None for m in messages):
        missing.append("token usage of some messages")
    if any(m.duration_ms is None for m in messages):
        missing.append("duration of some messages")
    if any(c.end is None for c in upstream.conversations):
        missing.append("the end of some conversations (recorded here as interrupted)")
    if any(not c.system_prompts for c in upstream.conversations):
        missing.append("system prompts of some conversations")
    return missing


async def convert(upstream: UpstreamExperiment, output_root: Path,
                  experiment_id: str | None = None) -> Imported:
    """Write `upstream` as a new experiment under `output_root`; returns where and what."""
    from pidgin_tui.metrics.convergence import DEFAULT_PROFILE
    from pidgin_tui.metrics.turn import make_turn_scorer

    exp_id = experiment_id or new_experiment_id()
    directory = new_experiment_dir(output_root, exp_id, upstream.name)
    missing = missing_fields(upstream)
    manifest = new_manifest(exp_id, upstream.name, _spec_config(upstream),
                            len(upstream.conversations), upstream.created_at or "")
    manifest.experiment_dir = str(directory)
    manifest.pid = None
    manifest.lineage = {"imported_from": "pidgin 1.x", "source_path": str(upstream.path),
                        "source_experiment_id": upstream.experiment_id,
                        "source_status": upstream.status, "missing": missing}
    bus = EventBus()
    tracking = TrackingSubscriber(directory, manifest).attach(bus)
    problems = list(upstream.problems)
    turns = 0
    try:
        await bus.publish(ExperimentStartEvent(
            experiment_id=exp_id, name=upstream.name, config=manifest.config,
            total_conversations=len(upstream.conversations),
            timestamp=upstream.created_at or _first_stamp(upstream)))
        statuses: list[Status] = []
        for repetition, conv in enumerate(upstream.conversations, start=FIRST_REPETITION):
            conv_id = conversation_id_for(exp_id, repetition)
            # Upstream's first speaker is always agent A; its opening prompt anchors the
            # scorer's topic drift as in a run of ours.
            scorer = make_turn_scorer(DEFAULT_PROFILE, AgentId.A, conv.initial_prompt or "")
            status, done = await _replay(bus, exp_id, conv_id, repetition, conv, scorer)
            statuses.append(status)
            turns += done
            problems += conv.problems
        final = Status.COMPLETED if statuses and all(s == Status.COMPLETED
                                                     for s in statuses) else (
            Status.FAILED if Status.FAILED in statuses else Status.INTERRUPTED)
        await bus.publish(ExperimentCompleteEvent(
            experiment_id=exp_id, status=final,
            completed_conversations=statuses.count(Status.COMPLETED),
            failed_conversations=statuses.count(Status.FAILED),
            interrupted_conversations=statuses.count(Status.INTERRUPTED), total_turns=turns,
            total_tokens=tracking.manifest.data.total_tokens,
            total_cost_usd=tracking.manifest.data.total_cost_usd,
            timestamp=_last_stamp(upstream) or upstream.created_at))
    finally:
        tracking.close()
    return Imported(upstream.path, exp_id, directory, len(upstream.conversations), turns,
                    missing, problems)


def _first_stamp(upstream: UpstreamExperiment) -> str:
    return next((c.started_at for c in upstream.conversations if c.started_at), "")


def _last_stamp(upstream: UpstreamExperiment) -> str:
    stamps = [c.end.timestamp for c in upstream.conversations if c.end is not None]
    return max(stamps) if stamps else ""


async def _replay(bus: EventBus, exp_id: str, conv_id: str, repetition: int,
                  conv: UpstreamConversation, scorer: Any) -> tuple[Status, int]:
    """Publish one conversation's events; returns (final status, turns completed)."""
    ids: dict[str, Any] = {"experiment_id": exp_id, "conversation_id": conv_id}
    await bus.publish(ConversationStartEvent(
        **ids, agent_a_model=conv.models.get("agent_a", ""),
        agent_b_model=conv.models.get("agent_b", ""),
        agent_a_name=conv.names.get("agent_a") or "Agent A",
        agent_b_name=conv.names.get("agent_b") or "Agent B",
        initial_prompt=conv.initial_prompt or "", max_turns=conv.max_turns,
        temperature_a=conv.temperatures.get("agent_a"),
        temperature_b=conv.temperatures.get("agent_b"),
        awareness_a=conv.awareness.get("agent_a") or "basic",
        awareness_b=conv.awareness.get("agent_b") or "basic", repetition=repetition,
        config={"source_conversation_id": conv.conversation_id},
        timestamp=conv.started_at or _stamp_of(conv)))
    for agent in AgentId:
        prompt = conv.system_prompts.get(agent)
        if prompt is not None:
            await bus.publish(SystemPromptEvent(**ids, agent_id=agent, prompt=prompt,
                                                timestamp=conv.started_at))
    complete = {turn for turn, _a, _b in conv.turn_texts()}
    by_turn: dict[int, list[UpstreamMessage]] = {}
    for message in conv.messages:
        by_turn.setdefault(message.turn, []).append(message)
    for error in conv.errors:
        await bus.publish(APIErrorEvent(
            **ids, agent_id=error.agent_id, provider=error.provider, error_type=error.error_type,
            error_message=error.message, retryable=error.retryable, turn_number=error.turn,
            timestamp=error.timestamp))
    done = 0
    for turn in sorted(by_turn):
        messages = by_turn[turn]
        await bus.publish(TurnStartEvent(**ids, turn_number=turn, timestamp=messages[0].timestamp))
        for message in messages:
            await _publish_message(bus, ids, conv, message)
        if turn in complete:
            texts = {m.agent_id: m.content for m in messages}
            metrics, score = scorer(turn, texts[AgentId.A], texts[AgentId.B])
            await bus.publish(TurnCompleteEvent(
                **ids, turn_number=turn, convergence_score=score, metrics=metrics,
                metrics_version=int(metrics.pop("metrics_version", 1)) if metrics else 0,
                timestamp=messages[-1].timestamp))
            for onset in scorer.take_end_states():  # found after the run: nothing was done
                await bus.publish(onset.event(exp_id, conv_id, turn, AFTER_RUN_ACTION,
                                              timestamp=messages[-1].timestamp))
            done = turn
    status, reason, end_error = _ending(conv.end)
    end = conv.end
    await bus.publish(ConversationEndEvent(
        **ids, reason=reason, total_turns=done, status=status,
        duration_ms=end.duration_ms if end is not None else 0, error=end_error,
        timestamp=end.timestamp if end is not None else _stamp_of(conv)))
    return status, done


def _ending(end: UpstreamEnd | None) -> tuple[Status, EndReason, str | None]:
    """Status, end reason and error of an upstream end event in our words. Upstream's reasons
    that are not ours become `interrupted` (`error` for a failed run), upstream's word kept in
    the error text; a conversation without an end event was interrupted."""
    if end is None:
        return (Status.INTERRUPTED, EndReason.INTERRUPTED,
                "not recorded (upstream run ended without an end event)")
    status = next((s for s in FINAL_STATUSES if s == end.status), Status.INTERRUPTED)
    reason = next((r for r in EndReason if r == end.reason), None)
    if reason is not None:
        return status, reason, end.error
    reason = EndReason.ERROR if status is Status.FAILED else EndReason.INTERRUPTED
    note = f"upstream end reason: {end.reason}"
    return status, reason, f"{end.error} ({note})" if end.error else note


def _stamp_of(conv: UpstreamConversation) -> str:
    return conv.messages[-1].timestamp if conv.messages else conv.started_at


async def _publish_message(bus: EventBus, ids: dict[str, Any], conv: UpstreamConversation,
                           message: UpstreamMessage) -> None:
    model = conv.models.get(message.agent_id, "")
    await bus.publish(MessageCompleteEvent(
        **ids, agent_id=message.agent_id, turn_number=message.turn, content=message.content,
        model=model, thinking=message.thinking, tokens_used=message.output_tokens or 0,
        duration_ms=message.duration_ms or 0, finish_reason="unknown",
        timestamp=message.timestamp))
    if message.input_tokens is None and message.output_tokens is None:
        return  # usage not recorded: no usage event rather than an invented one
    provider, cost = _price(model, message)
    await bus.publish(TokenUsageEvent(
        **ids, agent_id=message.agent_id, turn_number=message.turn, model=model,
        provider=provider, input_tokens=message.input_tokens or 0,
        output_tokens=message.output_tokens or 0,
        cache_read_tokens=message.cache_read_tokens or 0,
        cache_write_tokens=message.cache_write_tokens or 0, cost_usd=cost,
        timestamp=message.timestamp))


def _price(model: str, message: UpstreamMessage) -> tuple[str, float | None]:
    """(provider, cost with our price table); an unknown model is unpriced, not free."""
    from pidgin_tui.core.provider import UsageChunk
    from pidgin_tui.providers.pricing import cost_for
    from pidgin_tui.providers.registry import UnknownModelError, default_registry

    try:
        info = default_registry().resolve(model)
    except UnknownModelError:
        return model.partition(":")[0] if ":" in model else "unknown", None
    usage = UsageChunk(input_tokens=message.input_tokens or 0,
                       output_tokens=message.output_tokens or 0,
                       cache_read_tokens=message.cache_read_tokens or 0,
                       cache_write_tokens=message.cache_write_tokens or 0)
    return info.provider, cost_for(info, usage)
