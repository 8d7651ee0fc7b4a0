"""Prices are per 1M tokens, dated, overridable, and an unknown price is never guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from pidgin_tui import config
from pidgin_tui.providers import pricing
from pidgin_tui.providers.base import UsageChunk
from pidgin_tui.providers.registry import ModelInfo, default_registry

SONNET = ModelInfo("anthropic", "claude-sonnet-5", "Claude Sonnet 5", 1_000_000, 128_000)


def test_known_usage_gives_the_known_dollar_figure():
    usage = UsageChunk(input_tokens=120_000, output_tokens=8_000, cache_read_tokens=400_000,
                       cache_write_tokens=50_000, reasoning_tokens=3_000)
    # $3 × 0.12 + $15 × 0.008 + $0.30 × 0.4 + $3.75 × 0.05 = 0.36 + 0.12 + 0.12 + 0.1875
    assert pricing.cost_for(SONNET, usage) == pytest.approx(0.7875, abs=1e-12)


def test_one_million_input_tokens_cost_the_listed_price():
    """Guards against per-token prices stored in per-1M fields (costs 10⁶× too low)."""
    assert pricing.cost_for(SONNET, UsageChunk(input_tokens=1_000_000)) == pytest.approx(3.0)
    assert pricing.cost_for(SONNET, UsageChunk(output_tokens=1_000_000)) == pytest.approx(15.0)


def test_reasoning_tokens_are_billed_as_output_not_twice():
    with_reasoning = UsageChunk(input_tokens=10, output_tokens=1000, reasoning_tokens=800)
    without = UsageChunk(input_tokens=10, output_tokens=1000)
    assert pricing.cost_for(SONNET, with_reasoning) == pricing.cost_for(SONNET, without)


def test_the_table_is_dated_and_every_catalog_model_has_a_sane_price():
    table = pricing.load_shipped_table()
    assert table.as_of == "2026-11-24"
    for info in default_registry().list_models():
        price = table.price_for(info)
        assert price is not None, f"{info.ref} has no price"
        if info.provider not in ("local", "ollama"):
            assert 0.01 <= price.input <= 100 and price.output >= price.input, info.ref


def test_unpriced_models_and_unknown_usage_are_none():
    unknown = ModelInfo("openai", "gpt-99", "gpt-99", 128_000, 8192)
    assert pricing.cost_for(unknown, UsageChunk(input_tokens=5)) is None
    assert pricing.cost_for(SONNET, UsageChunk()) is None  # nothing reported: not "free"
    no_cache_price = pricing.Price(input=1.0, output=2.0)
    assert no_cache_price.cost(UsageChunk(input_tokens=5, cache_read_tokens=100)) is None


def test_local_and_ollama_are_free():
    llama = ModelInfo("ollama", "llama3.2", "llama3.2", 128_000, 8192)
    assert pricing.cost_for(llama, UsageChunk(input_tokens=5000, output_tokens=500)) == 0.0
    local = default_registry().resolve("local")
    assert pricing.cost_for(local, UsageChunk(input_tokens=5)) == 0.0


def test_user_overrides_replace_and_add_prices(tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    (tmp_path / "config.toml").write_text(
        '[prices."anthropic:claude-sonnet-5"]\ninput = 2.0\n'
        '[prices."openai:my-finetune"]\ninput = 1.0\noutput = 4.0\n')
    monkeypatch.setenv("PIDGIN_CONFIG_DIR", str(tmp_path))
    config.reset_settings()
    pricing.reset_price_table()
    assert pricing.cost_for(SONNET, UsageChunk(1_000_000, 1_000_000)) == pytest.approx(17.0)
    tuned = ModelInfo("openai", "my-finetune", "ft", 128_000, 8192)
    assert pricing.cost_for(tuned, UsageChunk(1_000_000, 1_000_000)) == pytest.approx(5.0)
    assert "anthropic:claude-sonnet-5" in pricing.price_table().overridden


def test_format_price():
    assert pricing.format_price(None) == "unpriced"
    assert pricing.format_price(pricing.Price(0.0, 0.0)) == "free"
    assert pricing.format_price(pricing.Price(3.0, 15.0)) == "$3 in / $15 out"
