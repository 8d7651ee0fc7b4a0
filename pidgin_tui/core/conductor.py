"""The Conductor runs one conversation: its start (fresh, resumed or branched) and turn loop.

What a turn does is composed from one module each: the request an agent sends
(`agent_request`), the safe points where pause, stop and interjections take effect
(`safe_point`), the policy after a scored turn (`policy`) and how it ends (`outcome`).

A turn is one message from each agent, first speaker first; `max_turns` turns are run and
reported as exactly that many (upstream Pidgin reported T+1). Turns are numbered from
`FIRST_TURN` (1) here as in the events, so a turn's number means the same everywhere.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import msgspec

from pidgin_tui.core.agent_request import agent_request, build_request
from pidgin_tui.core.awareness import build_system_prompt
from pidgin_tui.core.branch import BranchStart, inherited_copy
from pidgin_tui.core.budget import Budget
from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.control import ConversationControl
from pidgin_tui.core.events import (
    FIRST_TURN,
    AgentNameChosenEvent,
    ContextLimitEvent,
    ConversationBranchedEvent,
    ConversationEndEvent,
    ConversationResumedEvent,
    ConversationStartEvent,
    InjectionEvent,
    SystemPromptEvent,
    TurnCompleteEvent,
    TurnStartEvent,
    scored_turn,
)
from pidgin_tui.core.history import (
    injection_entry,
    message_entries,
    message_entry,
    opening_entry,
    recorded_items,
)
from pidgin_tui.core.names import extract_chosen_name
from pidgin_tui.core.outcome import (
    USAGE_BUCKETS,
    ConversationIds,
    ConversationOutcome,
    EndConversation,
)
from pidgin_tui.core.payload_hash import PayloadChain
from pidgin_tui.core.plan import ConversationPlan, TurnScorer
from pidgin_tui.core.policy import TurnPolicy
from pidgin_tui.core.provider import (
    ModelInfo,
    ParameterDescriber,
    Provider,
    ProviderError,
    ProviderRequest,
    RequestContext,
    Responder,
)
from pidgin_tui.core.resume_point import ResumePoint
from pidgin_tui.core.router import (
    AgentView,
    TokenEstimator,
    chars_estimate,
)
from pidgin_tui.core.safe_point import SafePoint
from pidgin_tui.core.types import (
    AgentId,
    ChatMessage,
    EndReason,
    HistoryEntry,
    status_for_end_reason,
)


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
    _payload_chains: dict[AgentId, PayloadChain] = field(default_factory=dict, init=False)
    """Each agent's payload hash, carried from request to request (O(new messages))."""
    _tokens: int = field(default=0, init=False)
    _usage: dict[str, int] = field(default_factory=lambda: dict.fromkeys(USAGE_BUCKETS, 0),
                                   init=False)
    _budget: Budget = field(init=False)
    _ids: ConversationIds = field(init=False)
    _policy: TurnPolicy = field(init=False)
    _safe_point: SafePoint = field(init=False)

    def __post_init__(self) -> None:
        self._budget = Budget(self.plan.budget_usd)
        self._views = {agent: AgentView(agent, self.estimate_tokens) for agent in AgentId}
        self._payload_chains = {agent: PayloadChain() for agent in AgentId}
        self.names = {AgentId.A: self.plan.agent_a.display_name,
                      AgentId.B: self.plan.agent_b.display_name}
        self._ids = {"experiment_id": self.plan.experiment_id,
                     "conversation_id": self.plan.conversation_id}
        self._policy = TurnPolicy(self.plan, self.bus, self.control, self._ids)
        self._safe_point = SafePoint(self.bus, self.control, self._ids, self._remember)

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
                await self._policy.apply_convergence(resume.turns_completed,
                                                     resume.last_convergence)
            for turn in range(self.turns_completed + FIRST_TURN, self.plan.max_turns + 1):
                await self._run_turn(turn, done)
                done = {}
            reason, error = EndReason.MAX_TURNS, None
        except EndConversation as end:
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
            **self._ids, reason=reason, total_turns=self.turns_completed,
            status=status_for_end_reason(reason),
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
            first_speaker=plan.first_speaker, repetition=plan.repetition,
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
            **self._ids, agent_id=agent_id, prompt=prompt,
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
        self._policy.remember_score(resume.previous_convergence if resume.policy_pending
                                    else resume.last_convergence)
        await self.bus.publish(ConversationResumedEvent(**self._ids, turn_number=next_turn,
                                                        restarted=True))
        return done

    async def _inherit(self, branch: BranchStart) -> None:
        """Write the parent's turns 1..N into this record (marked inherited) and remember them
        exactly as the parent's conductor did, so the next request is the one it would send."""
        for event in branch.inherited:
            await self.bus.publish(inherited_copy(event, **self._ids,
                                                  inherited=not branch.owns(event)))
            if isinstance(event, TurnCompleteEvent) and event.convergence_score is not None:
                self._policy.remember_score(event.convergence_score)
        for entry in message_entries(self.plan, recorded_items(branch.inherited)):
            self._remember(entry)
        self.turns_completed = branch.turn
        if branch.interjection is not None:
            await self._safe_point.deliver(
                msgspec.structs.replace(branch.interjection, **self._ids))

    async def _run_turn(self, turn: int, done: dict[AgentId, str]) -> None:
        """One message from each agent; `done` holds messages of this turn already recorded."""
        await self._safe_point.reached(turn)
        if not done:
            await self.bus.publish(TurnStartEvent(**self._ids, turn_number=turn))
        texts: dict[AgentId, str] = dict(done)
        for agent_id in self.plan.speaking_order:
            if agent_id in done:
                continue
            await self._safe_point.reached(turn)  # interjections here precede the injection
            injection = injection_entry(self.plan, agent_id, turn)
            if injection is not None:
                self._remember(injection)
                await self.bus.publish(InjectionEvent(
                    **self._ids, agent_id=agent_id, turn_number=turn,
                    content=injection.content))
            texts[agent_id] = await self._speak(agent_id, turn)
        metrics, score = ({}, None) if self.scorer is None \
            else self.scorer(turn, texts[AgentId.A], texts[AgentId.B])
        self.turns_completed = turn
        await self.bus.publish(scored_turn(turn, metrics, score, **self._ids))
        await self._policy.after_turn(turn, score, self.scorer)

    async def _speak(self, agent_id: AgentId, turn: int) -> str:
        plan, info = self.plan, self.models[agent_id]
        routed, request = build_request(plan, agent_id, info, self._views[agent_id],
                                        self._system_prompts[agent_id], turn)
        if routed.dropped_messages or routed.over_limit:
            await self.bus.publish(ContextLimitEvent(
                **self._ids, agent_id=agent_id, turn_number=turn, model=info.ref,
                context_window=info.context_window, estimated_tokens=routed.estimated_tokens,
                dropped_messages=routed.dropped_messages, truncated=not routed.over_limit))
        if routed.over_limit:
            raise EndConversation(EndReason.CONTEXT_LIMIT,
                       f"{info.ref}: ~{routed.estimated_tokens} tokens exceed the "
                       f"{info.context_window}-token context window")
        ctx = RequestContext(plan.experiment_id, plan.conversation_id, agent_id, turn, info,
                             estimated_input_tokens=routed.estimated_tokens,
                             truncated_messages=routed.dropped_messages,
                             payload_hash=self._payload_chains[agent_id].hexdigest)
        try:
            result = await self.responder(self.providers[agent_id], request, ctx,
                                          self.control.abort)
        except ProviderError as exc:
            if exc.kind == "context_length":
                raise EndConversation(EndReason.CONTEXT_LIMIT, exc.message) from exc
            raise EndConversation(EndReason.ERROR, f"{info.ref}: {exc.message}") from exc
        self._tokens += result.usage.input_tokens + result.usage.output_tokens
        for bucket in USAGE_BUCKETS:
            self._usage[bucket] += getattr(result.usage, bucket)
        self._budget.add(result.cost_usd)
        if self.experiment_budget is not None:
            self.experiment_budget.add(result.cost_usd)
        if result.aborted:
            await self._safe_point.end_if_requested(turn)
        if not result.content.strip() and plan.empty_reply == "end":
            raise EndConversation(EndReason.EMPTY_REPLY,
                       f"{info.ref} replied with nothing (finish reason {result.finish_reason})")
        self._remember(message_entry(plan, agent_id, turn, result.content))
        if plan.choose_names and turn == FIRST_TURN:  # the name comes from the first reply
            await self._record_chosen_name(agent_id, turn, result.content)
        if self._budget.exceeded or (self.experiment_budget and self.experiment_budget.exceeded):
            raise EndConversation(EndReason.BUDGET)
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
            **self._ids, agent_id=agent_id, chosen_name=name, turn_number=turn))
