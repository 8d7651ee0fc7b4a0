"""The catalog of real models and the lazy factories of their providers.

Appended to `REGISTRY_EXTENSIONS`, so the default registry knows every current model with its
aliases, limits and capabilities, and accepts any other id after a provider prefix. Building a
provider imports its SDK only then.
"""

from __future__ import annotations

from collections.abc import Callable

from pidgin_tui.providers.base import Provider
from pidgin_tui.providers.limits import LimitedProvider, StreamLimits
from pidgin_tui.providers.registry import REGISTRY_EXTENSIONS, ModelInfo, Registry

REAL_PROVIDERS = ("anthropic", "openai", "google", "xai", "ollama")

_CLAUDE = (0.0, 1.0)
_FIXED = (1.0, 1.0)
"""Reasoning models accept only the default temperature."""

CATALOG: tuple[ModelInfo, ...] = (
    ModelInfo("anthropic", "claude-opus-4-5", "Claude Opus 4.5", 200_000, 64_000, True, _CLAUDE,
              ("opus",), "Anthropic's most capable model"),
    ModelInfo("anthropic", "claude-sonnet-4-5", "Claude Sonnet 4.5", 200_000, 64_000, True,
              _CLAUDE, ("claude", "sonnet"), "Balanced intelligence and speed"),
    ModelInfo("anthropic", "claude-haiku-4-5", "Claude Haiku 4.5", 200_000, 64_000, True, _CLAUDE,
              ("haiku",), "Fastest Claude"),
    ModelInfo("anthropic", "claude-opus-4-1", "Claude Opus 4.1", 200_000, 32_000, True, _CLAUDE,
              ("opus-4.1",), "Previous Opus"),
    ModelInfo("anthropic", "claude-sonnet-4-0", "Claude Sonnet 4", 200_000, 64_000, True, _CLAUDE,
              ("sonnet-4",), "Previous Sonnet"),
    ModelInfo("openai", "gpt-5.1", "GPT-5.1", 400_000, 128_000, True, _FIXED,
              ("gpt", "gpt-5.1"), "OpenAI's flagship reasoning model"),
    ModelInfo("openai", "gpt-5", "GPT-5", 400_000, 128_000, True, _FIXED, ("gpt-5",),
              "Reasoning model"),
    ModelInfo("openai", "gpt-5-mini", "GPT-5 mini", 400_000, 128_000, True, _FIXED,
              ("gpt-mini",), "Smaller, cheaper GPT-5"),
    ModelInfo("openai", "gpt-5-nano", "GPT-5 nano", 400_000, 128_000, True, _FIXED,
              ("gpt-nano",), "Smallest GPT-5"),
    ModelInfo("openai", "gpt-4.1", "GPT-4.1", 1_047_576, 32_768, False, (0.0, 2.0), ("4.1",),
              "Non-reasoning, long context"),
    ModelInfo("openai", "gpt-4.1-mini", "GPT-4.1 mini", 1_047_576, 32_768, False, (0.0, 2.0),
              ("4.1-mini",), "Small non-reasoning model"),
    ModelInfo("openai", "gpt-4o", "GPT-4o", 128_000, 16_384, False, (0.0, 2.0), ("4o",),
              "Multimodal chat model"),
    ModelInfo("openai", "gpt-4o-mini", "GPT-4o mini", 128_000, 16_384, False, (0.0, 2.0),
              ("4o-mini",), "Small chat model"),
    ModelInfo("openai", "o3", "o3", 200_000, 100_000, True, _FIXED, (), "Reasoning model"),
    ModelInfo("openai", "o4-mini", "o4-mini", 200_000, 100_000, True, _FIXED, (),
              "Small reasoning model"),
    ModelInfo("google", "gemini-3-pro-preview", "Gemini 3 Pro (preview)", 1_048_576, 65_536, True,
              (0.0, 2.0), ("gemini-3",), "Google's newest Pro model"),
    ModelInfo("google", "gemini-2.5-pro", "Gemini 2.5 Pro", 1_048_576, 65_536, True, (0.0, 2.0),
              ("gemini", "gemini-pro"), "Thinking model, long context"),
    ModelInfo("google", "gemini-2.5-flash", "Gemini 2.5 Flash", 1_048_576, 65_536, True,
              (0.0, 2.0), ("flash", "gemini-flash"), "Fast thinking model"),
    ModelInfo("google", "gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite", 1_048_576, 65_536, True,
              (0.0, 2.0), ("flash-lite",), "Cheapest Gemini"),
    ModelInfo("google", "gemini-2.0-flash", "Gemini 2.0 Flash", 1_048_576, 8_192, False,
              (0.0, 2.0), ("gemini-2.0",), "Previous-generation Flash"),
    ModelInfo("xai", "grok-4", "Grok 4", 256_000, 64_000, False, (0.0, 2.0), ("grok",),
              "xAI's flagship (reasons internally)"),
    ModelInfo("xai", "grok-4-fast-reasoning", "Grok 4 Fast (reasoning)", 2_000_000, 30_000,
              False, (0.0, 2.0), ("grok-fast-reasoning",), "Fast, long context"),
    ModelInfo("xai", "grok-4-fast-non-reasoning", "Grok 4 Fast", 2_000_000, 30_000, False,
              (0.0, 2.0), ("grok-fast",), "Fast, long context, no reasoning"),
    ModelInfo("xai", "grok-3", "Grok 3", 131_072, 16_384, False, (0.0, 2.0), ("grok-3",),
              "Previous-generation Grok"),
    ModelInfo("xai", "grok-3-mini", "Grok 3 mini", 131_072, 16_384, True, (0.0, 2.0),
              ("grok-mini",), "Small model that shows its reasoning"),
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
                        max_concurrent=config.max_concurrent(provider))


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


def install() -> None:
    """Add the catalog to every registry built from now on (idempotent)."""
    if add_real_models not in REGISTRY_EXTENSIONS:
        REGISTRY_EXTENSIONS.append(add_real_models)
