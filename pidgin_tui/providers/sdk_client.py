"""The client lifecycle shared by the SDK-backed adapters: key lookup and one lazy client.

The SDK is imported only when the first request needs a client, and a client is rebuilt when
used from a new event loop (its connections belong to the loop that made it).
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from typing import Any

from pidgin_tui.config import Settings, settings
from pidgin_tui.core.provider_table import adapter_name
from pidgin_tui.providers.errors import missing_key_error


class SdkClientProvider(ABC):
    """Base of the adapters that talk through a provider SDK; `name` keys the settings and is
    the adapter's row in the provider table unless an endpoint gives its own."""

    def __init__(self, config: Settings | None = None, api_key: str | None = None,
                 base_url: str | None = None, name: str | None = None) -> None:
        self.name = name or adapter_name(type(self))
        self._config = config
        self._api_key = api_key
        self._base_url = base_url
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _settings(self) -> Settings:
        return self._config or settings()

    def _get_client(self) -> Any:
        if self._client is not None and self._loop is not asyncio.get_running_loop():
            self._client = None  # its connections belong to an event loop that has ended
        if self._client is None:
            self._loop = asyncio.get_running_loop()
            key = self._api_key or self._settings().api_key(self.name)
            if not key:
                raise missing_key_error(self.name)
            self._api_key = key
            self._client = self._make_client(
                key, self._base_url or self._settings().base_url(self.name))
        return self._client

    @abstractmethod
    def _make_client(self, api_key: str, base_url: str | None) -> Any:
        """Build the SDK client (importing the SDK here, never at module import)."""
