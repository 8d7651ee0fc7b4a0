"""The ExperimentRunner: N repetitions of a conversation, sequential or concurrent, tracked.

Lifecycle: `created` → `running` → `completed`, `failed` (every conversation failed) or
`interrupted` (stopped or signalled). A failing conversation never stops the others.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from pidgin_tui.core.awareness import load_awareness
from pidgin_tui.core.budget import Budget
from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.conductor import Conductor
from pidgin_tui.core.control import ExperimentControl
from pidgin_tui.core.events import (
    FIRST_REPETITION,
    ExperimentCompleteEvent,
    ExperimentStartEvent,
    utc_now,
)
from pidgin_tui.core.history import turn_texts
from pidgin_tui.core.names import default_display_names
from pidgin_tui.core.outcome import ConversationOutcome
from pidgin_tui.core.plan import ConversationPlan, TurnScorer
from pidgin_tui.core.provider import ModelInfo, Responder
from pidgin_tui.core.resume_point import ResumePoint
from pidgin_tui.core.types import AgentConfig, AgentId, EndReason, Status
from pidgin_tui.experiments.lookup import added_conversations, repetition_of
from pidgin_tui.experiments.result import ExperimentResult
from pidgin_tui.experiments.spec import ExperimentSpec
from pidgin_tui.providers.params import describe_parameters
from pidgin_tui.providers.registry import Registry, default_registry
from pidgin_tui.providers.tokens import estimator_for
from pidgin_tui.record.layout import conversation_jsonl_name, new_experiment_dir
from pidgin_tui.record.manifest import Manifest, new_manifest, read_manifest
from pidgin_tui.record.tracking import TrackingSubscriber

if TYPE_CHECKING:
    from pidgin_tui.experiments.branching import BranchSource
    from pidgin_tui.experiments.resume import SavedConversation
    from pidgin_tui.record.lock import ExperimentLock

ScorerFactory = Callable[[str, AgentId, str], TurnScorer]
"""(convergence profile, first speaker, opening prompt) -> a fresh per-conversation
TurnScorer."""


def new_experiment_id() -> str:
    return secrets.token_hex(4)


def conversation_id_for(experiment_id: str, repetition: int) -> str:
    """The id of an experiment's conversation of `repetition` (1-based, as in its id)."""
    return f"{experiment_id}_{repetition:04d}"


def _default_scorer_factory(profile: str, first_speaker: AgentId, prompt: str
                            ) -> TurnScorer:
    from pidgin_tui.metrics.turn import make_turn_scorer

    return make_turn_scorer(profile, first_speaker, prompt)


def _retrying_responder(bus: EventBus) -> Responder:
    """Priced events and retries with backoff, as configured in the user settings."""
    from pidgin_tui.providers.retry import make_responder

    return make_responder(bus)


def completed_turn_texts(resume: ResumePoint) -> list[tuple[str, str]]:
    """(text of A, text of B) for every turn completed before the resume point."""
    return turn_texts(resume.messages, resume.turns_completed)


