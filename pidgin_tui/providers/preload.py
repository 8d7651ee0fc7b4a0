"""Import the SDKs a plan needs in a worker thread, before any request is sent.

A provider SDK takes 0.9-2.5 s to import. Imported on first use it would block the event loop
(every live stream stalls) and count against that request's first-token timeout.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Iterable


def sdk_modules(providers: Iterable[object]) -> list[str]:
    """The SDK modules of these providers (adapters name theirs in `sdk_modules`)."""
    names: dict[str, None] = {}
    for provider in providers:
        for name in getattr(provider, "sdk_modules", ()):
            names[name] = None
    return list(names)


def import_modules(names: Iterable[str]) -> None:
    for name in names:
        importlib.import_module(name)


async def preload_sdks(providers: Iterable[object]) -> None:
    """Import every SDK these providers use, off the event loop."""
    names = sdk_modules(providers)
    if names:
        await asyncio.to_thread(import_modules, names)
