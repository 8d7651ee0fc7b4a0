"""Model registry: resolve `provider:model` references and aliases, and build providers."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from pidgin_tui.core.provider import ModelInfo, Provider
from pidgin_tui.providers.local import FAIL_AT_PATTERN, LOCAL_MODELS, LocalProvider


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
        if sep and provider == "local" and FAIL_AT_PATTERN.match(model_id):
            return ModelInfo("local", model_id, f"Local fail-at ({model_id})", 1_000_000, 4096,
                             supports_thinking=True, description="Fails at a chosen turn")
        if sep and model_id and provider in self.open_providers:
            return with_overrides(ModelInfo(provider, model_id, model_id, 128_000, 8192,
                                            supports_thinking=None,
                                            description="Unlisted model; limits assumed"))
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

    def list_models(self) -> list[ModelInfo]:
        return sorted(self.models.values(), key=lambda m: (m.provider != "local", m.ref))


def _add_local_models(registry: Registry) -> None:
    for model_id, description in LOCAL_MODELS.items():
        registry.add(ModelInfo(
            "local", model_id, f"Local {model_id}", context_window=1_000_000,
            max_output_tokens=4096, supports_thinking=True,
            aliases=(f"local-{model_id}",) if model_id != "test" else ("local", "test"),
            description=description,
        ))
    registry.factories["local"] = LocalProvider


_DEFAULT: Registry | None = None


def default_registry() -> Registry:
    """The process-wide registry, built on first use."""
    global _DEFAULT
    if _DEFAULT is None:
        from pidgin_tui.providers.catalog import add_real_models, limits_for

        registry = Registry()
        _add_local_models(registry)
        add_real_models(registry)  # the real providers' models and factories
        from pidgin_tui.config import settings
        from pidgin_tui.providers.endpoints import add_endpoints

        add_endpoints(registry, settings().endpoints, limits_for)
        _DEFAULT = registry
    return _DEFAULT


def reset_default_registry() -> None:
    """Forget the process-wide registry (tests that change configuration use this)."""
    global _DEFAULT
    _DEFAULT = None
