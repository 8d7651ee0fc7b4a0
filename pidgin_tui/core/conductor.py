"""The Conductor runs one conversation: the turn loop, routing, control and convergence policy.

A turn is one message from each agent, first speaker first; `max_turns` turns are run and
reported as exactly that many (upstream Pidgin reported T+1). Turns are numbered from
`FIRST_TURN` (1) here as in the events, so a turn's number means the same everywhere.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, TypedDict

import msgspec

from pidgin_tui.core.awareness import build_system_prompt
from pidgin_tui.core.branch import BranchStart, inherited_copy
from pidgin_tui.core.budget import Budget
from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.control import ConversationControl
from pidgin_tui.core.events import (
    FIRST_TURN,
    AgentNameChosenEvent,
    ContextLimitEvent,
    ConvergenceWarningEvent,
    ConversationBranchedEvent,
    ConversationEndEvent,
    ConversationPausedEvent,
    ConversationResumedEvent,
    ConversationStartEvent,
    InjectionEvent,
    InterjectionEvent,
    InterruptRequestEvent,
    SystemPromptEvent,
    TurnCompleteEvent,
    TurnStartEvent,
)
from pidgin_tui.core.history import (
    HistoryItem,
    injection_entry,
    interjection_entry,
    message_entries,
    message_entry,
    opening_entry,
    recorded_items,
)
from pidgin_tui.core.names import extract_chosen_name
from pidgin_tui.core.plan import ConversationPlan, EndStateOnset, TurnScorer
from pidgin_tui.core.provider import (
    ModelInfo,
    ParameterDescriber,
    Provider,
    ProviderError,
    ProviderRequest,
    RequestContext,
    Responder,
)
from pidgin_tui.core.router import (
    AgentView,
    RoutedRequest,
    TokenEstimator,
    chars_estimate,
    route,
)
from pidgin_tui.core.types import (
    AgentId,
    ChatMessage,
    EndReason,
    HistoryEntry,
    status_for_end_reason,
)


@dataclass(slots=True)
class ResumePoint:
    """Where a conversation that ended early picks up again, rebuilt from its JSONL."""

    turns_completed: int
    """Turns completed so far: the conversation continues at the next one."""
    messages: list[HistoryItem]
    """Every complete message so far, (turn, speaker, text), with the interjections delivered
    among them, in recorded order."""
    system_prompts: dict[AgentId, str]
    names: dict[AgentId, str]
    last_convergence: float | None = None
    """The score of the last completed turn: a conversation paused above the threshold does
    not pause again until the score dips below it and crosses it once more."""
    previous_convergence: float | None = None
    """The score of the turn before the last one."""
    policy_pending: bool = False
    """The process died right after the last turn completed, perhaps before acting on its
    score: the convergence policy is applied to that turn again before going on."""


@dataclass(slots=True)
class ConversationOutcome:
    conversation_id: str
    end_reason: EndReason
    turns_completed: int
    error: str | None = None
    total_tokens: int = 0
    cost_usd: float | None = 0.0
    names: dict[str, str] = field(default_factory=dict)
    usage: dict[str, int] = field(default_factory=dict)
    """Token counts by bucket (USAGE_BUCKETS) over every response of the conversation."""


USAGE_BUCKETS = ("input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens",
                 "reasoning_tokens")
"""Usage kept apart everywhere it is totalled: input excludes the cache buckets, output
includes reasoning."""


def agent_request(plan: ConversationPlan, agent_id: AgentId, info: ModelInfo, system: str,
                  messages: list[ChatMessage], turn: int) -> ProviderRequest:
    """The request one agent sends: its settings from the plan, the model's capabilities."""
    agent = plan.agent(agent_id)
    return ProviderRequest(
        model=info.model_id, system=system, messages=messages,
        temperature=agent.temperature, max_output_tokens=agent.max_output_tokens,
        think=agent.think, think_budget=agent.think_budget,
        model_thinks=info.supports_thinking, turn_number=turn, agent_id=agent_id.value,
        seed=plan.seed,
    )


def output_reserve(plan: ConversationPlan, agent_id: AgentId, info: ModelInfo) -> int:
    """Tokens of the context window kept free for the reply when routing a request."""
    return plan.agent(agent_id).max_output_tokens or min(info.max_output_tokens, 4096)


