"""The CLI surfaces of this layer: `models` and the `run --dry-run` cost estimate."""

from __future__ import annotations

import asyncio
import json
import sys

from tests.conftest import cli_env
from tests.fakes.llm_server import FakeLLMServer, Fault, Reply
from tests.providers.conftest import FAKE_KEY


async def cli(*args: str, **env: str) -> tuple[int, str, str]:
    """Run the CLI without blocking the loop, so a fake server in this loop keeps serving."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pidgin_tui", *args, env=cli_env(**env),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_models_lists_prices_keys_and_local_ollama_models(fake_server: FakeLLMServer):
    code, out, err = await cli("models", "--json", OLLAMA_HOST=fake_server.base,
                               ANTHROPIC_API_KEY=FAKE_KEY)
    assert code == 0, err
    data = json.loads(out)
    rows = {r["ref"]: r for r in data["models"]}
    assert data["prices_as_of"] == "2026-11-24"
    assert rows["anthropic:claude-sonnet-5"]["key_set"]
    assert not rows["xai:grok-4.3"]["key_set"]
    assert rows["ollama:llama3.2:latest"]["price"] == "free"
    assert FAKE_KEY not in out


async def test_models_text_output_says_unpriced_and_missing_keys():
    code, out, _ = await cli("models", "--no-ollama")
    assert code == 0
    assert "key missing: set OPENAI_API_KEY" in out and "$3 in / $15 out" in out


async def test_dry_run_prints_a_cost_estimate_and_runs_nothing(tmp_path):  # type: ignore[no-untyped-def]
    code, out, err = await cli("run", "-a", "claude", "-b", "gpt", "-t", "20", "-r", "5",
                               "--dry-run", "--json", "--output", str(tmp_path))
    assert code == 0, err
    plan = json.loads(out)
    assert plan["requests"] == 200 and plan["estimated_cost_usd"] > 1.0
    # the history is re-sent with every request: input dwarfs output over 20 turns
    assert plan["estimated_input_tokens"] > 10 * plan["estimated_output_tokens"]
    assert not (tmp_path / "experiments").exists() or not any(
        (tmp_path / "experiments").iterdir())
    code, out, _ = await cli("run", "-a", "openai:gpt-99", "-b", "local", "--dry-run", "--json")
    assert json.loads(out)["estimated_cost_usd"] == "unpriced"


async def test_run_pulls_a_missing_ollama_model_only_with_yes(fake_server: FakeLLMServer,
                                                              tmp_path):  # type: ignore[no-untyped-def]
    fake_server.ollama_models = []
    args = ("run", "-a", "ollama:llama3.2", "-b", "local:instant", "-t", "1",
            "--output", str(tmp_path))
    code, out, err = await cli(*args, OLLAMA_HOST=fake_server.base)
    assert code == 1 and "ollama pull llama3.2" in err and "--yes" in err
    assert fake_server.ollama_models == []  # nothing downloaded without consent
    code, out, err = await cli(*args, "--yes", OLLAMA_HOST=fake_server.base)
    assert code == 0, err
    assert "ollama pull llama3.2: 100%" in err + out
    assert fake_server.ollama_models == ["llama3.2:latest"]
    assert fake_server.of("ollama")[-1].path == "/api/chat"


async def test_a_broken_config_file_is_a_one_line_error(tmp_path):  # type: ignore[no-untyped-def]
    (tmp_path / "config.toml").write_text("[timeouts]\nfirst_token_s = -5\n")
    code, out, err = await cli("run", "-a", "local:instant", "-b", "local:instant", "-t", "1",
                               "--output", str(tmp_path / "out"), PIDGIN_CONFIG_DIR=str(tmp_path))
    assert code == 2 and "timeouts.first_token_s" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


async def test_headless_run_against_real_adapters_records_priced_usage(
        fake_server: FakeLLMServer, point_env_at, tmp_path):  # type: ignore[no-untyped-def]
    point_env_at(fake_server)
    fake_server.add("anthropic", Reply(fault=Fault(status=529, retry_after=0)))  # once
    code, out, err = await cli("run", "-a", "claude", "-b", "gemini", "-t", "2", "--json",
                               "--output", str(tmp_path))
    assert code == 0, err
    summary = json.loads(out)
    assert summary["completed"] == 1 and summary["total_cost_usd"] > 0
    lines = [json.loads(line) for path in tmp_path.rglob("conv_*_events.jsonl")
             for line in path.read_text().splitlines()]
    kinds = [line["event_type"] for line in lines]
    assert "RateLimitEvent" in kinds and kinds.count("MessageCompleteEvent") == 4
    assert all(line["cost_usd"] is not None for line in lines
               if line["event_type"] == "TokenUsageEvent")
    on_disk = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert FAKE_KEY.encode() not in on_disk  # JSONL, manifest, logs, database, reports
