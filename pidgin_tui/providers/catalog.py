"""The catalog of real models and the lazy factories of their providers.

The default registry adds them (`registry.default_registry`), so it knows every current model
with its aliases, limits and capabilities, and accepts any other id after a provider prefix.
Building a provider imports its SDK only then.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pidgin_tui.core.provider import ModelInfo, Provider
from pidgin_tui.providers.limits import LimitedProvider, StreamLimits

if TYPE_CHECKING:
    from pidgin_tui.providers.registry import Registry

REAL_PROVIDERS = ("anthropic", "openai", "google", "xai", "ollama")

_FIXED = (1.0, 1.0)
"""Only the default temperature is accepted: reasoning models, and every Claude model since
Anthropic API version 2026-10-21 (which SDK 2.x sends) rejects sampling parameters."""
_FREE = (0.0, 2.0)

CATALOG: tuple[ModelInfo, ...] = (
    # Anthropic: ids, limits and prices from the models overview and pricing pages.
    ModelInfo("anthropic", "claude-fable-5", "Claude Fable 5", 1_000_000, 128_000, True, _FIXED,
              ("fable",), "Mythos-class flagship; always thinks (adaptive)"),
    ModelInfo("anthropic", "claude-opus-4-8", "Claude Opus 4.8", 1_000_000, 128_000, True, _FIXED,
              ("opus",), "Most capable Opus"),
    ModelInfo("anthropic", "claude-sonnet-5", "Claude Sonnet 5", 1_000_000, 128_000, True, _FIXED,
              ("claude", "sonnet"), "Speed and intelligence; adaptive thinking by default"),
    ModelInfo("anthropic", "claude-opus-4-7", "Claude Opus 4.7", 1_000_000, 128_000, True,
              _FIXED, ("opus-4.7",), "Previous Opus"),
    ModelInfo("anthropic", "claude-sonnet-4-6", "Claude Sonnet 4.6", 1_000_000, 64_000, True,
              _FIXED, ("sonnet-4.6",), "Previous Sonnet"),
    ModelInfo("anthropic", "claude-haiku-4-5", "Claude Haiku 4.5", 200_000, 64_000, True, _FIXED,
              ("haiku",), "Fastest, cheapest Claude"),
    ModelInfo("anthropic", "claude-sonnet-4-5", "Claude Sonnet 4.5", 200_000, 64_000, True,
              _FIXED, (), "End of life 2026-11-30", deprecated=True),
    # OpenAI
    ModelInfo("openai", "gpt-5.5", "GPT-5.5", 400_000, 128_000, True, _FIXED, ("gpt",),
              "OpenAI flagship reasoning model"),
    ModelInfo("openai", "gpt-5.4", "GPT-5.4", 400_000, 128_000, True, _FIXED, ("gpt-5.4",),
              "Previous flagship, half the price"),
    ModelInfo("openai", "gpt-5.6-sol", "GPT-5.6 Sol", 400_000, 128_000, True, _FIXED, ("sol",),
              "Limited preview: flagship tier"),
    ModelInfo("openai", "gpt-5.6-terra", "GPT-5.6 Terra", 400_000, 128_000, True, _FIXED,
              ("terra",), "Limited preview: balanced tier"),
    ModelInfo("openai", "gpt-5.6-luna", "GPT-5.6 Luna", 400_000, 128_000, True, _FIXED,
              ("luna",), "Limited preview: fast, low-cost tier"),
    ModelInfo("openai", "gpt-4.1", "GPT-4.1", 1_047_576, 32_768, False, _FREE, ("4.1",),
              "Non-reasoning, accepts a temperature; shutdown 2027-01-14", deprecated=True),
    # Google
    ModelInfo("google", "gemini-3.5-flash", "Gemini 3.5 Flash", 1_048_576, 65_536, True, _FREE,
              ("gemini", "flash"), "Google's most capable generally available model"),
    ModelInfo("google", "gemini-3.1-pro-preview", "Gemini 3.1 Pro (preview)", 1_048_576, 65_536,
              True, _FREE, ("gemini-pro",), "Deep reasoning; prices for prompts ≤ 200k tokens"),
    ModelInfo("google", "gemini-3-flash-preview", "Gemini 3 Flash (preview)", 1_048_576, 65_536,
              True, _FREE, ("gemini-3-flash",), "Fast thinking model"),
    ModelInfo("google", "gemini-2.5-pro", "Gemini 2.5 Pro", 1_048_576, 65_536, True, _FREE,
              ("gemini-2.5-pro",), "Stable Pro; prices for prompts ≤ 200k tokens"),
    ModelInfo("google", "gemini-2.5-flash", "Gemini 2.5 Flash", 1_048_576, 65_536, True, _FREE,
              ("gemini-2.5-flash",), "Stable Flash"),
    ModelInfo("google", "gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite", 1_048_576, 65_536,
              True, _FREE, ("flash-lite",), "Cheapest Gemini"),
    # xAI: older grok slugs were retired on 2026-05-15 and now redirect to grok-4.3.
    ModelInfo("xai", "grok-4.3", "Grok 4.3", 1_000_000, 131_072, True, _FREE, ("grok",),
              "xAI flagship; configurable reasoning; prices for prompts ≤ 200k tokens"),
)


def _build(provider: str) -> Provider:
    """Construct the adapter for `provider`; its module (and SDK) is imported only here."""
    if provider == "anthropic":
        from pidgin_tui.providers.anthropic import AnthropicProvider

        return AnthropicProvider()
    if provider == "openai":
        from pidgin_tui.providers.openai import OpenAIProvider

        return OpenAIProvider()
    if provider == "google":
        from pidgin_tui.providers.google import GoogleProvider

        return GoogleProvider()
    if provider == "xai":
        from pidgin_tui.providers.xai import XAIProvider

        return XAIProvider()
    if provider == "ollama":
        from pidgin_tui.providers.ollama import OllamaProvider

        return OllamaProvider()
    raise ValueError(f"no adapter for {provider!r}")


def limits_for(provider: str) -> StreamLimits:
    """Timeouts and the concurrency limit from the user settings (read at each request)."""
    from pidgin_tui.config import settings

    config = settings()
    return StreamLimits(first_token_s=config.timeouts.first_token_s,
                        total_s=config.timeouts.total_s,
                        max_concurrent=config.max_concurrent(provider),
                        adaptive=config.adaptive_concurrency)


def provider_factory(provider: str) -> Callable[[], Provider]:
    def factory() -> Provider:
        return LimitedProvider(_build(provider), lambda: limits_for(provider))
    return factory


def add_real_models(registry: Registry) -> None:
    for info in CATALOG:
        registry.add(info)
    for provider in REAL_PROVIDERS:
        registry.factories[provider] = provider_factory(provider)
    registry.open_providers = registry.open_providers | frozenset(REAL_PROVIDERS)

