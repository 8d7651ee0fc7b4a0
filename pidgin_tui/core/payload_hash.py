"""The hash of a request's exact payload, recorded in every MessageRequestEvent.

A SHA-256 chain: the header (model, system prompt, sampling parameters) is hashed as JSON, then
each message is chained onto the previous digest (`sha256(previous + role + NUL + content)`).
A rebuilt request (the payload inspector, resume, branches) is checked against the record with
`payload_sha256`; the Conductor keeps one `PayloadChain` per agent, which gives the same digest
while hashing only the messages added since its last request.
"""

from __future__ import annotations

import hashlib
import json

from pidgin_tui.core.prefix_fold import PrefixFold
from pidgin_tui.core.provider import ProviderRequest
from pidgin_tui.core.types import ChatMessage


def _header(request: ProviderRequest) -> tuple[object, ...]:
    return (request.model, request.system, request.temperature, request.max_output_tokens,
            request.think, request.think_budget)


def _header_digest(header: tuple[object, ...]) -> bytes:
    return hashlib.sha256(json.dumps(list(header)).encode()).digest()


def _link(previous: bytes, message: ChatMessage) -> bytes:
    return hashlib.sha256(previous + message.role.encode() + b"\0"
                          + message.content.encode()).digest()


def payload_sha256(request: ProviderRequest) -> str:
    """Hash of the exact payload sent, so a rebuilt request can be checked against the record:
    O(messages)."""
    digest = _header_digest(_header(request))
    for message in request.messages:
        digest = _link(digest, message)
    return digest.hex()


class PayloadChain:
    """`payload_sha256` for the successive requests of one agent, in O(new messages).

    The message links are a `PrefixFold`: a request whose messages start with the last one's
    hashes only what follows them, and any other (a new header, a truncated history) is
    hashed whole, so the digest is always the one `payload_sha256` gives.
    """

    __slots__ = ("_header", "_links")

    def __init__(self) -> None:
        self._header: tuple[object, ...] | None = None
        self._links: PrefixFold[ChatMessage, bytes] = PrefixFold(b"", _link)

    def hexdigest(self, request: ProviderRequest) -> str:
        header = _header(request)
        if header != self._header:
            self._header = header
            self._links.restart(_header_digest(header))
        return self._links(request.messages).hex()
