"""The runner: lifecycle in the manifest, JSONL on disk, concurrency and failure isolation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.events import ExperimentStartEvent, TurnStartEvent
from pidgin_tui.core.provider import Chunk, ProviderRequest, Responder
from pidgin_tui.experiments.runner import ExperimentRunner
from pidgin_tui.experiments.spec import parse_spec
from pidgin_tui.providers.local import LocalProvider
from pidgin_tui.providers.registry import Registry, default_registry
from pidgin_tui.record.jsonl import read_all_events
from pidgin_tui.record.layout import MANIFEST_NAME
from pidgin_tui.record.manifest import Manifest, read_manifest
from tests.record.test_manifest import written


async def test_manifest_goes_created_running_completed(tmp_path: Path) -> None:
    spec = parse_spec({"agent_a": "local:instant", "agent_b": "local:instant", "max_turns": 3,
                       "repetitions": 2, "name": "lifecycle"})
    runner = ExperimentRunner(spec, tmp_path)
    seen: list[str] = []
    exp_dir = runner.prepare()
    seen.append((read_manifest(exp_dir) or Manifest()).status)
    runner.bus.subscribe(ExperimentStartEvent,
                         lambda e: seen.append((read_manifest(exp_dir) or Manifest()).status))
    result = await runner.run()
    manifest = read_manifest(exp_dir)
    assert manifest is not None
    seen.append(manifest.status)
    # The start does not wait for the disk (the manifest written on creation names the
    # process); this short run ends first, and its end is written with every change at once.
    assert seen == ["created", "created", "completed"]
    assert manifest.started_at is not None
    assert runner.tracking is not None and runner.tracking.manifest.writes == 2
    assert result.summary()["completed"] == 2
    assert manifest.completed_conversations == 2 and manifest.total_turns == 6
    for conv in manifest.conversations.values():
        assert (conv.status, conv.turns_completed, conv.end_reason) == \
            ("completed", 3, "max_turns")
        assert conv.tokens > 0


async def test_a_running_experiment_says_so_in_its_manifest(tmp_path: Path) -> None:
    spec = parse_spec({"agent_a": "local:instant", "agent_b": "local:instant", "max_turns": 2})
    runner = ExperimentRunner(spec, tmp_path)
    exp_dir = runner.prepare()
    seen: list[str] = []

    async def first_turn(event: TurnStartEvent) -> None:
        if event.turn_number == 1:  # written by the start's deferred write, mid-run
            await written(exp_dir / MANIFEST_NAME, lambda m: m.status == "running")
            seen.append((read_manifest(exp_dir) or Manifest()).status)

    runner.bus.subscribe(TurnStartEvent, first_turn)
    await runner.run()
    assert seen == ["running"]
    assert (read_manifest(exp_dir) or Manifest()).status == "completed"



async def test_every_jsonl_line_parses_and_carries_the_experiment_id(tmp_path: Path) -> None:
    spec = parse_spec({"agent_a": "local:instant", "agent_b": "local:instant", "max_turns": 3})
    runner = ExperimentRunner(spec, tmp_path)
    result = await runner.run()
    files = sorted(result.experiment_dir.glob("*.jsonl"))
    assert [f.name for f in files] == [f"conv_{runner.experiment_id}_0001_events.jsonl",
                                       "experiment_events.jsonl"]
    types = []
    for path in files:
        for event in read_all_events(path).events:
            assert event.experiment_id == runner.experiment_id
            types.append(event.event_type)
    assert "MessageChunkEvent" not in types
    assert types.count("TurnCompleteEvent") == 3
    assert {"ExperimentStartEvent", "ExperimentCompleteEvent"} <= set(types)


async def test_max_parallel_really_overlaps_conversations(tmp_path: Path) -> None:
    spec = parse_spec({"agent_a": "local:test", "agent_b": "local:test", "max_turns": 1,
                       "repetitions": 4, "max_parallel": 4})
    runner = ExperimentRunner(spec, tmp_path)
    result = await runner.run()
    spans = []
    for path in result.experiment_dir.glob("conv_*.jsonl"):
        times = [datetime.fromisoformat(e.timestamp) for e in read_all_events(path).events]
        spans.append((min(times), max(times)))
    assert len(spans) == 4
    latest_start = max(start for start, _ in spans)
    earliest_end = min(end for _, end in spans)
    assert latest_start < earliest_end  # all four were running at the same moment


class _FailsOddSeeds:
    """Fails every conversation whose seed is odd, so some fail and some succeed."""

    name = "local"

    async def stream(self, request: ProviderRequest) -> AsyncIterator[Chunk]:
        inner = LocalProvider(fail_at_turns=frozenset({1}) if request.seed % 2 else frozenset())
        async for chunk in inner.stream(request):
            yield chunk


async def test_a_failing_conversation_does_not_stop_the_others(tmp_path: Path) -> None:
    registry = Registry()
    registry.models = dict(default_registry().models)
    registry.factories["local"] = _FailsOddSeeds
    spec = parse_spec({"agent_a": "local:instant", "agent_b": "local:instant", "max_turns": 2,
                       "repetitions": 4, "max_parallel": 2})
    result = await ExperimentRunner(spec, tmp_path, registry=registry).run()
    summary = result.summary()
    assert (summary["completed"], summary["failed"], summary["status"]) == (2, 2, "completed")
    manifest = read_manifest(result.experiment_dir)
    assert manifest is not None and manifest.failed_conversations == 2
    failed = [c for c in manifest.conversations.values() if c.status == "failed"]
    assert all("failed on purpose" in c.last_error for c in failed)


async def test_every_conversation_failing_fails_the_experiment(tmp_path: Path) -> None:
    spec = parse_spec({"agent_a": "local:fail-at-1", "agent_b": "local:instant",
                       "max_turns": 2, "repetitions": 2})
    result = await ExperimentRunner(spec, tmp_path).run()
    assert result.status.value == "failed"


async def test_experiment_budget_stops_remaining_conversations(tmp_path: Path) -> None:
    from pidgin_tui.providers.event_aware import EventAwareProvider

    spec = parse_spec({"agent_a": "local:instant", "agent_b": "local:instant", "max_turns": 5,
                       "repetitions": 3, "budget_usd": 0.05})
    runner = ExperimentRunner(
        spec, tmp_path,
        responder_factory=lambda bus: EventAwareProvider(bus, cost=lambda i, u: 0.01).attempt)
    result = await runner.run()
    assert [o.end_reason.value for o in result.outcomes] == ["budget", "budget", "budget"]
    assert result.outcomes[0].turns_completed == 2  # the 5th message reaches $0.05
    assert result.outcomes[2].turns_completed == 0


async def test_one_responder_serves_every_conversation_of_a_run(tmp_path: Path) -> None:
    """The responder keeps no conversation's state, so a run makes it once, not once per
    conversation (it is made for each of 10,000 conversations otherwise)."""
    from pidgin_tui.providers.retry import make_responder

    made = []

    def factory(bus: EventBus) -> Responder:
        made.append(bus)
        return make_responder(bus)

    spec = parse_spec({"agent_a": "local:instant", "agent_b": "local:instant", "max_turns": 2,
                       "repetitions": 4, "max_parallel": 2})
    runner = ExperimentRunner(spec, tmp_path, responder_factory=factory)
    result = await runner.run()
    assert [o.turns_completed for o in result.outcomes] == [2, 2, 2, 2]
    assert made == [runner.bus]
