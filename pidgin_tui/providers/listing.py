"""Rows for `pidgin-tui models`: every known model with its limits, price and key status."""

from __future__ import annotations

from typing import Any

from pidgin_tui.config import Settings, key_env_hint, needs_key, settings
from pidgin_tui.providers.pricing import PriceTable, format_price, price_table
from pidgin_tui.providers.registry import Registry


def key_status(provider: str, config: Settings) -> tuple[bool, str]:
    """(usable, description): whether a request could be sent, and why (never the key itself)."""
    if not needs_key(provider, config):
        return True, "no key needed"
    source = config.key_source(provider)
    if source is None:
        return False, f"missing: set {key_env_hint(provider)}"
    return True, f"set ({source})"


def models_table(registry: Registry, config: Settings | None = None,
                 prices: PriceTable | None = None) -> list[dict[str, Any]]:
    """One dict per model, sorted local first then by reference."""
    config = config or settings()
    prices = prices or price_table()
    rows: list[dict[str, Any]] = []
    for info in registry.list_models():
        price = prices.price_for(info)
        usable, key_text = key_status(info.provider, config)
        rows.append({
            "ref": info.ref,
            "provider": info.provider,
            "model_id": info.model_id,
            "name": info.display_name,
            "aliases": list(info.aliases),
            "context_window": info.context_window,
            "max_output_tokens": info.max_output_tokens,
            "thinking": info.supports_thinking,
            "temperature_range": list(info.temperature_range),
            "price_input_per_1m": None if price is None else price.input,
            "price_output_per_1m": None if price is None else price.output,
            "price_cache_read_per_1m": None if price is None else price.cache_read,
            "price_cache_write_per_1m": None if price is None else price.cache_write,
            "price": format_price(price),
            "priced": price is not None,
            "price_overridden": info.ref in prices.overridden,
            "key_set": usable,
            "key": key_text,
            "description": info.description,
            "deprecated": info.deprecated,
        })
    return rows


def prices_as_of() -> str:
    return price_table().as_of
