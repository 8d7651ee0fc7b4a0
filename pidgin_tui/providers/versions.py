"""The software a run depended on, recorded in its manifest and README so it can be reproduced.

SDK versions are read from the installed distributions' metadata: recording them never imports
an SDK.
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Iterable
from importlib import metadata
from typing import Any

from pidgin_tui.core.provider_table import ProviderSpec, provider_spec


def distribution_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


SpecOf = Callable[[str], ProviderSpec | None]
"""The table row a provider runs through (`Registry.spec_of` knows the named endpoints)."""


def recorded_versions(providers: Iterable[str],
                      spec_of: SpecOf = provider_spec) -> dict[str, Any]:
    """pidgin-tui and Python versions, each used provider's SDK version and the price table date.

    `sdks` maps a provider to {distribution: version}; a provider without an SDK maps to {}.
    An endpoint records its kind's SDK under its own name (`gw: {openai: …}`).
    """
    from pidgin_tui import __version__
    from pidgin_tui.providers.pricing import price_table

    prices = price_table()

    def distributions(provider: str) -> tuple[str, ...]:
        spec = spec_of(provider)
        return spec.sdk_distributions if spec else ()

    return {
        "pidgin_tui": __version__,
        "python": platform.python_version(),
        "sdks": {provider: {dist: distribution_version(dist)
                            for dist in distributions(provider)}
                 for provider in sorted(set(providers))},
        "price_table_as_of": prices.as_of,
        "price_overrides": sorted(prices.overridden),
    }


def versions_line(versions: dict[str, Any]) -> str:
    """One line for a README: `pidgin-tui 0.x · Python 3.11.7 · anthropic 2.12.0 · prices of …`."""
    sdks = {dist: version for by_dist in (versions.get("sdks") or {}).values()
            for dist, version in by_dist.items()}
    parts = [f"pidgin-tui {versions.get('pidgin_tui', '?')}",
             f"Python {versions.get('python', '?')}",
             *[f"{dist} {version or 'not installed'}" for dist, version in sorted(sdks.items())],
             f"price table of {versions.get('price_table_as_of', '?')}"]
    if versions.get("price_overrides"):
        parts.append(f"prices overridden for {', '.join(versions['price_overrides'])}")
    return " · ".join(parts)
