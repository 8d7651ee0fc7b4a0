"""Usage kept apart everywhere it is totalled, and totals that are null when anything is
unpriced: manifest, summary and DuckDB, from real SDKs against the loopback fake."""

from __future__ import annotations

from pathlib import Path

from pidgin_tui.core.events import TokenUsageEvent
from pidgin_tui.database.event_store import EventStore
from pidgin_tui.experiments.runner import ExperimentRunner
from pidgin_tui.experiments.spec import ExperimentSpec
from pidgin_tui.providers.registry import default_registry
from pidgin_tui.record.manifest import read_manifest
from tests.fakes.llm_server import FakeLLMServer, Reply
from tests.providers.test_conversation_with_providers import no_wait_responder, read_events


async def run_spec(spec: ExperimentSpec, root: Path):  # type: ignore[no-untyped-def]
    runner = ExperimentRunner(spec, root, registry=default_registry(),
                              responder_factory=no_wait_responder)
    return await runner.run()


async def test_xai_reasoning_tokens_count_as_output_and_cost(
        fake_server: FakeLLMServer, point_env_at, tmp_path: Path):  # type: ignore[no-untyped-def]
    point_env_at(fake_server)
    # xAI bills 69 output tokens: 42 in completion_tokens plus 27 reported apart.
    fake_server.add("xai", Reply(input_tokens=100, output_tokens=69, reasoning=27))
    result = await run_spec(ExperimentSpec(agent_a="grok", agent_b="local:test", max_turns=1,
                                           prompt="Hi."), tmp_path / "out")
    usage = next(e for e in read_events(result.experiment_dir)
                 if isinstance(e, TokenUsageEvent) and e.agent_id == "agent_a")
    assert (usage.output_tokens, usage.reasoning_tokens) == (69, 27)
    from pidgin_tui.providers.pricing import price_table

    price = price_table().models["xai:grok-4.3"]
    assert usage.cost_usd == (100 * price.input + 69 * price.output) / 1_000_000


async def test_cache_and_reasoning_buckets_reach_manifest_summary_and_duckdb(
        fake_server: FakeLLMServer, point_env_at, tmp_path: Path):  # type: ignore[no-untyped-def]
    point_env_at(fake_server)
    fake_server.add("anthropic", *[Reply(input_tokens=10, cache_read=200, cache_write=50,
                                         output_tokens=20)] * 2)
    fake_server.add("openai", *[Reply(input_tokens=30, cache_read=40, output_tokens=25,
                                      reasoning=5)] * 2)
    result = await run_spec(ExperimentSpec(agent_a="claude", agent_b="openai:gpt-5.5",
                                           max_turns=2, prompt="Hi."), tmp_path / "out")
    expected = {"input_tokens": 80, "cache_read_tokens": 480, "cache_write_tokens": 100,
                "output_tokens": 90, "reasoning_tokens": 10}
    summary = result.summary()
    assert {k: summary[k] for k in expected} == expected
    manifest = read_manifest(result.experiment_dir)
    assert manifest is not None
    assert {k: getattr(manifest, k) for k in expected} == expected
    (conv,) = manifest.conversations.values()
    assert {k: getattr(conv, k) for k in expected} == expected
    assert conv.effective_a["thinking"] == "off"
    assert conv.effective_b["sent"] == {"reasoning_effort": "none"}

    store = EventStore(tmp_path / "db.duckdb")
    store.import_experiment(result.experiment_dir)
    columns = ", ".join(expected)
    for table in ("experiments", "conversations"):
        row = store.query(f"SELECT {columns} FROM {table}").as_dicts()[0]
        assert row == expected, table
    rows = store.query(
        "SELECT agent_id, sum(cache_read_tokens) AS cr, sum(cache_write_tokens) AS cw, "
        "sum(reasoning_tokens) AS r, any_value(effective_thinking) AS thinking, "
        "any_value(effective_max_output_tokens) AS max_out "
        "FROM messages GROUP BY agent_id ORDER BY agent_id").as_dicts()
    assert rows == [
        {"agent_id": "agent_a", "cr": 400, "cw": 100, "r": 0, "thinking": "off",
         "max_out": 4096},
        {"agent_id": "agent_b", "cr": 80, "cw": 0, "r": 10, "thinking": "off",
         "max_out": None},
    ]
    conv_row = store.query("SELECT effective_thinking_a, ignored_params_a "
                           "FROM conversations").as_dicts()[0]
    assert conv_row == {"effective_thinking_a": "off", "ignored_params_a": []}


async def test_manifest_cost_is_null_once_a_response_is_unpriced(
        fake_server: FakeLLMServer, point_env_at, tmp_path: Path):  # type: ignore[no-untyped-def]
    point_env_at(fake_server)
    result = await run_spec(ExperimentSpec(agent_a="claude", agent_b="openai:gpt-99-lab",
                                           max_turns=1, prompt="Hi."), tmp_path / "out")
    manifest = read_manifest(result.experiment_dir)
    assert manifest is not None
    assert result.summary()["total_cost_usd"] is None
    assert manifest.total_cost_usd is None and manifest.priced_cost_usd > 0
    (conv,) = manifest.conversations.values()
    assert conv.cost_usd is None
