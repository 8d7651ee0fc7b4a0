"""Named endpoints: `[endpoints.NAME]` servers become providers whose models are `NAME:<id>`.

An `openai` endpoint is the OpenAI adapter (the `openai` SDK's Chat Completions) at its base
URL; an `ollama` endpoint is the Ollama adapter at its host. Each has its own name everywhere a
provider has one: its concurrency limit and gate (`[concurrency] NAME`), its key variable, its
prices and capabilities (`[prices."NAME:<id>"]`, `[capabilities."NAME:<id>"]`) and the record.
Several endpoints of one kind can serve one experiment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from pidgin_tui.config import Endpoint
from pidgin_tui.core.provider import Provider
from pidgin_tui.core.provider_table import unlisted_model
from pidgin_tui.core.redact import redact_url
from pidgin_tui.providers.limits import LimitedProvider, StreamLimits

if TYPE_CHECKING:
    from pidgin_tui.providers.registry import Registry

NO_KEY = "no-key"
"""Sent as the bearer token to an endpoint that takes no key (the SDK requires one)."""


def endpoint_adapter(endpoint: Endpoint) -> Provider:
    """The adapter of one endpoint, named after it; no SDK is imported here."""
    if endpoint.kind == "ollama":
        from pidgin_tui.providers.ollama import OllamaProvider

        return OllamaProvider(host=endpoint.base_url, name=endpoint.name)
    from pidgin_tui.providers.openai import OpenAIProvider

    # Named after the endpoint: its key, limits and record go by that name.
    return OpenAIProvider(api_key=None if endpoint.key_env else NO_KEY,
                          base_url=endpoint.base_url, name=endpoint.name)


Limits = Callable[[str], StreamLimits]
"""A provider's timeouts and concurrency limit by its name, read at each request."""


def endpoint_factory(endpoint: Endpoint, limits: Limits) -> Callable[[], Provider]:
    def factory() -> Provider:
        return LimitedProvider(endpoint_adapter(endpoint), lambda: limits(endpoint.name))
    return factory


def add_endpoints(registry: Registry, endpoints: Mapping[str, Endpoint], limits: Limits) -> None:
    """Register every endpoint: any model id after its name, and its listed models, with the
    limits its kind's row assumes."""
    for endpoint in endpoints.values():
        registry.factories[endpoint.name] = endpoint_factory(endpoint, limits)
        registry.open_providers = registry.open_providers | {endpoint.name}
        registry.kinds[endpoint.name] = endpoint.kind
        for model_id in endpoint.models:
            registry.add(unlisted_model(
                endpoint.name, model_id,
                f"{endpoint.kind} endpoint at {redact_url(endpoint.base_url)}; limits assumed",
                registry.spec_of(endpoint.name)))
