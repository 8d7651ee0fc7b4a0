"""The guard that keeps provider tests off the internet actually stops a real host."""

from __future__ import annotations

import socket

import pytest

from pidgin_tui.core.provider import ChatMessage, ProviderError, ProviderRequest
from tests.providers.conftest import FAKE_KEY, is_loopback_url


def test_guard_refuses_non_loopback_names(loopback_guard: list[str]):
    with pytest.raises(OSError, match="non-loopback"):
        socket.getaddrinfo("api.anthropic.com", 443)
    assert loopback_guard == ["api.anthropic.com"]
    loopback_guard.clear()  # tripped on purpose; the guard would otherwise fail this test
    assert socket.getaddrinfo("127.0.0.1", 80)


@pytest.mark.parametrize("name", ["anthropic", "openai", "google"])
async def test_an_adapter_aimed_at_the_real_api_is_stopped(loopback_guard: list[str],
                                                           name: str):
    if name == "anthropic":
        from pidgin_tui.providers.anthropic import AnthropicProvider
        provider = AnthropicProvider(api_key=FAKE_KEY, base_url="https://api.anthropic.com")
    elif name == "openai":
        from pidgin_tui.providers.openai import OpenAIProvider
        provider = OpenAIProvider(api_key=FAKE_KEY, base_url="https://api.openai.com/v1")
    else:
        from pidgin_tui.providers.google import GoogleProvider
        provider = GoogleProvider(api_key=FAKE_KEY,
                                  base_url="https://generativelanguage.googleapis.com")
    request = ProviderRequest(model="m", system="", messages=[ChatMessage("user", "hi")])
    with pytest.raises(ProviderError) as caught:
        async for _ in provider.stream(request):
            pass
    await provider.aclose()
    assert caught.value.kind == "connection"
    assert loopback_guard and all(not is_loopback_url(h) for h in loopback_guard)
    loopback_guard.clear()


def test_loopback_url_check():
    assert is_loopback_url("http://127.0.0.1:9/v1") and is_loopback_url("localhost:11434")
    assert not is_loopback_url("https://api.x.ai/v1")
