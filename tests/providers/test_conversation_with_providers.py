"""Whole conversations through the runner, the real SDKs and the loopback fake.

Proves that a failed attempt's partial text reaches neither the JSONL nor the other agent, that
no API key is written anywhere, that costs are priced, and that budgets end runs cleanly.
"""

from __future__ import annotations

import logging
import random
from pathlib import Path

from pidgin_tui.core.bus import EventBus
from pidgin_tui.experiments.runner import ExperimentRunner
from pidgin_tui.experiments.spec import ExperimentSpec
from pidgin_tui.providers.registry import default_registry
from pidgin_tui.providers.retry import RetryPolicy, make_responder
from pidgin_tui.record.jsonl import read_all_events
from tests.fakes.llm_server import FakeLLMServer, Fault, Reply
from tests.providers.conftest import FAKE_KEY

PARTIAL = "PARTIAL-MARKER-FROM-A-FAILED-ATTEMPT"


def no_wait_responder(bus: EventBus):  # type: ignore[no-untyped-def]
    async def no_sleep(seconds: float) -> None:
        return None
    return make_responder(bus, policy=RetryPolicy(rng=random.Random(0), sleep=no_sleep))


def read_events(experiment_dir: Path) -> list:  # type: ignore[type-arg]
    return [event for path in sorted(experiment_dir.glob("*.jsonl"))
            for event in read_all_events(path).events]


def all_text_on_disk(root: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in root.rglob("*") if p.is_file())


async def run(spec: ExperimentSpec, root: Path) -> tuple[ExperimentRunner, object]:
    runner = ExperimentRunner(spec, root, registry=default_registry(),
                              responder_factory=no_wait_responder)
    return runner, await runner.run()


async def test_partial_text_of_a_failed_attempt_never_reaches_jsonl_or_the_other_agent(
        fake_server: FakeLLMServer, point_env_at, tmp_path: Path, caplog):  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    point_env_at(fake_server)
    fake_server.add("anthropic",
                    Reply(text=f"{PARTIAL} and more words here", fault=Fault(drop_after=2)),
                    Reply(text="A clean reply about rivers."),
                    Reply(text="A second clean reply."))
    fake_server.add("openai", Reply(text="B answers about lakes."),
                    Reply(text="B answers again."))
    spec = ExperimentSpec(name="retry", agent_a="claude", agent_b="openai:gpt-5.5",
                          max_turns=2, prompt="Talk about water.")
    runner, result = await run(spec, tmp_path / "out")
    (outcome,) = result.outcomes
    assert outcome.end_reason.value == "max_turns" and outcome.turns_completed == 2

    events = read_events(runner.experiment_dir)
    kinds = [e.event_type for e in events]
    assert "APIErrorEvent" in kinds
    error = next(e for e in events if e.event_type == "APIErrorEvent")
    assert error.error_type == "connection" and error.attempt == 1 and error.retry_in_s
    assert [e.attempt for e in events if e.event_type == "MessageRequestEvent"
            and e.agent_id == "agent_a" and e.turn_number == 1] == [1, 2]
    complete = [e.content for e in events if e.event_type == "MessageCompleteEvent"]
    assert complete == ["A clean reply about rivers.", "B answers about lakes.",
                        "A second clean reply.", "B answers again."]
    # Agent B was sent A's successful reply only, never the partial text.
    b_requests = fake_server.of("openai")
    assert any("A clean reply about rivers." in m["content"]
               for m in b_requests[0].body["messages"])
    assert all(PARTIAL not in str(r.body) for r in b_requests)
    assert all(PARTIAL not in str(r.body) for r in fake_server.of("anthropic")[1:])
    on_disk = all_text_on_disk(tmp_path / "out")
    assert PARTIAL not in on_disk
    # No key anywhere: JSONL, manifest, logs, captured log records.
    assert FAKE_KEY not in on_disk
    assert FAKE_KEY not in caplog.text


async def test_costs_are_priced_from_reported_usage(fake_server: FakeLLMServer, point_env_at,
                                                     tmp_path: Path, caplog):  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    point_env_at(fake_server)
    fake_server.add("anthropic", Reply(input_tokens=1000, output_tokens=200, cache_read=500))
    fake_server.add("google", Reply(input_tokens=2000, output_tokens=100))
    spec = ExperimentSpec(name="cost", agent_a="claude", agent_b="gemini", max_turns=1)
    runner, result = await run(spec, tmp_path / "out")
    usage = {e.provider: e for e in read_events(runner.experiment_dir)
             if e.event_type == "TokenUsageEvent"}
    # Sonnet 5: 1000 × $3 + 200 × $15 + 500 × $0.30 per 1M = $0.00615
    assert abs(usage["anthropic"].cost_usd - 0.00615) < 1e-12
    # Gemini 3.5 Flash: 2000 × $1.50 + 100 × $9 per 1M = $0.0039
    assert abs(usage["google"].cost_usd - 0.0039) < 1e-12
    assert not usage["anthropic"].estimated
    assert abs(result.total_cost_usd - 0.01005) < 1e-12
    assert FAKE_KEY not in caplog.text and FAKE_KEY not in all_text_on_disk(tmp_path / "out")


async def test_unlisted_model_is_unpriced_not_guessed(fake_server: FakeLLMServer, point_env_at,
                                                      tmp_path: Path):
    point_env_at(fake_server)
    spec = ExperimentSpec(name="unpriced", agent_a="openai:gpt-99-experimental",
                          agent_b="local:instant", max_turns=1)
    runner, result = await run(spec, tmp_path / "out")
    usage = [e for e in read_events(runner.experiment_dir) if e.event_type == "TokenUsageEvent"]
    by_provider = {e.provider: e.cost_usd for e in usage}
    assert by_provider == {"openai": None, "local": 0.0}
    assert result.total_cost_usd is None


async def test_conversation_budget_ends_the_run_with_reason_budget(
        fake_server: FakeLLMServer, point_env_at, tmp_path: Path):
    point_env_at(fake_server)
    # Each Claude reply costs 12 × $3 + 10 × $15 per 1M = $0.000186
    spec = ExperimentSpec(name="budget", agent_a="claude", agent_b="claude", max_turns=10,
                          conversation_budget_usd=0.0005)
    runner, result = await run(spec, tmp_path / "out")
    (outcome,) = result.outcomes
    assert outcome.end_reason.value == "budget"
    assert len(fake_server.of("anthropic")) == 3  # stops as soon as $0.000558 ≥ $0.0005


async def test_exhausted_retries_end_the_conversation_with_error(
        fake_server: FakeLLMServer, point_env_at, tmp_path: Path):
    point_env_at(fake_server)
    fake_server.add("openai", Reply(fault=Fault(status=401, message="bad key")))
    spec = ExperimentSpec(name="auth", agent_a="gpt", agent_b="local:instant", max_turns=3,
                          repetitions=2)
    runner, result = await run(spec, tmp_path / "out")
    first, second = result.outcomes
    assert first.end_reason.value == "error" and "OPENAI_API_KEY" in first.error
    assert second.end_reason.value == "max_turns"  # the experiment went on
