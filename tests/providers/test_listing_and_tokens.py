"""`pidgin-tui models` rows, and offline token estimates."""

from __future__ import annotations

from pidgin_tui.core.types import ChatMessage
from pidgin_tui.providers import tokens
from pidgin_tui.providers.listing import models_table
from pidgin_tui.providers.registry import default_registry
from tests.providers.conftest import FAKE_KEY


def test_rows_show_prices_and_whether_each_key_is_set(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    rows = {r["ref"]: r for r in models_table(default_registry())}
    sonnet = rows["anthropic:claude-sonnet-5"]
    assert sonnet["price"] == "$3 in / $15 out" and sonnet["price_input_per_1m"] == 3.0
    assert sonnet["key_set"] and sonnet["key"] == "set (ANTHROPIC_API_KEY)"
    gpt = rows["openai:gpt-5.5"]
    assert not gpt["key_set"] and "OPENAI_API_KEY" in gpt["key"]
    assert rows["local:test"]["price"] == "free" and rows["local:test"]["key_set"]
    assert "claude" in sonnet["aliases"] and sonnet["context_window"] == 1_000_000
    assert FAKE_KEY not in str(rows)


def test_o200k_counts_and_character_fallback(monkeypatch):  # type: ignore[no-untyped-def]
    assert tokens.estimate_tokens("hello world") == 2
    assert tokens.estimate_tokens("") == 0
    monkeypatch.setattr(tokens, "_encoding", lambda: None)
    assert tokens.estimate_tokens("hello world") == 3  # ceil(11 / 4)


def test_message_estimates_include_framing_and_are_marked():
    total = tokens.estimate_messages("be brief", [ChatMessage("user", "hello world")])
    assert total == tokens.estimate_tokens("be brief") + 2 + 2 * tokens.MESSAGE_OVERHEAD_TOKENS
    assert tokens.estimated_usage(total).estimated


def test_real_providers_get_the_offline_tokenizer_local_models_the_cheap_rule():
    text = "Tokenizers count words like 'unbelievable' differently from characters."
    assert tokens.estimator_for(["local", "local"])(text) == tokens.chars_estimate(text)
    assert tokens.estimator_for(["local", "anthropic"])(text) == tokens.estimate_tokens(text)
    assert tokens.estimate_tokens(text) != tokens.chars_estimate(text)