def build_request(plan: ConversationPlan, agent_id: AgentId, info: ModelInfo, view: AgentView,
                  system_prompt: str, turn: int) -> tuple[RoutedRequest, ProviderRequest]:
    """Route `agent_id`'s view and build the provider request it is sent at `turn`.

    The one place a request is made, so the payload inspector rebuilds exactly what was sent.
    """
    routed = route(view, system_prompt, context_window=info.context_window,
                   reserve_output_tokens=output_reserve(plan, agent_id, info),
                   allow_truncation=plan.allow_truncation)
    return routed, agent_request(plan, agent_id, info, routed.system, routed.messages, turn)


class _Ids(TypedDict):
    """The addressing fields of every event this conductor publishes."""

    experiment_id: str
    conversation_id: str


class _End(Exception):
    """Internal: unwinds the turn loop with an end reason."""

    def __init__(self, reason: EndReason, error: str | None = None) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.error = error


@dataclass
class Conductor:
    plan: ConversationPlan
    bus: EventBus
    models: dict[AgentId, ModelInfo]
    providers: dict[AgentId, Provider]
    responder: Responder
    """Gets each message and reports it on the bus (the experiment layer adds retries)."""
    describe_parameters: ParameterDescriber
    """What each agent's requests will carry, for ConversationStartEvent."""
    control: ConversationControl = field(default_factory=ConversationControl)
    scorer: TurnScorer | None = None
    estimate_tokens: TokenEstimator = chars_estimate
    experiment_budget: Budget | None = None

    history: list[HistoryEntry] = field(default_factory=list, init=False)
    turns_completed: int = field(default=0, init=False)
    names: dict[AgentId, str] = field(default_factory=dict, init=False)
    _system_prompts: dict[AgentId, str] = field(default_factory=dict, init=False)
    _views: dict[AgentId, AgentView] = field(default_factory=dict, init=False)
    _above_threshold: bool = field(default=False, init=False)
    _tokens: int = field(default=0, init=False)
    _usage: dict[str, int] = field(default_factory=lambda: dict.fromkeys(USAGE_BUCKETS, 0),
                                   init=False)
    _budget: Budget = field(init=False)

    def __post_init__(self) -> None:
        self._budget = Budget(self.plan.budget_usd)
        self._views = {agent: AgentView(agent, self.estimate_tokens) for agent in AgentId}
        self.names = {AgentId.A: self.plan.agent_a.display_name,
                      AgentId.B: self.plan.agent_b.display_name}

    @property
    def _ids(self) -> _Ids:
        return {"experiment_id": self.plan.experiment_id,
                "conversation_id": self.plan.conversation_id}

    async def run(self, resume: ResumePoint | None = None,
                  branch: BranchStart | None = None) -> ConversationOutcome:
        """Run to the end and publish ConversationEndEvent; never raises for provider failures.

        With `resume`, continue a conversation that ended early instead of starting afresh.
        """
        started = time.perf_counter()
        done: dict[AgentId, str] = {}
        if branch is not None:
            await self._start(branch)
            await self._inherit(branch)
        elif resume is None:
            await self._start()
        else:
            done = await self._restore(resume)
        try:
            if resume is not None and resume.policy_pending:
                await self._apply_convergence_policy(resume.turns_completed,
                                                     resume.last_convergence)
            for turn in range(self.turns_completed + FIRST_TURN, self.plan.max_turns + 1):
                await self._run_turn(turn, done)
                done = {}
            reason, error = EndReason.MAX_TURNS, None
        except _End as end:
            reason, error = end.reason, end.error
        except asyncio.CancelledError:
            # Cancelled while waiting on I/O at shutdown: every write so far is whole (writes
            # are synchronous), so record the end and let the runner finish cleanly.
            reason, error = EndReason.INTERRUPTED, None
        return await self._finish(reason, error, started)

    async def end_without_running(self, reason: EndReason) -> ConversationOutcome:
        """Record a conversation that ends before its first turn (e.g. the budget is spent)."""
        started = time.perf_counter()
        await self._start()
        return await self._finish(reason, None, started)

    async def _finish(self, reason: EndReason, error: str | None,
                      started: float) -> ConversationOutcome:
        cost = None if self._budget.unpriced_requests else self._budget.spent_usd
        await self.bus.publish(ConversationEndEvent(
            **self._ids, reason=reason.value, total_turns=self.turns_completed,
            status=status_for_end_reason(reason).value,
            duration_ms=int((time.perf_counter() - started) * 1000), error=error,
        ))
        return ConversationOutcome(
            self.plan.conversation_id, reason, self.turns_completed, error=error,
            total_tokens=self._tokens, cost_usd=cost,
            names={a.value: n for a, n in self.names.items()}, usage=dict(self._usage),
        )

    def _request(self, agent_id: AgentId, system: str, messages: list[ChatMessage],
                 turn: int) -> ProviderRequest:
        return agent_request(self.plan, agent_id, self.models[agent_id], system, messages, turn)

    async def _effective(self, agent_id: AgentId) -> dict[str, Any]:
        """What this agent's requests will carry, for ConversationStartEvent."""
        request = self._request(agent_id, "", [], FIRST_TURN)
        return await self.describe_parameters(self.providers[agent_id], request)

    async def _start(self, branch: BranchStart | None = None) -> None:
        plan = self.plan
        await self.bus.publish(ConversationStartEvent(
            **self._ids, agent_a_model=plan.agent_a.model, agent_b_model=plan.agent_b.model,
            agent_a_name=plan.agent_a.display_name, agent_b_name=plan.agent_b.display_name,
            initial_prompt=plan.prompt, max_turns=plan.max_turns,
            temperature_a=plan.agent_a.temperature, temperature_b=plan.agent_b.temperature,
            awareness_a=plan.awareness_a.label, awareness_b=plan.awareness_b.label,
            first_speaker=plan.first_speaker.value, repetition=plan.repetition,
            config=plan.config, effective_a=await self._effective(AgentId.A),
            effective_b=await self._effective(AgentId.B),
        ))
        if branch is not None:
            await self.bus.publish(ConversationBranchedEvent(
                **self._ids, source_conversation_id=branch.parent_conversation_id,
                branch_turn=branch.turn, parent_experiment_id=branch.parent_experiment_id,
                changes=branch.changes, seed=plan.seed))
            self.names.update({AgentId(e.agent_id): e.chosen_name for e in branch.inherited
                               if isinstance(e, AgentNameChosenEvent)})
        for agent_id in AgentId:
            await self._publish_system_prompt(agent_id)
        self._remember(opening_entry(self.plan))

    async def _publish_system_prompt(self, agent_id: AgentId) -> None:
        plan, partner = self.plan, agent_id.other
        prompt = build_system_prompt(
            plan.awareness(agent_id), own_name=self.names[agent_id],
            own_model=plan.agent(agent_id).model, partner_name=self.names[partner],
            partner_model=plan.agent(partner).model, max_turns=plan.max_turns,
            speaks_first=agent_id is plan.first_speaker, choose_names=plan.choose_names,
        )
        self._system_prompts[agent_id] = prompt
        await self.bus.publish(SystemPromptEvent(
            **self._ids, agent_id=agent_id.value, prompt=prompt,
            agent_display_name=self.names[agent_id]))

    async def _restore(self, resume: ResumePoint) -> dict[AgentId, str]:
        """Rebuild the history exactly as it was sent; returns messages of the unfinished turn."""
        self._system_prompts = dict(resume.system_prompts)
        self.names.update(resume.names)
        for agent_id in AgentId:  # a process killed before recording both prompts
            if agent_id not in self._system_prompts:
                await self._publish_system_prompt(agent_id)
        self._remember(opening_entry(self.plan))
        for entry in message_entries(self.plan, resume.messages):
            self._remember(entry)
        done: dict[AgentId, str] = {}
        next_turn = resume.turns_completed + 1
        for item in resume.messages:
            if not isinstance(item, HistoryEntry) and item[0] == next_turn:
                done[item[1]] = item[2]
        self.turns_completed = resume.turns_completed
        threshold = self.plan.convergence_threshold
        basis = resume.previous_convergence if resume.policy_pending else resume.last_convergence
        self._above_threshold = None not in (threshold, basis) and \
            basis >= threshold  # type: ignore[operator]
        await self.bus.publish(ConversationResumedEvent(**self._ids, turn_number=next_turn,
                                                        restarted=True))
        return done

    async def _inherit(self, branch: BranchStart) -> None:
        """Write the parent's turns 1..N into this record (marked inherited) and remember them
        exactly as the parent's conductor did, so the next request is the one it would send."""
        for event in branch.inherited:
            await self.bus.publish(inherited_copy(event, **self._ids))
            if isinstance(event, TurnCompleteEvent) and event.convergence_score is not None:
                threshold = self.plan.convergence_threshold
                self._above_threshold = threshold is not None and \
                    event.convergence_score >= threshold
        for entry in message_entries(self.plan, recorded_items(branch.inherited)):
            self._remember(entry)
        self.turns_completed = branch.turn
        if branch.interjection is not None:
            await self._deliver(msgspec.structs.replace(branch.interjection, **self._ids))

    async def _deliver(self, event: InterjectionEvent) -> None:
        await self.bus.publish(event)
        self._remember(interjection_entry(event.text, event.speaker, event.to,
                                          event.turn_number))

    async def _take_interjections(self, turn: int) -> None:
        for pending in self.control.take_interjections():
            await self._deliver(InterjectionEvent(
                **self._ids, turn_number=turn, text=pending.text, speaker=pending.speaker,
                to=list(pending.to)))

    async def _checkpoint(self, turn: int) -> None:
        """A safe point: wait out a pause, end if a stop or interrupt was requested, and
        deliver interjections waiting for it. A pause for a human (`pause_before_turn`) waits
        for an interjection or a resume."""
        if self.control.pause_before_turn == turn:
            self.control.pause_before_turn = None
            self.control.wait_for_human()
        if self.control.paused and self.control.end_requested is None:
            reason = "human" if self.control.waiting_for_human else "user"
            await self.bus.publish(ConversationPausedEvent(**self._ids, turn_number=turn,
                                                           reason=reason))
            await self.control.wait_while_paused()
            if self.control.end_requested is None:
                await self.bus.publish(ConversationResumedEvent(**self._ids, turn_number=turn))
        await self._end_if_requested(turn)
        await self._take_interjections(turn)

    async def _end_if_requested(self, turn: int) -> None:
        reason = self.control.end_requested
        if reason is not None:
            kind = "stop" if reason is EndReason.STOPPED else "interrupt"
            await self.bus.publish(InterruptRequestEvent(**self._ids, turn_number=turn, kind=kind))
            raise _End(reason)

    async def _run_turn(self, turn: int, done: dict[AgentId, str]) -> None:
        """One message from each agent; `done` holds messages of this turn already recorded."""
        await self._checkpoint(turn)
        if not done:
            await self.bus.publish(TurnStartEvent(**self._ids, turn_number=turn))
        texts: dict[AgentId, str] = dict(done)
        for agent_id in self.plan.speaking_order:
            if agent_id in done:
                continue
            await self._checkpoint(turn)  # interjections delivered here precede the injection
            injection = injection_entry(self.plan, agent_id, turn)
            if injection is not None:
                self._remember(injection)
                await self.bus.publish(InjectionEvent(
                    **self._ids, agent_id=agent_id.value, turn_number=turn,
                    content=injection.content))
            texts[agent_id] = await self._speak(agent_id, turn)
        metrics, score = ({}, None) if self.scorer is None \
            else self.scorer(turn, texts[AgentId.A], texts[AgentId.B])
        self.turns_completed = turn
        await self.bus.publish(TurnCompleteEvent(
            **self._ids, turn_number=turn, convergence_score=score, metrics=metrics,
            metrics_version=int(metrics.pop("metrics_version", 1)) if metrics else 0,
        ))
        end_state_action = await self._publish_end_states(turn)
        await self._apply_convergence_policy(turn, score)
        if end_state_action == "stop":
            raise _End(EndReason.END_STATE)
        if end_state_action == "pause":
            self._pause_or_end(turn)

    async def _speak(self, agent_id: AgentId, turn: int) -> str:
        plan, info = self.plan, self.models[agent_id]
        routed, request = build_request(plan, agent_id, info, self._views[agent_id],
                                        self._system_prompts[agent_id], turn)
        if routed.dropped_messages or routed.over_limit:
            await self.bus.publish(ContextLimitEvent(
                **self._ids, agent_id=agent_id.value, turn_number=turn, model=info.ref,
                context_window=info.context_window, estimated_tokens=routed.estimated_tokens,
                dropped_messages=routed.dropped_messages, truncated=not routed.over_limit))
        if routed.over_limit:
            raise _End(EndReason.CONTEXT_LIMIT,
                       f"{info.ref}: ~{routed.estimated_tokens} tokens exceed the "
                       f"{info.context_window}-token context window")
        ctx = RequestContext(plan.experiment_id, plan.conversation_id, agent_id.value, turn, info,
                             estimated_input_tokens=routed.estimated_tokens,
                             truncated_messages=routed.dropped_messages)
        try:
            result = await self.responder(self.providers[agent_id], request, ctx,
                                          self.control.abort)
        except ProviderError as exc:
            if exc.kind == "context_length":
                raise _End(EndReason.CONTEXT_LIMIT, exc.message) from exc
            raise _End(EndReason.ERROR, f"{info.ref}: {exc.message}") from exc
        self._tokens += result.usage.input_tokens + result.usage.output_tokens
        for bucket in USAGE_BUCKETS:
            self._usage[bucket] += getattr(result.usage, bucket)
        self._budget.add(result.cost_usd)
        if self.experiment_budget is not None:
            self.experiment_budget.add(result.cost_usd)
        if result.aborted:
            await self._end_if_requested(turn)
        if not result.content.strip() and plan.empty_reply == "end":
            raise _End(EndReason.EMPTY_REPLY,
                       f"{info.ref} replied with nothing (finish reason {result.finish_reason})")
        self._remember(message_entry(plan, agent_id, turn, result.content))
        if plan.choose_names and turn == FIRST_TURN:  # the name comes from the first reply
            await self._record_chosen_name(agent_id, turn, result.content)
        if self._budget.exceeded or (self.experiment_budget and self.experiment_budget.exceeded):
            raise _End(EndReason.BUDGET)
        return result.content

    def _remember(self, entry: HistoryEntry) -> None:
        self.history.append(entry)
        for view in self._views.values():
            view.add(entry)

    async def _record_chosen_name(self, agent_id: AgentId, turn: int, reply: str) -> None:
        name = extract_chosen_name(reply)
        if name is None:
            return
        self.names[agent_id] = name
        await self.bus.publish(AgentNameChosenEvent(
            **self._ids, agent_id=agent_id.value, chosen_name=name, turn_number=turn))

    async def _apply_convergence_policy(self, turn: int, score: float | None) -> None:
        """Act when the score crosses the threshold upwards (again after dipping below it)."""
        threshold = self.plan.convergence_threshold
        if score is None or threshold is None:
            return
        was_above, self._above_threshold = self._above_threshold, score >= threshold
        if not self._above_threshold or was_above:
            return
        action = self.plan.convergence_action
        await self.bus.publish(ConvergenceWarningEvent(
            **self._ids, turn_number=turn, convergence_score=score, threshold=threshold,
            action=action))
        if action == "stop":
            raise _End(EndReason.HIGH_CONVERGENCE)
        if action == "pause":
            self._pause_or_end(turn)

    def _pause_or_end(self, turn: int) -> None:
        """A policy's `pause`: wait for a human (an interjection, a resume or a stop) when
        someone can answer, else end with reason `paused` (`resume` continues it)."""
        if turn >= self.plan.max_turns:  # nothing left to pause
            return
        if not self.plan.interactive:
            raise _End(EndReason.PAUSED)
        self.control.wait_for_human()

    async def _publish_end_states(self, turn: int) -> str | None:
        """Publish the end states the scorer first detected at this turn; returns the most
        drastic of their actions (stop, pause, then the rest), or None."""
        # A scorer that detects end states is an `EndStateSource`; a plain callable is not.
        take = getattr(self.scorer, "take_end_states", None)
        if take is None:
            return None
        strongest: str | None = None
        onsets: list[EndStateOnset] = take()
        for onset in onsets:
            action = self.plan.end_state_actions.get(onset.name, "warn")
            await self.bus.publish(onset.event(**self._ids, turn_number=turn, action=action))
            if strongest is None or _SEVERITY[action] > _SEVERITY[strongest]:
                strongest = action
        return strongest


_SEVERITY = {"continue": 0, "warn": 1, "pause": 2, "stop": 3}
"""Policy actions from the mildest to the most drastic."""
