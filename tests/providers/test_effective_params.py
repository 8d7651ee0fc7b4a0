"""The record says what was sent: effective next to requested parameters, refusals before a
run, and thinking off really off. Real SDKs against the loopback fake."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pidgin_tui import config
from pidgin_tui.core.events import ConversationStartEvent, MessageRequestEvent
from pidgin_tui.core.provider import ProviderRequest
from pidgin_tui.experiments.param_check import check_parameters, refusals
from pidgin_tui.experiments.runner import ExperimentRunner
from pidgin_tui.experiments.spec import ExperimentSpec
from pidgin_tui.providers import registry
from pidgin_tui.providers.registry import default_registry
from tests.fakes.llm_server import FakeLLMServer
from tests.providers.test_commands import cli
from tests.providers.test_conversation_with_providers import no_wait_responder, read_events


def write_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str) -> None:
    directory = tmp_path / "config"
    directory.mkdir(exist_ok=True)
    (directory / "config.toml").write_text(text)
    monkeypatch.setenv("PIDGIN_CONFIG_DIR", str(directory))
    config.reset_settings()
    registry.reset_default_registry()


def gemini_thinking(body: dict) -> dict:  # type: ignore[type-arg]
    """The thinking config as sent, keys in snake case (the SDK may send either spelling)."""
    config = body["generationConfig"]["thinkingConfig"]
    snake = {re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), k): v
             for k, v in config.items()}
    return {k: v.upper() if isinstance(v, str) else v for k, v in snake.items()}


async def run_spec(spec: ExperimentSpec, root: Path) -> list:  # type: ignore[type-arg]
    runner = ExperimentRunner(spec, root, registry=default_registry(),
                              responder_factory=no_wait_responder)
    result = await runner.run()
    return read_events(result.experiment_dir)


async def test_a_temperature_claude_cannot_take_is_recorded_as_ignored_not_as_sent(
        fake_server: FakeLLMServer, point_env_at, tmp_path: Path):  # type: ignore[no-untyped-def]
    point_env_at(fake_server)
    spec = ExperimentSpec(agent_a="claude", agent_b="openai:gpt-4.1", max_turns=1,
                          temperature=0.3, prompt="Rivers.", allow_ignored_params=True)
    events = await run_spec(spec, tmp_path / "out")
    requests = {e.agent_id: e for e in events if isinstance(e, MessageRequestEvent)}
    assert requests["agent_a"].temperature == 0.3  # requested
    assert requests["agent_a"].effective["temperature"] is None
    assert requests["agent_a"].effective["ignored"] == ["temperature"]
    assert requests["agent_a"].effective["max_output_tokens"] == 4096
    assert requests["agent_b"].effective["temperature"] == 0.3
    assert requests["agent_b"].effective["ignored"] == []
    assert "temperature" not in fake_server.of("anthropic")[0].body
    assert fake_server.of("openai")[0].body["temperature"] == 0.3
    (start,) = [e for e in events if isinstance(e, ConversationStartEvent)]
    assert start.effective_a["ignored"] == ["temperature"]
    assert start.effective_b["temperature"] == 0.3


async def test_run_refuses_an_unhonourable_temperature_in_one_line(tmp_path: Path):
    code, _, err = await cli("run", "-a", "claude", "-b", "local:test", "--temperature", "0.3",
                             "-t", "1", "--output", str(tmp_path), "--no-post-process")
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "anthropic:claude-sonnet-5: temperature 0.3" in lines[0]
    assert "--allow-ignored-params" in lines[0]
    assert not (tmp_path / "experiments").exists() or not any(
        (tmp_path / "experiments").glob("experiment_*"))


async def test_dry_run_shows_the_parameter_warning(tmp_path: Path):
    code, out, _ = await cli("run", "-a", "openai:gpt-5.5", "-b", "local:test",
                             "--temperature", "0.7", "--dry-run", "--json",
                             "--output", str(tmp_path))
    assert code == 0
    warnings = json.loads(out)["parameter_warnings"]
    assert any("openai:gpt-5.5: temperature 0.7" in w for w in warnings)


@pytest.mark.parametrize("model, body_check, thinking", [
    ("openai:gpt-5.5", lambda b: b["reasoning_effort"] == "none", "off"),
    ("xai:grok-4.3", lambda b: b["reasoning_effort"] == "low", "minimal"),
    ("google:gemini-2.5-flash", lambda b: gemini_thinking(b) == {"thinking_budget": 0}, "off"),
    ("google:gemini-2.5-pro", lambda b: gemini_thinking(b) == {"thinking_budget": 128},
     "minimal"),
    ("google:gemini-3.5-flash",
     lambda b: gemini_thinking(b) == {"thinking_level": "MINIMAL"}, "minimal"),
])
async def test_thinking_off_is_sent_and_recorded(fake_server: FakeLLMServer, point_env_at,  # type: ignore[no-untyped-def]
                                                 tmp_path: Path, model: str, body_check,
                                                 thinking: str):
    point_env_at(fake_server)
    spec = ExperimentSpec(agent_a=model, agent_b="local:test", max_turns=1, prompt="Hi.")
    events = await run_spec(spec, tmp_path / "out")
    provider = model.split(":")[0]
    (sent,) = fake_server.of(provider)
    assert body_check(sent.body), sent.body
    request = next(e for e in events if isinstance(e, MessageRequestEvent)
                   and e.agent_id == "agent_a")
    assert request.think is False and request.effective["thinking"] == thinking


async def test_ollama_thinking_model_gets_think_false_and_think_true(
        fake_server: FakeLLMServer, point_env_at, tmp_path: Path):  # type: ignore[no-untyped-def]
    point_env_at(fake_server)
    fake_server.ollama_models = ["qwen3:latest"]
    fake_server.ollama_thinking_models = {"qwen3"}
    spec = ExperimentSpec(agent_a="ollama:qwen3", agent_b="ollama:qwen3", max_turns=1,
                          think_a=True, prompt="Hi.")
    events = await run_spec(spec, tmp_path / "out")
    bodies = fake_server.of("ollama")
    assert [b.body["think"] for b in bodies] == [True, False]
    effective = [e.effective["thinking"] for e in events if isinstance(e, MessageRequestEvent)]
    assert effective == ["on", "off"]


async def test_think_for_an_uncatalogued_id_needs_a_capability_override(
        fake_server: FakeLLMServer, point_env_at, tmp_path: Path,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch):
    point_env_at(fake_server)
    spec = ExperimentSpec(agent_a="openai:house-model", agent_b="local:test", max_turns=1,
                          think=True, prompt="Hi.")
    runner = ExperimentRunner(spec, tmp_path / "out", registry=default_registry())
    (issue,) = refusals(check_parameters(runner))
    assert (issue.model, issue.parameter) == ("openai:house-model", "think")

    write_config(monkeypatch, tmp_path, '[capabilities."openai:house-model"]\nthinking = true\n')
    point_env_at(fake_server)
    runner = ExperimentRunner(spec, tmp_path / "out", registry=default_registry())
    assert refusals(check_parameters(runner)) == []
    events = await run_spec(spec, tmp_path / "out")
    assert fake_server.of("openai")[0].body["reasoning_effort"] == "medium"
    request = next(e for e in events if isinstance(e, MessageRequestEvent))
    assert request.think and request.effective["thinking"] == "on"


async def test_ollama_gets_num_ctx_from_api_show_capped_and_num_predict(
        fake_server: FakeLLMServer, point_env_at, tmp_path: Path,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch):
    write_config(monkeypatch, tmp_path, "[ollama]\nmax_num_ctx = 8192\n")
    point_env_at(fake_server)
    spec = ExperimentSpec(agent_a="ollama:llama3.2", agent_b="ollama:llama3.2", max_turns=1,
                          max_output_tokens=64, prompt="Hi.")
    events = await run_spec(spec, tmp_path / "out")
    options = [r.body["options"] for r in fake_server.of("ollama")]
    assert options == [{"num_predict": 64, "num_ctx": 8192}] * 2
    request = next(e for e in events if isinstance(e, MessageRequestEvent))
    assert request.effective["sent"] == {"num_ctx": 8192, "num_predict": 64}
    assert request.effective["max_output_tokens"] == 64

    fake_server.ollama_context_length = 2048  # smaller than the cap: the model's own length
    write_config(monkeypatch, tmp_path, "")
    point_env_at(fake_server)
    await run_spec(spec, tmp_path / "out2")
    assert fake_server.of("ollama")[-1].body["options"]["num_ctx"] == 2048


@pytest.mark.parametrize("host, url", [
    ("https://ollama.example.org", "https://ollama.example.org:443"),
    ("http://box", "http://box:80"),
    ("box", "http://box:11434"),
    ("box:9000", "http://box:9000"),
    ("0.0.0.0", "http://127.0.0.1:11434"),
    ("", "http://127.0.0.1:11434"),
    ("https://gw.example.org/ollama/", "https://gw.example.org:443/ollama"),
    ("example.org/ollama", "http://example.org:11434/ollama"),
    ("http://user:pw@box:8080/x", "http://user:pw@box:8080/x"),
    ("[::1]:9000", "http://[::1]:9000"),
])
def test_ollama_host_is_parsed_as_ollama_does(host: str, url: str) -> None:
    from pidgin_tui.providers.ollama import normalise_host

    assert normalise_host(host) == url


def test_every_adapter_reads_its_own_payload_back() -> None:
    """The effective record comes from the payload: a requested max is what goes out."""
    from pidgin_tui.core.provider_table import provider_spec
    from pidgin_tui.providers.registry import load_adapter

    for provider in ("anthropic", "openai", "google", "xai", "ollama"):
        spec = provider_spec(provider)
        assert spec is not None
        adapter = load_adapter(spec)()
        request = ProviderRequest(model="some-model", system="s", messages=[],
                                  max_output_tokens=77)
        assert adapter.sent_parameters(request).max_output_tokens == 77, provider  # type: ignore[attr-defined]


async def test_gemini_retry_info_in_the_error_body_sets_the_wait(
        fake_server: FakeLLMServer) -> None:
    from pidgin_tui.core.provider import ChatMessage, ProviderError
    from tests.fakes.llm_server import Fault, Reply
    from tests.providers.conftest import make_provider

    fake_server.add("google", Reply(fault=Fault(status=429, retry_delay="8s")))
    provider = make_provider("google", fake_server)
    with pytest.raises(ProviderError) as caught:
        async for _ in provider.stream(ProviderRequest(
                model="gemini-2.5-flash", system="",
                messages=[ChatMessage("user", "Hi.")])):
            pass
    assert (caught.value.kind, caught.value.retry_after_s) == ("rate_limit", 8.0)
