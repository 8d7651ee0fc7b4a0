"""Each adapter, through its real SDK, sends the exact payload its API expects and streams back
text, thinking, normalised usage and a finish reason."""

from __future__ import annotations

import pytest

from pidgin_tui.providers.base import (
    ChatMessage,
    FinishChunk,
    ProviderRequest,
    TextChunk,
    ThinkingChunk,
    UsageChunk,
)
from tests.fakes.llm_server import FakeLLMServer, Reply
from tests.providers.conftest import FAKE_KEY, make_provider

HISTORY = [ChatMessage("user", "Hello, shall we talk?"),
           ChatMessage("assistant", "Gladly."),
           ChatMessage("user", "Then tell me about rivers.")]


def request(model: str, **kw: object) -> ProviderRequest:
    return ProviderRequest(model=model, system="You are Agent A.", messages=list(HISTORY), **kw)


async def collect(provider, req):  # type: ignore[no-untyped-def]
    return [chunk async for chunk in provider.stream(req)]


def split(chunks):  # type: ignore[no-untyped-def]
    text = "".join(c.text for c in chunks if isinstance(c, TextChunk))
    thinking = "".join(c.text for c in chunks if isinstance(c, ThinkingChunk))
    usage = [c for c in chunks if isinstance(c, UsageChunk)]
    finish = [c.reason for c in chunks if isinstance(c, FinishChunk)]
    return text, thinking, usage, finish


async def test_anthropic_payload_adaptive_thinking(fake_server: FakeLLMServer):
    fake_server.add("anthropic", Reply(text="Rivers carve time.", thinking="Consider water.",
                                       input_tokens=40, output_tokens=25, cache_read=100,
                                       cache_write=7))
    chunks = await collect(make_provider("anthropic", fake_server),
                           request("claude-sonnet-5", think=True, think_budget=2000,
                                   temperature=0.7, max_output_tokens=1000))
    (sent,) = fake_server.of("anthropic")
    assert sent.path == "/v1/messages"
    assert sent.body == {
        "model": "claude-sonnet-5", "stream": True, "system": "You are Agent A.",
        "messages": [{"role": "user", "content": "Hello, shall we talk?"},
                     {"role": "assistant", "content": "Gladly."},
                     {"role": "user", "content": "Then tell me about rivers."}],
        # the current API rejects sampling parameters, so no temperature is sent
        "thinking": {"type": "adaptive", "display": "summarized"},
        "output_config": {"effort": "low"}, "max_tokens": 1000,
    }
    assert sent.headers["Authorization"] == f"Bearer {FAKE_KEY}"
    text, thinking, usage, finish = split(chunks)
    assert (text, thinking, finish) == ("Rivers carve time.", "Consider water.", ["stop"])
    assert usage == [UsageChunk(input_tokens=40, output_tokens=25, cache_read_tokens=100,
                                cache_write_tokens=7)]


async def test_anthropic_manual_thinking_budget_on_older_models(fake_server: FakeLLMServer):
    await collect(make_provider("anthropic", fake_server),
                  request("claude-haiku-4-5", think=True, think_budget=2000,
                          max_output_tokens=1000))
    body = fake_server.of("anthropic")[0].body
    # the budget is part of max_tokens, so max_tokens grows to leave room for the reply
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2000}
    assert body["max_tokens"] == 3000


async def test_anthropic_thinking_off_and_redacted(fake_server: FakeLLMServer):
    fake_server.add("anthropic", Reply(redacted_thinking=True, finish="length"))
    chunks = await collect(make_provider("anthropic", fake_server),
                           request("claude-opus-4-8", temperature=0.3))
    body = fake_server.of("anthropic")[0].body
    assert "temperature" not in body and body["max_tokens"] == 4096
    assert body["thinking"] == {"type": "disabled"}
    _, thinking, _, finish = split(chunks)
    assert thinking == "[redacted thinking]" and finish == ["length"]


async def test_anthropic_mythos_class_never_sends_disabled(fake_server: FakeLLMServer):
    await collect(make_provider("anthropic", fake_server), request("claude-fable-5"))
    assert "thinking" not in fake_server.of("anthropic")[0].body


@pytest.mark.parametrize("name, path", [("openai", "/v1/chat/completions"),
                                        ("xai", "/xai/v1/chat/completions")])
