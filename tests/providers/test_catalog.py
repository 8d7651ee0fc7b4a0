"""The registry knows current models by alias, accepts any id after a provider prefix, and builds
providers lazily, wrapped in the concurrency/timeout limits."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pidgin_tui.core.provider import ChatMessage, ProviderError, ProviderRequest, TextChunk
from pidgin_tui.providers.limits import LimitedProvider
from pidgin_tui.providers.registry import UnknownModelError, default_registry
from tests.conftest import cli_env
from tests.fakes.llm_server import FakeLLMServer, Reply


@pytest.mark.parametrize("alias, ref", [
    ("claude", "anthropic:claude-sonnet-5"), ("opus", "anthropic:claude-opus-4-8"),
    ("haiku", "anthropic:claude-haiku-4-5"), ("gpt", "openai:gpt-5.5"),
    ("gemini", "google:gemini-3.5-flash"), ("grok", "xai:grok-4.3"),
    ("local", "local:test"),
])
def test_friendly_aliases(alias: str, ref: str):
    assert default_registry().resolve(alias).ref == ref


def test_models_carry_limits_and_capabilities():
    registry = default_registry()
    sonnet = registry.resolve("claude")
    assert sonnet.context_window == 1_000_000 and sonnet.max_output_tokens == 128_000
    assert sonnet.supports_thinking and sonnet.temperature_range == (1.0, 1.0)
    assert registry.resolve("openai:gpt-4.1").temperature_range == (0.0, 2.0)
    assert registry.resolve("anthropic:claude-sonnet-4-5").deprecated


@pytest.mark.parametrize("ref", ["anthropic:claude-next", "openai:gpt-7", "google:gemini-9",
                                 "xai:grok-9", "ollama:qwen3:8b"])
def test_any_model_id_after_a_provider_prefix(ref: str):
    info = default_registry().resolve(ref)
    assert info.ref == ref


def test_unknown_reference_suggests_a_close_match():
    with pytest.raises(UnknownModelError, match="did you mean 'claude'"):
        default_registry().resolve("claud")


def test_building_the_registry_imports_no_sdk():
    code = ("import sys\nfrom pidgin_tui.providers.registry import default_registry\n"
            "r = default_registry(); r.resolve('claude'); r.resolve('gpt')\n"
            "p = r.provider_for(r.resolve('claude'))\n"
            "print(','.join(m for m in ('anthropic', 'openai', 'google.genai', 'httpx2')"
            " if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=cli_env(ANTHROPIC_API_KEY="x"), check=True)
    assert result.stdout.strip() == ""


@pytest.mark.parametrize("alias, name", [("claude", "anthropic"), ("gpt", "openai"),
                                         ("gemini", "google"), ("grok", "xai"),
                                         ("ollama:llama3.2", "ollama")])
async def test_registry_providers_use_the_standard_env_vars(
        fake_server: FakeLLMServer, point_env_at, alias: str, name: str):  # type: ignore[no-untyped-def]
    point_env_at(fake_server)
    fake_server.add(name, Reply(text=f"hello from {name}"))
    registry = default_registry()
    info = registry.resolve(alias)
    provider = registry.provider_for(info)
    fake_server.clients.append(provider)
    assert isinstance(provider, LimitedProvider) and provider.name == name
    request = ProviderRequest(model=info.model_id, system="s", messages=[ChatMessage("user", "hi")])
    text = "".join([c.text async for c in provider.stream(request) if isinstance(c, TextChunk)])
    assert text == f"hello from {name}"
    assert len(fake_server.of(name)) == 1


async def test_missing_key_is_an_auth_error_naming_the_variable():
    registry = default_registry()
    provider = registry.provider_for(registry.resolve("grok"))
    request = ProviderRequest(model="grok-4.3", system="", messages=[ChatMessage("user", "hi")])
    with pytest.raises(ProviderError) as caught:
        async for _ in provider.stream(request):
            pass
    assert caught.value.kind == "auth"
    assert "XAI_API_KEY" in str(caught.value)


def test_a_shared_provider_survives_a_new_event_loop(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The registry's provider lives for the process; each asyncio.run gets fresh connections."""
    import asyncio

    from tests.providers.conftest import FAKE_KEY

    async def one_request() -> str:
        server = FakeLLMServer()
        await server.start()
        try:
            monkeypatch.setenv("OPENAI_BASE_URL", f"{server.base}/v1")
            monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
            from pidgin_tui import config
            config.reset_settings()
            request = ProviderRequest(model="gpt-5.5", system="",
                                      messages=[ChatMessage("user", "hi")])
            return "".join([c.text async for c in provider.stream(request)
                            if isinstance(c, TextChunk)])
        finally:
            await server.close()

    registry = default_registry()
    provider = registry.provider_for(registry.resolve("gpt"))
    assert asyncio.run(one_request()) == "Hello from the fake."
    assert asyncio.run(one_request()) == "Hello from the fake."
