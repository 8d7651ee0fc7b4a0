"""Model registry: resolve `provider:model` references and aliases, and build providers.

The default registry is filled from the provider table (`core/provider_table.py`): each row's
listed models, its prefix aliases, and a factory that imports its adapter on first use.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from pidgin_tui.core.provider import ModelInfo, Provider
from pidgin_tui.core.provider_table import (
    ProviderSpec,
    provider_spec,
    provider_specs,
    unlisted_model,
)
from pidgin_tui.providers.limits import LimitedProvider, StreamLimits
from pidgin_tui.providers.local import FAIL_AT_PATTERN


def with_overrides(info: ModelInfo) -> ModelInfo:
    """Apply the config's `[capabilities."provider:id"]` table to a model, if it has one."""
    from pidgin_tui.config import settings

    table = settings().capabilities.get(info.ref)
    if not table:
        return info
    changes: dict[str, object] = {}
    if "thinking" in table:
        changes["supports_thinking"] = bool(table["thinking"])
    for key in ("context_window", "max_output_tokens"):
        if key in table:
            changes[key] = int(table[key])
    return replace(info, **changes)  # type: ignore[arg-type]


class UnknownModelError(ValueError):
    """Raised for a model reference that names no known model or provider."""


@dataclass
class Registry:
    """Known models by reference and alias, and one factory per provider."""

    models: dict[str, ModelInfo] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    factories: dict[str, Callable[[], Provider]] = field(default_factory=dict)
    open_providers: frozenset[str] = frozenset()
    """Providers that accept any model id after their prefix (e.g. `openai:<any id>`)."""
    prefixes: dict[str, str] = field(default_factory=dict)
    """Other prefixes a reference may use, to the provider's name (`gemini` → `google`)."""
    kinds: dict[str, str] = field(default_factory=dict)
    """A provider that is not a row of the table (a named endpoint) → the row whose adapter it
    runs through (`openai`, `ollama`)."""
    _instances: dict[str, Provider] = field(default_factory=dict)

    def add(self, info: ModelInfo) -> None:
        self.models[info.ref] = info
        for alias in info.aliases:
            self.aliases[alias] = info.ref

    def resolve(self, reference: str) -> ModelInfo:
        """Resolve an alias, a `provider:id` reference or a bare known id to its ModelInfo."""
        ref = reference.strip()
        if ref in self.aliases:
            return with_overrides(self.models[self.aliases[ref]])
        if ref in self.models:
            return with_overrides(self.models[ref])
        provider, sep, model_id = ref.partition(":")
        provider = self.prefixes.get(provider, provider)
        if sep and f"{provider}:{model_id}" in self.models:
            return with_overrides(self.models[f"{provider}:{model_id}"])
        if sep and provider == "local" and FAIL_AT_PATTERN.match(model_id):
            return ModelInfo("local", model_id, f"Local fail-at ({model_id})", 1_000_000, 4096,
                             supports_thinking=True, description="Fails at a chosen turn")
        if sep and model_id and provider in self.open_providers:
            return with_overrides(unlisted_model(provider, model_id,
                                                 "Unlisted model; limits assumed",
                                                 self.spec_of(provider)))
        by_id = [info for info in self.models.values() if info.model_id == ref]
        if len(by_id) == 1:
            return with_overrides(by_id[0])
        raise UnknownModelError(self._unknown_message(ref))

    def _unknown_message(self, ref: str) -> str:
        candidates = [*self.aliases, *self.models]
        close = difflib.get_close_matches(ref, candidates, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown model {ref!r}{hint} (see `pidgin-tui models`)"

    def provider_for(self, info: ModelInfo) -> Provider:
        """One shared provider instance per provider name, built on first use."""
        if info.provider not in self._instances:
            factory = self.factories.get(info.provider)
            if factory is None:
                raise UnknownModelError(f"no provider named {info.provider!r}")
            self._instances[info.provider] = factory()
        return self._instances[info.provider]

    def spec_of(self, provider: str) -> ProviderSpec | None:
        """The table row a provider runs through: its own, or its endpoint's kind."""
        return provider_spec(self.kinds.get(provider, provider))

    def sdk_modules(self, providers: Iterable[str]) -> list[str]:
        """The modules the adapters of these providers import, each once, in order."""
        names: dict[str, None] = {}
        for provider in providers:
            spec = self.spec_of(provider)
            names.update(dict.fromkeys(spec.sdk_modules if spec else ()))
        return list(names)

    def list_models(self) -> list[ModelInfo]:
        return sorted(self.models.values(), key=lambda m: (m.provider != "local", m.ref))


def load_adapter(spec: ProviderSpec) -> Callable[[], Provider]:
    """The adapter class a row names; importing its module loads no SDK (adapters do that)."""
    module_name, _, class_name = spec.adapter.partition(":")
    adapter: Callable[[], Provider] = getattr(importlib.import_module(module_name), class_name)
    return adapter


def limits_for(provider: str) -> StreamLimits:
    """Timeouts and the concurrency limit from the user settings (read at each request)."""
    from pidgin_tui.config import settings

    config = settings()
    return StreamLimits(first_token_s=config.timeouts.first_token_s,
                        total_s=config.timeouts.total_s,
                        max_concurrent=config.max_concurrent(provider),
                        adaptive=config.adaptive_concurrency)


def provider_factory(spec: ProviderSpec) -> Callable[[], Provider]:
    """Builds the row's adapter on first use, inside the configured limits when it has them."""
    def factory() -> Provider:
        adapter = load_adapter(spec)()
        if not spec.limited:
            return adapter
        return LimitedProvider(adapter, lambda: limits_for(spec.name))
    return factory


def add_provider(registry: Registry, spec: ProviderSpec,
                 factory: Callable[[], Provider] | None = None) -> None:
    """Register one row: its listed models, its prefix aliases and its factory."""
    for info in spec.models:
        registry.add(info)
    for alias in spec.aliases:
        registry.prefixes[alias] = spec.name
    registry.factories[spec.name] = factory or provider_factory(spec)
    if spec.open_models:
        registry.open_providers = registry.open_providers | {spec.name}


_DEFAULT: Registry | None = None


def default_registry() -> Registry:
    """The process-wide registry, built on first use."""
    global _DEFAULT
    if _DEFAULT is None:
        registry = Registry()
        for spec in provider_specs():
            add_provider(registry, spec)
        from pidgin_tui.config import settings
        from pidgin_tui.providers.endpoints import add_endpoints

        add_endpoints(registry, settings().endpoints, limits_for)
        _DEFAULT = registry
    return _DEFAULT


def reset_default_registry() -> None:
    """Forget the process-wide registry (tests that change configuration use this)."""
    global _DEFAULT
    _DEFAULT = None
