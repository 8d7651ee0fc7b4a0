"""A real A↔B conversation with a real (tiny) model, through the Ollama adapter and through an
OpenAI-compatible named endpoint.

`.ci/run` installs tools/tiny-llm (SmolLM2-135M through llama.cpp), serves it on a free loopback
port and sets PIDGIN_TINY_LLM_URL. The model's words are not asserted (they depend on the build);
the record is: non-empty messages, usage, and the parameters as sent.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from pidgin_tui.core.events import (
    ConversationEndEvent,
    Event,
    MessageCompleteEvent,
    MessageRequestEvent,
    TokenUsageEvent,
)
from pidgin_tui.record.jsonl import read_events
from tests.conftest import cli_command, cli_env

TINY_URL = os.environ.get("PIDGIN_TINY_LLM_URL", "")
MODEL = "smollm2:135m"
MAX_TOKENS = 24
TURNS = 2

pytestmark = pytest.mark.skipif(
    not TINY_URL, reason="PIDGIN_TINY_LLM_URL is not set: .ci/run starts the tiny real model "
    "(tools/tiny-llm/README.md) and sets it")


def run(tmp_path: Path, agent_a: str, agent_b: str, config: str = "") -> list[Event]:
    """One headless conversation; returns its JSONL events."""
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "config.toml").write_text(config)
    out = tmp_path / "out"
    result = subprocess.run(
        cli_command("run", "-a", agent_a, "-b", agent_b, "-t", str(TURNS), "--max-output-tokens",
                    str(MAX_TOKENS), "--temperature", "0.7", "--seed", "7", "--json",
                    "--no-post-process", "--output", str(out)),
        env=cli_env(OLLAMA_HOST=TINY_URL, PIDGIN_CONFIG_DIR=str(config_dir)),
        capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["completed"] == 1, summary
    (path,) = out.rglob("conv_*_events.jsonl")
    read = read_events(path)
    assert not read.errors
    return read.events


def assert_real_conversation(events: list[Event], ref: str) -> list[MessageRequestEvent]:
    """Both agents spoke every turn with real text and real usage; returns the requests."""
    messages = [e for e in events if isinstance(e, MessageCompleteEvent)]
    assert len(messages) == 2 * TURNS
    assert all(m.content.strip() and m.model == ref for m in messages)
    usage = [e for e in events if isinstance(e, TokenUsageEvent)]
    assert len(usage) == 2 * TURNS
    assert all(u.input_tokens > 0 and 0 < u.output_tokens <= MAX_TOKENS for u in usage)
    assert not any(u.estimated for u in usage)  # counted by the server, not guessed
    # the history grows: each request carries more input than the one before
    inputs = [u.input_tokens for u in usage]
    assert inputs == sorted(inputs) and inputs[-1] > inputs[0]
    (end,) = [e for e in events if isinstance(e, ConversationEndEvent)]
    assert end.status == "completed" and end.total_turns == TURNS
    requests = [e for e in events if isinstance(e, MessageRequestEvent)]
    assert len(requests) == 2 * TURNS
    for request in requests:
        assert request.effective["temperature"] == 0.7
        assert request.effective["max_output_tokens"] == MAX_TOKENS
    return requests


def test_a_real_conversation_through_the_ollama_adapter(tmp_path: Path) -> None:
    ref = f"ollama:{MODEL}"
    requests = assert_real_conversation(run(tmp_path, ref, ref), ref)
    for request in requests:
        sent = request.effective["sent"]
        # num_ctx from the model's real context length (/api/show says 8192), num_predict from
        # the max output tokens
        assert sent["num_ctx"] == 8192 and sent["num_predict"] == MAX_TOKENS


def test_a_real_conversation_through_an_openai_compatible_named_endpoint(tmp_path: Path) -> None:
    ref = f"tiny:{MODEL}"
    config = (f'[endpoints.tiny]\nkind = "openai"\nbase_url = "{TINY_URL}/v1"\n'
              f'models = ["{MODEL}"]\n\n[prices."{ref}"]\ninput = 0\noutput = 0\n')
    events = run(tmp_path, ref, ref, config)
    assert_real_conversation(events, ref)
    usage = [e for e in events if isinstance(e, TokenUsageEvent)]
    assert all(u.provider == "tiny" and u.cost_usd == 0 for u in usage)
