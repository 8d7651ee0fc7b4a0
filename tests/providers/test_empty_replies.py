"""An empty or blocked reply stays in the data: recorded as empty, sent on as a placeholder (or
ending the conversation when the spec says so); a cold start sends an opener."""

from __future__ import annotations

from pathlib import Path

from pidgin_tui.core.events import ConversationEndEvent, MessageCompleteEvent
from pidgin_tui.core.types import AgentId
from pidgin_tui.database.event_store import EventStore
from pidgin_tui.experiments.payload import rebuild_payload
from pidgin_tui.experiments.runner import ExperimentRunner
from pidgin_tui.experiments.spec import ExperimentSpec
from pidgin_tui.providers.registry import default_registry
from tests.fakes.llm_server import FakeLLMServer, Reply
from tests.providers.test_conversation_with_providers import no_wait_responder, read_events


async def run_spec(spec: ExperimentSpec, root: Path):  # type: ignore[no-untyped-def]
    runner = ExperimentRunner(spec, root, registry=default_registry(),
                              responder_factory=no_wait_responder)
    return await runner.run()


async def test_a_filtered_reply_is_recorded_empty_and_the_partner_gets_a_placeholder(
        fake_server: FakeLLMServer, point_env_at, tmp_path: Path):  # type: ignore[no-untyped-def]
    point_env_at(fake_server)
    fake_server.add("openai", Reply(text="", finish="content_filter", output_tokens=0),
                    Reply(text="Back again."))
    spec = ExperimentSpec(agent_a="claude", agent_b="openai:gpt-4.1", max_turns=2,
                          prompt="Talk.")
    result = await run_spec(spec, tmp_path / "out")
    (outcome,) = result.outcomes
    assert outcome.end_reason.value == "max_turns" and outcome.turns_completed == 2
    events = read_events(result.experiment_dir)
    blocked = [e for e in events if isinstance(e, MessageCompleteEvent) and e.empty]
    assert [(b.agent_id, b.content, b.finish_reason) for b in blocked] == \
        [("agent_b", "", "content_filter")]
    second = fake_server.of("anthropic")[1].body["messages"]
    assert second[-1] == {"role": "user", "content": "[no response]"}
    assert all(m["content"] for m in second)
    rebuilt = rebuild_payload(result.experiment_dir, outcome.conversation_id, 2, AgentId.A)
    assert rebuilt.verdict == "verified" and rebuilt.messages[-1].content == "[no response]"

    store = EventStore(tmp_path / "db.duckdb")
    store.import_experiment(result.experiment_dir)
    assert store.query("SELECT empty_replies FROM conversations").rows == [(1,)]
    assert store.query("SELECT count(*) FROM messages WHERE empty").rows == [(1,)]


async def test_the_spec_can_end_on_an_empty_reply(
        fake_server: FakeLLMServer, point_env_at, tmp_path: Path):  # type: ignore[no-untyped-def]
    point_env_at(fake_server)
    fake_server.add("openai", Reply(text="", finish="length", output_tokens=0))
    spec = ExperimentSpec(agent_a="openai:gpt-4.1", agent_b="local:test", max_turns=3,
                          prompt="Talk.", empty_reply="end")
    result = await run_spec(spec, tmp_path / "out")
    end = next(e for e in read_events(result.experiment_dir)
               if isinstance(e, ConversationEndEvent))
    assert (end.reason, end.status) == ("empty_reply", "completed")


async def test_a_cold_start_sends_the_opener_not_an_empty_history(
        fake_server: FakeLLMServer, point_env_at, tmp_path: Path):  # type: ignore[no-untyped-def]
    point_env_at(fake_server)
    cold = await run_spec(ExperimentSpec(agent_a="claude", agent_b="local:test", max_turns=1,
                                         prompt=""), tmp_path / "out")
    assert fake_server.of("anthropic")[0].body["messages"] == \
        [{"role": "user", "content": "[Begin]"}]
    rebuilt = rebuild_payload(cold.experiment_dir, cold.outcomes[0].conversation_id, 1,
                              AgentId.A)
    assert rebuilt.verdict == "verified" and rebuilt.messages[0].content == "[Begin]"
    await run_spec(ExperimentSpec(agent_a="claude", agent_b="local:test", max_turns=1,
                                  prompt="", opener="Go."), tmp_path / "out2")
    assert fake_server.of("anthropic")[1].body["messages"] == [{"role": "user", "content": "Go."}]