class ExperimentRunner:
    """Runs one experiment on the current event loop, publishing everything on `bus`."""

    def __init__(self, spec: ExperimentSpec, output_root: Path, *, bus: EventBus | None = None,
                 registry: Registry | None = None, interactive: bool = False,
                 responder_factory: Callable[[EventBus], Responder] | None = None,
                 scorer_factory: ScorerFactory = _default_scorer_factory,
                 experiment_id: str | None = None, branch: BranchSource | None = None) -> None:
        self.spec = spec
        self.branch = branch
        """Set for an experiment of branches: every conversation continues the parent's turns."""
        self.output_root = output_root
        self.bus = bus or EventBus()
        self.registry = registry or default_registry()
        self.interactive = interactive
        """Someone answers pauses (a run session sets it): a policy `pause` waits for them."""
        self.responder_factory = responder_factory or _retrying_responder
        self._responder: Responder | None = None
        self.scorer_factory = scorer_factory
        self.experiment_id = experiment_id or new_experiment_id()
        self.control = ExperimentControl()
        self.models: dict[AgentId, ModelInfo] = {
            AgentId.A: self.registry.resolve(spec.agent_a),
            AgentId.B: self.registry.resolve(spec.agent_b),
        }
        self.estimate_tokens = estimator_for(m.provider for m in self.models.values())
        """The token estimator the Router uses for this experiment's requests."""
        self.experiment_dir: Path | None = None
        self.tracking: TrackingSubscriber | None = None
        self._tasks: list[asyncio.Task[ConversationOutcome]] = []
        self._existing_manifest: Manifest | None = None
        self._lock: ExperimentLock | None = None
        self.storage_error: str | None = None
        """Set when the record could not be written; the run then stops at once."""
        self.torn: dict[str, int] = {}
        """Bytes of torn last lines moved aside before resuming, by conversation."""
        self.first_repetition = FIRST_REPETITION
        """The repetition of this run's first conversation (1-based, as in its id): after the
        last existing one when branches are written into their parent experiment."""
        self.into_existing = False
        """Set when new conversations (branches) are added to an experiment already on disk."""
        self.added_ids: list[str] = []
        """Conversations of an experiment on disk beyond its planned ones: branches written
        into it (`branch --into-parent`), which `resume` continues like the others."""

    @classmethod
    def for_existing(cls, experiment_dir: Path, output_root: Path,
                     **kwargs: object) -> ExperimentRunner:
        """A runner attached to an experiment already on disk (to resume it)."""
        from pidgin_tui.experiments.spec import parse_spec

        manifest = read_manifest(experiment_dir)
        if manifest is None:
            raise ValueError(f"{experiment_dir}: manifest.json is missing or unreadable")
        spec = parse_spec(manifest.config)
        runner = cls(spec, output_root, experiment_id=manifest.experiment_id,
                     **kwargs)  # type: ignore[arg-type]
        runner.experiment_dir = experiment_dir
        runner._existing_manifest = manifest
        runner.added_ids = added_conversations(experiment_dir, runner.experiment_id,
                                                runner.planned_ids())
        return runner

    @classmethod
    def into_parent(cls, source: BranchSource, output_root: Path,
                    **kwargs: object) -> ExperimentRunner:
        """Branches written into their parent's experiment, numbered after its conversations."""
        from pidgin_tui.experiments.lookup import conversation_ids

        runner = cls(source.spec, output_root, experiment_id=source.parent_experiment_id,
                     branch=source, **kwargs)  # type: ignore[arg-type]
        runner.experiment_dir = source.parent_dir
        runner._existing_manifest = read_manifest(source.parent_dir) or Manifest()
        runner.first_repetition = 1 + max(
            (int(suffix) for cid in conversation_ids(source.parent_dir)
             if (suffix := cid.rpartition("_")[2]).isdigit()), default=0)
        runner.into_existing = True
        return runner

    def repetitions(self) -> range:
        """The repetitions (1-based) this run conducts."""
        return range(self.first_repetition, self.first_repetition + self.spec.repetitions)

    def planned_ids(self) -> list[str]:
        """The conversations this run's spec plans, one per repetition."""
        return [conversation_id_for(self.experiment_id, rep) for rep in self.repetitions()]

    def conversation_ids(self) -> list[str]:
        """The planned conversations, then those added to the experiment later."""
        return [*self.planned_ids(), *self.added_ids]

    def prepare(self) -> Path:
        """Create the experiment directory and its tracking; idempotent."""
        if self.experiment_dir is None:
            self.experiment_dir = new_experiment_dir(self.output_root, self.experiment_id,
                                                     self.spec.name)
            manifest = new_manifest(self.experiment_id, self.spec.name, self.spec.to_dict(),
                                    self.spec.total_conversations, utc_now(),
                                    providers=(m.provider for m in self.models.values()),
                                    spec_of=self.registry.spec_of)
            manifest.experiment_dir = str(self.experiment_dir)
            self.claim()
            self.tracking = self._track(manifest)
        elif self.into_existing and self.tracking is None:
            assert self._existing_manifest is not None
            self.claim()
            existing = self._existing_manifest
            self.tracking = self._track(msgspec.structs.replace(
                existing, status="running", completed_at=None, pid=os.getpid(),
                total_conversations=existing.total_conversations
                + self.spec.total_conversations))
        return self.experiment_dir

    def _track(self, manifest: Manifest) -> TrackingSubscriber:
        tracking = TrackingSubscriber(self.experiment_dir or Path(), manifest,
                                      on_storage_error=self._storage_failed)
        return tracking.attach(self.bus)

    def _storage_failed(self, message: str) -> None:
        """Nothing more can be recorded: no further provider calls, every conversation ends."""
        self.storage_error = self.storage_error or message
        self.control.storage_failed_all()

    def plan_for(self, repetition: int, conversation_id: str) -> ConversationPlan:
        spec = self.spec
        name_a, name_b = default_display_names(spec.agent_a, spec.agent_b)
        agents = {}
        for agent_id, model, name in ((AgentId.A, self.models[AgentId.A], name_a),
                                      (AgentId.B, self.models[AgentId.B], name_b)):
            agents[agent_id] = AgentConfig(
                agent_id, model.ref, name, temperature=spec.resolved_temperature(agent_id),
                awareness=spec.resolved_awareness(agent_id),
                think=spec.resolved_think(agent_id),
                think_budget=spec.think_budget, max_output_tokens=spec.max_output_tokens,
            )
        return ConversationPlan(
            experiment_id=self.experiment_id, conversation_id=conversation_id,
            agent_a=agents[AgentId.A], agent_b=agents[AgentId.B],
            awareness_a=load_awareness(agents[AgentId.A].awareness, AgentId.A),
            awareness_b=load_awareness(agents[AgentId.B].awareness, AgentId.B),
            prompt=spec.prompt, max_turns=spec.max_turns,
            first_speaker=AgentId(spec.first_speaker), prompt_visibility=spec.prompt_visibility,
            allow_truncation=spec.allow_truncation,
            convergence_threshold=spec.convergence_threshold,
            convergence_action=spec.convergence_action,
            end_state_actions=dict(spec.end_state_action), choose_names=spec.choose_names,
            seed=spec.seed_for(repetition), repetition=repetition,
            budget_usd=spec.conversation_budget_usd, interactive=self.interactive,
            config={"convergence_profile": spec.convergence_profile}, opener=spec.opener,
            empty_reply=spec.empty_reply, empty_placeholder=spec.empty_placeholder,
        )

    async def run(self) -> ExperimentResult:
        experiment_dir = self.prepare()
        started = time.perf_counter()
        if not self.into_existing:  # the experiment keeps its own start
            await self.bus.publish(ExperimentStartEvent(
                experiment_id=self.experiment_id, name=self.spec.name,
                config=self.spec.to_dict(), total_conversations=self.spec.total_conversations))
        await self._preload()
        budget = Budget(self.spec.budget_usd)
        semaphore = asyncio.Semaphore(self.spec.max_parallel)
        self._tasks = []
        for rep, cid in zip(self.repetitions(), self.planned_ids(), strict=True):
            self._tasks.append(asyncio.create_task(self._run_one(rep, cid, semaphore, budget)))
            await asyncio.sleep(0)  # one start per loop turn: hundreds at once never stall it
        return await self._complete(experiment_dir, started)

    def saved_conversations(self) -> dict[str, SavedConversation]:
        """Every planned conversation of this experiment as its JSONL left it, by id."""
        from pidgin_tui.experiments.resume import load_saved_conversation

        assert self.experiment_dir is not None
        return {cid: load_saved_conversation(self.experiment_dir / conversation_jsonl_name(cid))
                for cid in self.conversation_ids()}

    async def _preload(self, more: Iterable[ModelInfo] = ()) -> None:
        """Import the plan's SDKs (and those of `more` models) in a thread now: never on the
        loop, never inside a timeout."""
        from pidgin_tui.providers.preload import preload_sdks

        await preload_sdks(self.registry.sdk_modules(
            m.provider for m in [*self.models.values(), *more]))

    def resumable(self) -> dict[str, SavedConversation]:
        """Conversations to continue (paused, interrupted, process gone) or to start, by id."""
        return {cid: saved for cid, saved in self.saved_conversations().items()
                if saved.resumable}

    def claim(self) -> None:
        """Become the experiment's one writer; raises `ExperimentLocked` naming the holder."""
        from pidgin_tui.experiments.discovery import LIVE_STATUSES, process_gone, run_pid
        from pidgin_tui.record.lock import ExperimentLock, ExperimentLocked

        assert self.experiment_dir is not None
        if self._lock is not None:
            return
        lock = ExperimentLock.acquire(self.experiment_dir)
        manifest = self._existing_manifest
        # (a detached resume's pid file names this process: the manifest's writer is gone)
        if manifest is not None and manifest.pid != os.getpid() and \
                manifest.status in LIVE_STATUSES and \
                run_pid(manifest, self.output_root) != os.getpid() and \
                not process_gone(manifest, self.output_root):
            lock.release()  # a run that predates the lock, still alive
            raise ExperimentLocked(self.experiment_dir, manifest.pid)
        self._lock = lock

    def release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    async def resume(self) -> ExperimentResult:
        """Continue every resumable conversation, appending to the same files."""
        from pidgin_tui.experiments.resume import manifest_for_resume, move_torn_tail

        assert self.experiment_dir is not None and self._existing_manifest is not None
        self.claim()
        saved = self.resumable()
        for cid in saved:
            self.torn[cid] = move_torn_tail(self.experiment_dir / conversation_jsonl_name(cid))
        manifest = manifest_for_resume(self._existing_manifest, self.saved_conversations())
        self.tracking = self._track(manifest)
        started = time.perf_counter()
        recorded = {cid: self._recorded_settings(cid) for cid in saved}
        await self._preload(m for settings, _ in recorded.values()
                            for m in settings.models.values())
        budget = Budget(self.spec.budget_usd)
        semaphore = asyncio.Semaphore(self.spec.max_parallel)
        repetitions = {**{cid: repetition_of(cid) for cid in self.added_ids},
                       **dict(zip(self.planned_ids(), self.repetitions(), strict=True))}
        for conversation_id, conversation in saved.items():
            self.bus.seed_seq(conversation_id, conversation.last_seq)
        self._tasks = [asyncio.create_task(self._run_one(
            repetitions[cid], cid, semaphore, budget, resume=saved[cid].point,
            recorded=recorded[cid])) for cid in saved]
        return await self._complete(self.experiment_dir, started)

    def _recorded_settings(self, conversation_id: str) -> tuple[ExperimentRunner, int | None]:
        """What a recorded conversation continues with: a branch's own spec (its recorded
        changes) and seed (`branching.conversation_seed`); anything else the experiment's."""
        from pidgin_tui.experiments.branching import conversation_seed
        from pidgin_tui.experiments.spec import recorded_spec
        from pidgin_tui.record.lineage import branched_event

        assert self.experiment_dir is not None
        branched = branched_event(self.experiment_dir / conversation_jsonl_name(conversation_id))
        if branched is None:
            return self, None
        seed = conversation_seed(self.experiment_dir, conversation_id)
        spec = recorded_spec(self.spec, branched)
        if spec == self.spec:
            return self, seed
        settings = ExperimentRunner(spec, self.output_root, registry=self.registry,
                                    experiment_id=self.experiment_id)
        return settings, seed

    async def _complete(self, experiment_dir: Path, started: float) -> ExperimentResult:
        outcomes = list(await asyncio.gather(*self._tasks))
        result = ExperimentResult(self.experiment_id, experiment_dir, Status.COMPLETED, outcomes,
                                  time.perf_counter() - started)
        result.status = self._final_status(result)
        await self.bus.publish(ExperimentCompleteEvent(
            experiment_id=self.experiment_id, status=result.status,
            completed_conversations=result.count(Status.COMPLETED),
            failed_conversations=result.count(Status.FAILED),
            interrupted_conversations=result.count(Status.INTERRUPTED),
            total_turns=result.total_turns, total_tokens=result.total_tokens,
            total_cost_usd=result.total_cost_usd, duration_ms=int(result.duration_s * 1000)))
        assert self.tracking is not None
        self.tracking.close()
        result.storage_error = self.storage_error
        self.release()
        return result

    def _final_status(self, result: ExperimentResult) -> Status:
        """From the whole experiment's counts (a resumed run covers only some conversations)."""
        assert self.tracking is not None
        counts = self.tracking.manifest.data
        if self.control.end_requested is not None or counts.interrupted_conversations or \
                self.storage_error is not None:
            return Status.INTERRUPTED
        total = counts.completed_conversations + counts.failed_conversations
        if total and counts.failed_conversations == total:
            return Status.FAILED
        return Status.COMPLETED

    async def _run_one(self, repetition: int, conversation_id: str,
                       semaphore: asyncio.Semaphore, budget: Budget,
                       resume: ResumePoint | None = None,
                       recorded: tuple[ExperimentRunner, int | None] | None = None
                       ) -> ConversationOutcome:
        """Conduct one conversation; `recorded` (settings, seed) continues a recorded one with
        the spec and models it ran with (a branch's may differ from the experiment's)."""
        settings, seed = recorded or (self, None)
        spec = settings.spec
        async with semaphore:
            control = self.control.for_conversation(conversation_id)
            plan = settings.plan_for(repetition, conversation_id)
            plan.interactive = self.interactive
            if seed is not None:
                plan.seed = seed
            if budget.exceeded:
                control.stop()
            # the spec's pause for a human, if someone can answer (a run session), from the first
            # turn sent: a resumed conversation already paused before the turn it continues at
            first = resume.turns_completed + 2 if resume is not None \
                else self.branch.turn + 1 if self.branch is not None else 1
            if self.interactive and (pause := spec.pause_before_turn) and pause >= first:
                control.pause_for_human_before(pause)
            scorer = self.scorer_factory(spec.convergence_profile, AgentId(spec.first_speaker),
                                         spec.prompt)
            if resume is not None and hasattr(scorer, "replay"):
                scorer.replay(completed_turn_texts(resume))  # cumulative metrics carry on
            if self.branch is not None:
                # The first branch keeps the parent's seed, the next add 1, 2, …
                plan.seed = self.branch.seed + repetition - self.first_repetition
            branch = None if self.branch is None else self.branch.start(scorer)
            conductor = Conductor(
                plan, self.bus, dict(settings.models),
                {a: self.registry.provider_for(m) for a, m in settings.models.items()},
                control=control, scorer=scorer,
                responder=self.responder(),
                describe_parameters=describe_parameters,
                experiment_budget=budget, estimate_tokens=settings.estimate_tokens,
            )
            outcome: ConversationOutcome | None = None
            try:
                if budget.exceeded and resume is None:
                    outcome = await conductor.end_without_running(EndReason.BUDGET)
                else:
                    outcome = await conductor.run(resume, branch=branch)
                return outcome
            finally:  # what is still queued for it is reported, never dropped silently
                control.close(outcome.end_reason if outcome else EndReason.ERROR)

    def responder(self) -> Responder:
        """The responder every conversation of this run calls: made once, since it keeps no
        conversation's state (each call is given its conversation's request and context)."""
        if self._responder is None:
            self._responder = self.responder_factory(self.bus)
        return self._responder

    def interrupt(self) -> None:
        """Signal received: every conversation ends as `interrupted` at its next safe point."""
        self.control.interrupt_all()

    def stop(self) -> None:
        """User stop of the whole experiment; conversations end as `stopped`."""
        self.control.stop_all()

    def cancel_in_flight(self) -> None:
        """Last resort after a grace period: cancel conversation tasks still waiting on I/O."""
        for task in self._tasks:
            task.cancel()

