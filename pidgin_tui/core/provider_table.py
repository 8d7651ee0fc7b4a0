"""The provider table: every provider the app can talk to, described once.

A row names the adapter class (imported on first use, so its SDK loads only then), where its
key and base URL come from, the other prefixes it answers to, what it can do, and the models it
lists. The settings, the registry, `models`, `config`, the setup form, the estimate and the
recorded versions all read this table: adding a provider is one adapter module in `providers/`
plus one row here.

The table lives in `core/` because the user settings read it (to look keys up and to check the
names in `config.toml`), and they sit below `providers/` on the import ladder. The adapter is
named by its import path for the same reason; a test imports every row's adapter.
"""

from __future__ import annotations

from dataclasses import dataclass

from pidgin_tui.core.provider import ModelInfo

UNLISTED_CONTEXT_WINDOW = 128_000
UNLISTED_MAX_OUTPUT_TOKENS = 8192
"""Limits assumed for a model id nobody lists, unless its row says otherwise."""


@dataclass(slots=True, frozen=True)
class ProviderSpec:
    """One provider: its adapter, its key and base-URL settings, aliases and capabilities."""

    name: str
    """The prefix of its model references (`anthropic:claude-sonnet-5`) and its config key."""
    title: str
    adapter: str
    """`module:Class` of the adapter: it implements `Provider`, builds with no arguments and
    then calls itself by this row's name (`adapter_name`)."""
    key_env_vars: tuple[str, ...] = ()
    """Where its key is looked up, in order, before `[keys]` in the config; empty: no key."""
    base_url_env_var: str | None = None
    """The standard variable its SDK reads for another endpoint; `[base_urls]` is the fallback."""
    default_base_url: str | None = None
    aliases: tuple[str, ...] = ()
    """Other prefixes a model reference may use (`gemini:gemini-2.5-pro`)."""
    open_models: bool = True
    """It takes any model id after its prefix, not only the listed ones."""
    unlisted_context_window: int = UNLISTED_CONTEXT_WINDOW
    unlisted_max_output_tokens: int = UNLISTED_MAX_OUTPUT_TOKENS
    """Limits assumed for a model id it does not list."""
    limited: bool = True
    """Requests go through the configured timeouts and concurrency limit."""
    sdk_distributions: tuple[str, ...] = ()
    """The distributions its adapter talks through, recorded with every run."""
    sdk_modules: tuple[str, ...] = ()
    """The modules its adapter imports on first use, imported off the event loop before a run
    sends its first request."""
    models: tuple[ModelInfo, ...] = ()
    """The models it lists, with their aliases, limits and capabilities."""

    @property
    def needs_key(self) -> bool:
        return bool(self.key_env_vars)

    def unlisted_model(self, provider: str, model_id: str, description: str) -> ModelInfo:
        """A model id this row (or an endpoint through its adapter, named `provider`) does not
        list, with the limits assumed for it and thinking unknown."""
        return unlisted_model(provider, model_id, description, self)




def unlisted_model(provider: str, model_id: str, description: str,
                   spec: ProviderSpec | None = None) -> ModelInfo:
    """A model nobody lists: the limits `spec` assumes (or the defaults), thinking unknown."""
    context, output = ((spec.unlisted_context_window, spec.unlisted_max_output_tokens) if spec
                       else (UNLISTED_CONTEXT_WINDOW, UNLISTED_MAX_OUTPUT_TOKENS))
    return ModelInfo(provider, model_id, model_id, context, output, supports_thinking=None,
                     description=description)


_FIXED = (1.0, 1.0)
"""Only the default temperature is accepted: reasoning models, and every Claude model since
Anthropic API version 2026-10-21 (which SDK 2.x sends) rejects sampling parameters."""
_FREE = (0.0, 2.0)


def _local(model_id: str, description: str, aliases: tuple[str, ...]) -> ModelInfo:
    return ModelInfo("local", model_id, f"Local {model_id}", context_window=1_000_000,
                     max_output_tokens=4096, supports_thinking=True, aliases=aliases,
                     description=description)


