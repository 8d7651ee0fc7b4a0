"""A provider adapter that lives outside the package: it echoes the last message back.

With one row in the provider table (tests/providers/test_adding_a_provider.py) it is a provider
like any other: listed by `models`, its key looked up from its variable or `[keys]`, and run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from pidgin_tui.config import settings
from pidgin_tui.core.provider import (
    Chunk,
    FinishChunk,
    ProviderError,
    ProviderRequest,
    TextChunk,
    UsageChunk,
)
from pidgin_tui.core.provider_table import adapter_name


class EchoProvider:
    """Answers with the partner's last message, prefixed by the model id; needs a key."""

    def __init__(self) -> None:
        self.name = adapter_name(type(self))  # its row's name

    async def stream(self, request: ProviderRequest) -> AsyncIterator[Chunk]:
        if settings().api_key(self.name) is None:
            raise ProviderError("auth", "echo: no API key", provider=self.name)
        last = request.messages[-1].content if request.messages else ""
        for word in f"{request.model} heard: {last}".split(" "):
            yield TextChunk(word + " ")
        yield UsageChunk(input_tokens=len(last.split()), output_tokens=3)
        yield FinishChunk("stop")
