"""Every failure a provider can produce is classified into the kind the retry layer acts on."""

from __future__ import annotations

import pytest

from pidgin_tui.core.provider import ChatMessage, ProviderError, ProviderRequest, TextChunk
from pidgin_tui.providers.limits import LimitedProvider, StreamLimits
from tests.fakes.llm_server import FakeLLMServer, Fault, Reply
from tests.providers.conftest import FAKE_KEY, make_provider

ALL = ["anthropic", "openai", "xai", "google", "ollama"]
CLOUD = ["anthropic", "openai", "xai", "google"]
MODELS = {"anthropic": "claude-sonnet-5", "openai": "gpt-5.5", "xai": "grok-4.3",
          "google": "gemini-3.5-flash", "ollama": "llama3.2"}
TEXT = "one two three four five six"


def request(name: str) -> ProviderRequest:
    return ProviderRequest(model=MODELS[name], system="sys",
                           messages=[ChatMessage("user", "hi")])


async def failure(provider, req) -> tuple[ProviderError, str]:  # type: ignore[no-untyped-def]
    """Run the stream to its failure; return the error and the text that arrived before it."""
    text: list[str] = []
    with pytest.raises(ProviderError) as caught:
        async for chunk in provider.stream(req):
            if isinstance(chunk, TextChunk):
                text.append(chunk.text)
    return caught.value, "".join(text)


@pytest.mark.parametrize("name", CLOUD)
async def test_rate_limit_honours_retry_after(fake_server: FakeLLMServer, name: str):
    fake_server.add(name, Reply(fault=Fault(status=429, retry_after=7, message="slow down")))
    error, _ = await failure(make_provider(name, fake_server), request(name))
    assert (error.kind, error.status_code, error.retry_after_s) == ("rate_limit", 429, 7.0)
    assert error.retryable and error.provider == name


@pytest.mark.parametrize("name, status, kind", [
    ("anthropic", 529, "overloaded"), ("google", 503, "overloaded"),
    ("openai", 500, "server"), ("xai", 502, "server"), ("ollama", 500, "server"),
    ("anthropic", 400, "bad_request"), ("openai", 400, "bad_request"),
    ("google", 400, "bad_request"), ("openai", 404, "not_found"),
])
async def test_status_errors(fake_server: FakeLLMServer, name: str, status: int, kind: str):
    error_type = {"anthropic": "overloaded_error" if status == 529 else None}.get(name)
    fake_server.add(name, Reply(fault=Fault(status=status, error_type=error_type,
                                            message="something failed")))
    error, _ = await failure(make_provider(name, fake_server), request(name))
    assert (error.kind, error.status_code) == (kind, status)
    assert error.retryable == (kind in ("overloaded", "server"))


@pytest.mark.parametrize("name, env_var", [
    ("anthropic", "ANTHROPIC_API_KEY"), ("openai", "OPENAI_API_KEY"),
    ("xai", "XAI_API_KEY"), ("google", "GEMINI_API_KEY")])
async def test_auth_errors_name_the_variable_and_never_the_key(
        fake_server: FakeLLMServer, name: str, env_var: str):
    status = 403 if name == "xai" else 401
    fake_server.add(name, Reply(fault=Fault(status=status, message=f"bad key {FAKE_KEY}")))
    error, _ = await failure(make_provider(name, fake_server), request(name))
    assert error.kind == "auth" and not error.retryable
    assert env_var in str(error)
    assert FAKE_KEY not in str(error) and FAKE_KEY not in repr(error)


@pytest.mark.parametrize("name", CLOUD)
async def test_context_too_long_is_its_own_kind(fake_server: FakeLLMServer, name: str):
    message = {"anthropic": "prompt is too long: 250000 tokens > 200000 maximum",
               "google": "The input token count (2000000) exceeds the maximum",
               }.get(name, "This model's maximum context length is 128000 tokens")
    error_type = "context_length_exceeded" if name in ("openai", "xai") else None
    fake_server.add(name, Reply(fault=Fault(status=400, error_type=error_type, message=message)))
    error, _ = await failure(make_provider(name, fake_server), request(name))
    assert error.kind == "context_length" and not error.retryable


async def test_anthropic_overloaded_inside_a_200_stream(fake_server: FakeLLMServer):
    fake_server.add("anthropic", Reply(text=TEXT, fault=Fault(stream_error="overloaded_error",
                                                              message="Overloaded")))
    error, partial = await failure(make_provider("anthropic", fake_server),
                                   request("anthropic"))
    assert error.kind == "overloaded" and error.retryable
    assert partial == "one "  # the partial text arrived before the error


@pytest.mark.parametrize("name", ["openai", "xai", "google", "ollama"])
async def test_in_stream_error_events(fake_server: FakeLLMServer, name: str):
    fake_server.add(name, Reply(text=TEXT, fault=Fault(stream_error="UNAVAILABLE")))
    error, _ = await failure(make_provider(name, fake_server), request(name))
    assert error.retryable and error.kind in ("server", "overloaded")


@pytest.mark.parametrize("name", ALL)
async def test_dropped_connection_mid_stream(fake_server: FakeLLMServer, name: str):
    fake_server.add(name, Reply(text=TEXT, fault=Fault(drop_after=2)))
    error, partial = await failure(make_provider(name, fake_server), request(name))
    assert error.kind == "connection" and error.retryable
    assert partial == "one two "


@pytest.mark.parametrize("name", ALL)
async def test_clean_eof_without_finish_reason_is_an_error(fake_server: FakeLLMServer,
                                                            name: str):
    fake_server.add(name, Reply(text=TEXT, fault=Fault(no_finish=True)))
    error, partial = await failure(make_provider(name, fake_server), request(name))
    assert error.kind == "incomplete_stream" and error.retryable
    assert partial == TEXT  # every word arrived, and it is still not a complete message


@pytest.mark.parametrize("name", ALL)
async def test_slow_first_token_times_out(fake_server: FakeLLMServer, name: str):
    fake_server.add(name, Reply(fault=Fault(first_token_delay=30)))
    limited = LimitedProvider(make_provider(name, fake_server),
                              StreamLimits(first_token_s=0.2, total_s=None))
    error, _ = await failure(limited, request(name))
    assert error.kind == "timeout" and error.retryable
    assert "first token" in str(error)


async def test_total_timeout(fake_server: FakeLLMServer):
    fake_server.add("openai", Reply(fault=Fault(first_token_delay=30)))
    limited = LimitedProvider(make_provider("openai", fake_server),
                              StreamLimits(first_token_s=None, total_s=0.2))
    error, _ = await failure(limited, request("openai"))
    assert error.kind == "timeout" and "response" in str(error)


@pytest.mark.parametrize("name", CLOUD)
async def test_unreachable_server_is_a_connection_error(name: str):
    server = FakeLLMServer()  # never started: port 9 on loopback refuses connections
    server.port = 9
    error, _ = await failure(make_provider(name, server), request(name))
    assert error.kind == "connection" and error.retryable