PROVIDERS: tuple[ProviderSpec, ...] = (
    ProviderSpec(
        "local", "Local test models", "pidgin_tui.providers.local:LocalProvider",
        open_models=False, limited=False,
        models=(
            _local("test", "Deterministic conversational model streaming at ~40 tokens/s",
                   ("local", "test")),
            _local("instant", "The same model with no delay (benchmarks and tests)",
                   ("local-instant",)),
            _local("silent", "Always answers \"…\" (meditation mode)", ("local-silent",)),
        )),
    # Anthropic: ids, limits and prices from the models overview and pricing pages.
    ProviderSpec(
        "anthropic", "Anthropic", "pidgin_tui.providers.anthropic:AnthropicProvider",
        key_env_vars=("ANTHROPIC_API_KEY",), base_url_env_var="ANTHROPIC_BASE_URL",
        aliases=("claude",), sdk_distributions=("anthropic",), sdk_modules=("anthropic",),
        models=(
            ModelInfo("anthropic", "claude-fable-5", "Claude Fable 5", 1_000_000, 128_000, True,
                      _FIXED, ("fable",), "Mythos-class flagship; always thinks (adaptive)"),
            ModelInfo("anthropic", "claude-opus-4-8", "Claude Opus 4.8", 1_000_000, 128_000,
                      True, _FIXED, ("opus",), "Most capable Opus"),
            ModelInfo("anthropic", "claude-sonnet-5", "Claude Sonnet 5", 1_000_000, 128_000,
                      True, _FIXED, ("claude", "sonnet"),
                      "Speed and intelligence; adaptive thinking by default"),
            ModelInfo("anthropic", "claude-opus-4-7", "Claude Opus 4.7", 1_000_000, 128_000,
                      True, _FIXED, ("opus-4.7",), "Previous Opus"),
            ModelInfo("anthropic", "claude-sonnet-4-6", "Claude Sonnet 4.6", 1_000_000, 64_000,
                      True, _FIXED, ("sonnet-4.6",), "Previous Sonnet"),
            ModelInfo("anthropic", "claude-haiku-4-5", "Claude Haiku 4.5", 200_000, 64_000, True,
                      _FIXED, ("haiku",), "Fastest, cheapest Claude"),
            ModelInfo("anthropic", "claude-sonnet-4-5", "Claude Sonnet 4.5", 200_000, 64_000,
                      True, _FIXED, (), "End of life 2026-11-30", deprecated=True),
        )),
    ProviderSpec(
        "openai", "OpenAI", "pidgin_tui.providers.openai:OpenAIProvider",
        key_env_vars=("OPENAI_API_KEY",), base_url_env_var="OPENAI_BASE_URL",
        sdk_distributions=("openai",), sdk_modules=("openai",),
        models=(
            ModelInfo("openai", "gpt-5.5", "GPT-5.5", 400_000, 128_000, True, _FIXED, ("gpt",),
                      "OpenAI flagship reasoning model"),
            ModelInfo("openai", "gpt-5.4", "GPT-5.4", 400_000, 128_000, True, _FIXED,
                      ("gpt-5.4",), "Previous flagship, half the price"),
            ModelInfo("openai", "gpt-5.6-sol", "GPT-5.6 Sol", 400_000, 128_000, True, _FIXED,
                      ("sol",), "Limited preview: flagship tier"),
            ModelInfo("openai", "gpt-5.6-terra", "GPT-5.6 Terra", 400_000, 128_000, True,
                      _FIXED, ("terra",), "Limited preview: balanced tier"),
            ModelInfo("openai", "gpt-5.6-luna", "GPT-5.6 Luna", 400_000, 128_000, True, _FIXED,
                      ("luna",), "Limited preview: fast, low-cost tier"),
            ModelInfo("openai", "gpt-4.1", "GPT-4.1", 1_047_576, 32_768, False, _FREE,
                      ("4.1",), "Non-reasoning, accepts a temperature; shutdown 2027-01-14",
                      deprecated=True),
        )),
    ProviderSpec(
        "google", "Google Gemini", "pidgin_tui.providers.google:GoogleProvider",
        key_env_vars=("GEMINI_API_KEY", "GOOGLE_API_KEY"),
        base_url_env_var="GOOGLE_GEMINI_BASE_URL", aliases=("gemini",),
        sdk_distributions=("google-genai",), sdk_modules=("google.genai",),
        models=(
            ModelInfo("google", "gemini-3.5-flash", "Gemini 3.5 Flash", 1_048_576, 65_536, True,
                      _FREE, ("gemini", "flash"),
                      "Google's most capable generally available model"),
            ModelInfo("google", "gemini-3.1-pro-preview", "Gemini 3.1 Pro (preview)", 1_048_576,
                      65_536, True, _FREE, ("gemini-pro",),
                      "Deep reasoning; prices for prompts ≤ 200k tokens"),
            ModelInfo("google", "gemini-3-flash-preview", "Gemini 3 Flash (preview)", 1_048_576,
                      65_536, True, _FREE, ("gemini-3-flash",), "Fast thinking model"),
            ModelInfo("google", "gemini-2.5-pro", "Gemini 2.5 Pro", 1_048_576, 65_536, True,
                      _FREE, ("gemini-2.5-pro",), "Stable Pro; prices for prompts ≤ 200k tokens"),
            ModelInfo("google", "gemini-2.5-flash", "Gemini 2.5 Flash", 1_048_576, 65_536, True,
                      _FREE, ("gemini-2.5-flash",), "Stable Flash"),
            ModelInfo("google", "gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite", 1_048_576,
                      65_536, True, _FREE, ("flash-lite",), "Cheapest Gemini"),
        )),
    # xAI through the OpenAI SDK at its OpenAI-compatible endpoint. Older grok slugs were
    # retired on 2026-05-15 and now redirect to grok-4.3.
    ProviderSpec(
        "xai", "xAI", "pidgin_tui.providers.xai:XAIProvider",
        key_env_vars=("XAI_API_KEY",), base_url_env_var="XAI_BASE_URL",
        default_base_url="https://api.x.ai/v1", aliases=("grok",),
        sdk_distributions=("openai",), sdk_modules=("openai",),
        models=(
            ModelInfo("xai", "grok-4.3", "Grok 4.3", 1_000_000, 131_072, True, _FREE, ("grok",),
                      "xAI flagship; configurable reasoning; prices for prompts ≤ 200k tokens"),
        )),
    # Ollama through plain httpx; its installed models are listed by asking the server.
    ProviderSpec(
        "ollama", "Ollama", "pidgin_tui.providers.ollama:OllamaProvider",
        base_url_env_var="OLLAMA_HOST", default_base_url="http://localhost:11434",
        sdk_distributions=("httpx",), sdk_modules=("httpx",)),
)


def provider_specs() -> tuple[ProviderSpec, ...]:
    """Every row of the table, in the order `models` and `config` list them."""
    return PROVIDERS


def provider_spec(name: str) -> ProviderSpec | None:
    """The row of a provider by its name or one of its aliases; None for an unknown name."""
    for spec in PROVIDERS:
        if name == spec.name or name in spec.aliases:
            return spec
    return None


def adapter_name(adapter_class: type) -> str:
    """The name of the row whose adapter is `adapter_class` (or a class it derives from): an
    adapter's default name, so that the table is the only place that names a provider."""
    for cls in adapter_class.__mro__:
        path = f"{cls.__module__}:{cls.__qualname__}"
        for spec in PROVIDERS:
            if spec.adapter == path:
                return spec.name
    raise LookupError(f"no row of the provider table names {adapter_class.__qualname__}")