async def test_openai_format_payload_and_usage(fake_server: FakeLLMServer, name: str, path: str):
    fake_server.add(name, Reply(text="Water remembers.", thinking="hmm", input_tokens=30,
                                cache_read=20, output_tokens=15, reasoning=5))
    model = "gpt-4.1" if name == "openai" else "grok-4.3"
    chunks = await collect(make_provider(name, fake_server),
                           request(model, temperature=0.9, max_output_tokens=500))
    (sent,) = fake_server.of(name)
    assert sent.path == path
    limit_field = "max_completion_tokens" if name == "openai" else "max_tokens"
    assert sent.body == {
        "model": model, "stream": True, "stream_options": {"include_usage": True},
        "messages": [{"role": "system", "content": "You are Agent A."},
                     {"role": "user", "content": "Hello, shall we talk?"},
                     {"role": "assistant", "content": "Gladly."},
                     {"role": "user", "content": "Then tell me about rivers."}],
        "temperature": 0.9, limit_field: 500,
        # thinking off: grok-4.3 at its lowest effort (xAI has no "none")
        **({"reasoning_effort": "low"} if name == "xai" else {}),
    }
    text, thinking, usage, finish = split(chunks)
    assert (text, thinking, finish) == ("Water remembers.", "hmm", ["stop"])
    # prompt_tokens (50) includes the 20 cached tokens; our input excludes them
    assert usage == [UsageChunk(input_tokens=30, output_tokens=15, cache_read_tokens=20,
                                reasoning_tokens=5)]


async def test_openai_reasoning_model_gets_effort_not_temperature(fake_server: FakeLLMServer):
    await collect(make_provider("openai", fake_server),
                  request("gpt-5.5", temperature=0.9, think=True, think_budget=20000))
    body = fake_server.of("openai")[0].body
    assert "temperature" not in body and body["reasoning_effort"] == "high"


async def test_xai_reasoning_effort(fake_server: FakeLLMServer):
    await collect(make_provider("xai", fake_server),
                  request("grok-4.3", think=True, think_budget=2000))
    assert fake_server.of("xai")[0].body["reasoning_effort"] == "low"


@pytest.mark.parametrize("version", ["v1", "v1beta"])
async def test_gemini_payload_on_both_api_versions(fake_server: FakeLLMServer, version: str):
    fake_server.add("google", Reply(text="Currents.", thinking="Think of deltas.",
                                    input_tokens=33, cache_read=10, output_tokens=21,
                                    reasoning=8))
    chunks = await collect(make_provider("google", fake_server, api_version=version),
                           request("gemini-2.5-flash", temperature=0.4, max_output_tokens=256,
                                   think=True, think_budget=1024))
    (sent,) = fake_server.of("google")
    assert sent.path == f"/{version}/models/gemini-2.5-flash:streamGenerateContent"
    assert sent.query == {"alt": "sse"}
    assert sent.headers["x-goog-api-key"] == FAKE_KEY
    assert sent.body["systemInstruction"] == {"parts": [{"text": "You are Agent A."}],
                                              "role": "user"}
    assert sent.body["contents"] == [
        {"role": "user", "parts": [{"text": "Hello, shall we talk?"}]},
        {"role": "model", "parts": [{"text": "Gladly."}]},
        {"role": "user", "parts": [{"text": "Then tell me about rivers."}]}]
    generation = sent.body["generationConfig"]
    assert generation["temperature"] == 0.4 and generation["maxOutputTokens"] == 256
    thinking_config = generation["thinkingConfig"]
    assert thinking_config.get("includeThoughts", thinking_config.get("include_thoughts"))
    assert thinking_config.get("thinkingBudget",
                               thinking_config.get("thinking_budget")) == 1024
    text, thinking, usage, finish = split(chunks)
    assert (text, thinking, finish) == ("Currents.", "Think of deltas.", ["stop"])
    # Gemini's prompt count includes cached content; thoughts are separate from candidates
    assert usage == [UsageChunk(input_tokens=33, output_tokens=21, cache_read_tokens=10,
                                reasoning_tokens=8)]


async def test_ollama_payload_and_usage(fake_server: FakeLLMServer):
    fake_server.add("ollama", Reply(text="Local rivers.", thinking="Small thought.",
                                    input_tokens=17, output_tokens=9))
    chunks = await collect(make_provider("ollama", fake_server),
                           request("llama3.2", temperature=0.2, max_output_tokens=64, think=True))
    (sent,) = fake_server.of("ollama")
    assert sent.path == "/api/chat"
    assert sent.body == {
        "model": "llama3.2", "stream": True, "think": True,
        "options": {"temperature": 0.2, "num_predict": 64},
        "messages": [{"role": "system", "content": "You are Agent A."},
                     {"role": "user", "content": "Hello, shall we talk?"},
                     {"role": "assistant", "content": "Gladly."},
                     {"role": "user", "content": "Then tell me about rivers."}],
    }
    text, thinking, usage, finish = split(chunks)
    assert (text, thinking, finish) == ("Local rivers.", "Small thought.", ["stop"])
    assert usage == [UsageChunk(input_tokens=17, output_tokens=9)]


async def test_empty_system_prompt_is_not_sent(fake_server: FakeLLMServer):
    req = ProviderRequest(model="llama3.2", system="", messages=[ChatMessage("user", "hi")])
    for name in ("anthropic", "openai", "ollama"):
        await collect(make_provider(name, fake_server), req)
    assert "system" not in fake_server.of("anthropic")[0].body
    assert [m["role"] for m in fake_server.of("openai")[0].body["messages"]] == ["user"]
    assert [m["role"] for m in fake_server.of("ollama")[0].body["messages"]] == ["user"]
