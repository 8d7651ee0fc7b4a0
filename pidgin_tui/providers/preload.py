"""Import the SDKs a plan needs in a worker thread, before any request is sent.

A provider SDK takes 0.9-2.5 s to import. Imported on first use it would block the event loop
(every live stream stalls) and count against that request's first-token timeout.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Iterable


def import_modules(names: Iterable[str]) -> None:
    for name in names:
        importlib.import_module(name)


async def preload_sdks(modules: Iterable[str]) -> None:
    """Import these SDK modules (`Registry.sdk_modules` of a plan's providers) off the loop."""
    names = list(modules)
    if names:
        await asyncio.to_thread(import_modules, names)
