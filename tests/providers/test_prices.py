"""Prices as dated data: cache buckets filled, long-context tiers, and budgets that refuse to
pretend an unpriced model costs nothing."""

from __future__ import annotations

import json
from pathlib import Path

from pidgin_tui.providers.base import UsageChunk
from pidgin_tui.providers.pricing import cost_for, price_table
from pidgin_tui.providers.registry import default_registry
from tests.providers.test_commands import cli


def test_the_gemini_alias_prices_implicitly_cached_tokens() -> None:
    info = default_registry().resolve("gemini")
    cost = cost_for(info, UsageChunk(input_tokens=1000, output_tokens=100,
                                     cache_read_tokens=4000))
    assert cost is not None and cost > 0


def test_long_prompts_are_billed_at_the_long_context_tier() -> None:
    info = default_registry().resolve("google:gemini-2.5-pro")
    short = cost_for(info, UsageChunk(input_tokens=100_000, output_tokens=1000))
    long = cost_for(info, UsageChunk(input_tokens=150_000, cache_read_tokens=60_000,
                                     output_tokens=1000))
    assert short == (100_000 * 1.25 + 1000 * 10.0) / 1e6
    assert long == (150_000 * 2.50 + 60_000 * 0.25 + 1000 * 15.0) / 1e6


def test_every_catalog_model_with_a_cache_read_bucket_is_priced_for_it() -> None:
    for ref, price in price_table().models.items():
        if not ref.startswith("local"):
            assert price.cache_read is not None, ref


async def test_a_budget_with_an_unpriced_model_refuses_unless_allowed(tmp_path: Path):
    args = ("run", "-a", "openai:gpt-99-lab", "-b", "local:test", "-t", "1",
            "--budget-usd", "0.005", "--output", str(tmp_path))
    code, _, err = await cli(*args, "--no-post-process")
    assert code == 2
    assert "openai:gpt-99-lab: unpriced" in err and "--allow-unpriced" in err
    code, out, _ = await cli(*args, "--dry-run", "--json")
    assert code == 0
    assert any("unpriced" in w for w in json.loads(out)["parameter_warnings"])


async def test_models_prices_shows_the_date_and_the_tiers() -> None:
    code, out, _ = await cli("models", "--prices", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["prices_as_of"] == price_table().as_of and data["source"]
    rows = {r["ref"]: r for r in data["models"]}
    assert rows["google:gemini-2.5-pro"]["long_context"]["above"] == 200_000
    code, out, _ = await cli("models", "--prices")
    assert f"prices as of {price_table().as_of}" in out.splitlines()[0]
