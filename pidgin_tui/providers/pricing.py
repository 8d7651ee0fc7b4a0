"""Prices in USD per 1M tokens, from the dated table shipped as data plus the user's overrides.

The cost of a usage is `Σ tokens × price / 1_000_000` over input, output (reasoning included),
cache read and cache write. A model without a price is unpriced: its cost is None, never a guess.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from pidgin_tui.providers.base import UsageChunk
from pidgin_tui.providers.registry import ModelInfo

PER_TOKENS = 1_000_000
"""Every price is per this many tokens."""


@dataclass(slots=True, frozen=True)
class Price:
    """USD per 1M tokens. A bucket without a price cannot be costed (see `cost`)."""

    input: float
    output: float
    cache_read: float | None = None
    cache_write: float | None = None
    long_context: tuple[int, Price] | None = None
    """(prompt tokens above which it applies, the price then): Gemini Pro and Grok bill a
    whole request at a higher tier when its prompt is long."""

    def cost(self, usage: UsageChunk) -> float | None:
        """USD for `usage`; None if it used a cache bucket this model has no price for."""
        if self.long_context is not None:
            above, tier = self.long_context
            prompt = usage.input_tokens + usage.cache_read_tokens + usage.cache_write_tokens
            if prompt > above:
                return tier.cost(usage)
        if (usage.cache_read_tokens and self.cache_read is None) \
                or (usage.cache_write_tokens and self.cache_write is None):
            return None
        total = (usage.input_tokens * self.input + usage.output_tokens * self.output
                 + usage.cache_read_tokens * (self.cache_read or 0.0)
                 + usage.cache_write_tokens * (self.cache_write or 0.0))
        return total / PER_TOKENS

    @property
    def free(self) -> bool:
        return self.input == 0 and self.output == 0


def _price(table: dict[str, Any]) -> Price:
    tier = table.get("long_context")
    return Price(input=float(table["input"]), output=float(table["output"]),
                 cache_read=None if "cache_read" not in table else float(table["cache_read"]),
                 cache_write=None if "cache_write" not in table else float(table["cache_write"]),
                 long_context=None if not tier else (int(tier["above"]), _price(
                     {k: v for k, v in tier.items() if k != "above"})))


@dataclass(slots=True)
class PriceTable:
    as_of: str
    source: str
    models: dict[str, Price]
    providers: dict[str, Price]
    overridden: frozenset[str] = frozenset()

    def price_for(self, info: ModelInfo) -> Price | None:
        return self.models.get(info.ref) or self.providers.get(info.provider)

    def cost(self, info: ModelInfo, usage: UsageChunk) -> float | None:
        """USD for `usage` on `info`'s model, or None when the model (or its usage) is unknown."""
        price = self.price_for(info)
        if price is None:
            return None
        if price.free:
            return 0.0
        if not (usage.input_tokens or usage.output_tokens or usage.cache_read_tokens
                or usage.cache_write_tokens):
            return None  # the provider reported no usage: an unknown cost, not a free one
        return price.cost(usage)

    def with_overrides(self, overrides: dict[str, dict[str, float]]) -> PriceTable:
        """A copy where each `provider:model` (or bare provider) entry replaces the shipped one."""
        models, providers = dict(self.models), dict(self.providers)
        for ref, table in overrides.items():
            base = models.get(ref) or providers.get(ref)
            merged = {"input": base.input, "output": base.output} if base else {}
            if base and base.cache_read is not None:
                merged["cache_read"] = base.cache_read
            if base and base.cache_write is not None:
                merged["cache_write"] = base.cache_write
            merged.update(table)
            if "input" not in merged or "output" not in merged:
                continue  # a partial override of an unpriced model cannot be priced
            (models if ":" in ref else providers)[ref] = _price(merged)
        return PriceTable(self.as_of, self.source, models, providers, frozenset(overrides))


def load_shipped_table() -> PriceTable:
    data = tomllib.loads(resources.files("pidgin_tui.providers").joinpath("prices.toml")
                         .read_text(encoding="utf-8"))
    return PriceTable(
        as_of=str(data["as_of"]), source=str(data.get("source", "")),
        models={ref: _price(t) for ref, t in data.get("models", {}).items()},
        providers={name: _price(t) for name, t in data.get("providers", {}).items()},
    )


_TABLE: PriceTable | None = None


def price_table() -> PriceTable:
    """The shipped table merged with the user's `[prices]` overrides, built once."""
    global _TABLE
    if _TABLE is None:
        from pidgin_tui.config import settings

        _TABLE = load_shipped_table().with_overrides(settings().prices)
    return _TABLE


def reset_price_table() -> None:
    global _TABLE
    _TABLE = None


def cost_for(info: ModelInfo, usage: UsageChunk) -> float | None:
    """EventAwareProvider's `cost` function: USD for one response, None when unpriced."""
    return price_table().cost(info, usage)


def is_priced(info: ModelInfo) -> bool:
    """Whether the table (with the user's overrides) has a price for this model."""
    return price_table().price_for(info) is not None


def format_price(price: Price | None) -> str:
    if price is None:
        return "unpriced"
    if price.free:
        return "free"
    return f"${price.input:g} in / ${price.output:g} out"
