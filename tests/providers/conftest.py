"""Fixtures for provider tests: a loopback fake server, isolated settings, and a network guard.

The guard makes every test here fail if anything resolves a non-loopback host (a provider base
URL pointing at the internet) or if a base-URL variable is left pointing elsewhere.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit

import pytest

from pidgin_tui import config
from pidgin_tui.core.provider_table import provider_specs
from pidgin_tui.providers import pricing, registry
from tests.fakes.llm_server import FakeLLMServer

FAKE_KEY = "sk-FAKE-KEY-DO-NOT-LEAK-123"
LOOPBACK = {"127.0.0.1", "::1", "localhost", "", None}
BASE_URL_VARS = tuple(spec.base_url_env_var for spec in provider_specs() if spec.base_url_env_var)
KEY_VARS = tuple(var for spec in provider_specs() for var in spec.key_env_vars)


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url if "://" in url else f"http://{url}").hostname
    return host in LOOPBACK


@pytest.fixture(autouse=True)
def loopback_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Refuse name resolution of any non-loopback host, and fail the test if one was tried."""
    violations: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def guarded(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        name = host.decode() if isinstance(host, bytes) else host
        if name not in LOOPBACK:
            violations.append(str(name))
            raise OSError(f"test guard: refusing to reach non-loopback host {name!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    yield violations
    bad_env = [f"{v}={os.environ[v]}" for v in BASE_URL_VARS
               if os.environ.get(v) and not is_loopback_url(os.environ[v])]
    if violations or bad_env:
        pytest.fail(f"a provider was pointed outside loopback: {violations + bad_env}")


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory: pytest.TempPathFactory,
                      monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No real keys, no user config, and base URLs on a closed loopback port by default."""
    monkeypatch.setenv("PIDGIN_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
    for var in KEY_VARS:
        monkeypatch.delenv(var, raising=False)
    for var in BASE_URL_VARS:
        monkeypatch.setenv(var, "http://127.0.0.1:9")
    config.reset_settings()
    pricing.reset_price_table()
    registry.reset_default_registry()
    yield
    config.reset_settings()
    pricing.reset_price_table()
    registry.reset_default_registry()


@pytest.fixture
async def fake_server() -> AsyncIterator[FakeLLMServer]:
    server = FakeLLMServer()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def point_env_at(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Point every provider's standard env vars (keys and base URLs) at a fake server."""
    def apply(server: FakeLLMServer) -> None:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base)
        monkeypatch.setenv("OPENAI_BASE_URL", f"{server.base}/v1")
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", server.base)
        monkeypatch.setenv("XAI_BASE_URL", f"{server.base}/xai/v1")
        monkeypatch.setenv("OLLAMA_HOST", server.base)
        for var in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY", "XAI_API_KEY"):
            monkeypatch.setenv(var, FAKE_KEY)
        config.reset_settings()
    return apply


def make_provider(name: str, server: FakeLLMServer, **kwargs):  # type: ignore[no-untyped-def]
    """An adapter pointed at the fake with the recognisable fake key (explicit arguments)."""
    provider = _build_provider(name, server, **kwargs)
    server.clients.append(provider)
    return provider


def _build_provider(name: str, server: FakeLLMServer, **kwargs):  # type: ignore[no-untyped-def]
    if name == "anthropic":
        from pidgin_tui.providers.anthropic import AnthropicProvider
        return AnthropicProvider(api_key=FAKE_KEY, base_url=server.base)
    if name == "openai":
        from pidgin_tui.providers.openai import OpenAIProvider
        return OpenAIProvider(api_key=FAKE_KEY, base_url=f"{server.base}/v1")
    if name == "xai":
        from pidgin_tui.providers.xai import XAIProvider
        return XAIProvider(api_key=FAKE_KEY, base_url=f"{server.base}/xai/v1")
    if name == "google":
        from pidgin_tui.providers.google import GoogleProvider
        return GoogleProvider(api_key=FAKE_KEY, base_url=server.base, **kwargs)
    if name == "ollama":
        from pidgin_tui.providers.ollama import OllamaProvider
        return OllamaProvider(host=server.base)
    raise ValueError(name)
