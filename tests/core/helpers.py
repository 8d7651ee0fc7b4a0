"""Builders for conductor tests: plans, a recording provider, and a one-call runner."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from pidgin_tui.core.awareness import load_awareness
from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.conductor import Conductor
from pidgin_tui.core.control import ConversationControl
from pidgin_tui.core.events import Event
from pidgin_tui.core.outcome import ConversationOutcome
from pidgin_tui.core.plan import ConversationPlan
from pidgin_tui.core.provider import Chunk, ProviderRequest
from pidgin_tui.core.types import AgentConfig, AgentId
from pidgin_tui.metrics.turn import score_turn
from pidgin_tui.providers.event_aware import EventAwareProvider
from pidgin_tui.providers.local import LocalProvider
from pidgin_tui.providers.params import describe_parameters
from pidgin_tui.providers.registry import ModelInfo

MODEL_A = ModelInfo("local", "instant", "A model", 1_000_000, 4096, supports_thinking=True)
MODEL_B = ModelInfo("local", "test", "B model", 1_000_000, 4096, supports_thinking=True)


@dataclass
class RecordingProvider:
    """The instant local model, recording every request it receives."""

    name: str = "local"
    requests: list[ProviderRequest] = field(default_factory=list)
    inner: LocalProvider = field(default_factory=lambda: LocalProvider(tokens_per_second=0))

    async def stream(self, request: ProviderRequest) -> AsyncIterator[Chunk]:
        self.requests.append(request)
        async for chunk in self.inner.stream(request):
            yield chunk


def make_plan(max_turns: int = 3, awareness: str = "basic",
              **overrides: object) -> ConversationPlan:
    plan = ConversationPlan(
        experiment_id="exp", conversation_id="conv",
        agent_a=AgentConfig(AgentId.A, MODEL_A.ref, "Alpha"),
        agent_b=AgentConfig(AgentId.B, MODEL_B.ref, "Beta"),
        awareness_a=load_awareness(awareness, AgentId.A),
        awareness_b=load_awareness(awareness, AgentId.B),
        prompt="PROMPT", max_turns=max_turns,
    )
    for key, value in overrides.items():
        setattr(plan, key, value)
    return plan


@dataclass
class Run:
    outcome: ConversationOutcome
    events: list[Event]
    provider: RecordingProvider
    conductor: Conductor

    def of_type(self, name: str) -> list[Event]:
        return [e for e in self.events if e.event_type == name]

    def requests_for(self, agent: AgentId) -> list[ProviderRequest]:
        return [r for r in self.provider.requests if r.agent_id == agent.value]


async def run_conversation(plan: ConversationPlan, provider: RecordingProvider | None = None,
                           control: ConversationControl | None = None,
                           models: tuple[ModelInfo, ModelInfo] = (MODEL_A, MODEL_B),
                           persisted_only: bool = False, **kwargs: object) -> Run:
    """Run one conversation, keeping every event published (only the persisted ones, as the
    record's tracker takes them, with `persisted_only`)."""
    bus = EventBus()
    events: list[Event] = []
    (bus.subscribe_persisted if persisted_only else bus.subscribe_all)(events.append)
    provider = provider or RecordingProvider()
    conductor = Conductor(plan, bus, {AgentId.A: models[0], AgentId.B: models[1]},
                          {AgentId.A: provider, AgentId.B: provider},
                          control=control or ConversationControl(),
                          **{"scorer": score_turn, "responder": EventAwareProvider(bus).attempt,
                             "describe_parameters": describe_parameters,
                             **kwargs})  # type: ignore[arg-type]
    outcome = await conductor.run()
    return Run(outcome, events, provider, conductor)
