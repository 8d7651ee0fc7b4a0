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
from collections.abc import Sequence

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

    Keeps the digests of the last request's messages. A later request whose messages start
    with those (an agent's history only grows at its end; the last message may have been
    merged with a newer one) hashes only what follows them. Whether they do is checked by
    comparing the message lists (C-level, by identity first: the Conductor passes the same
    message objects), so any other request (a new header, a truncated history) is hashed whole
    and the digest is always the one `payload_sha256` gives.
    """

    __slots__ = ("_header", "_digests", "_messages")

    def __init__(self) -> None:
        self._header: tuple[object, ...] | None = None
        self._messages: list[ChatMessage] = []
        self._digests: list[bytes] = []
        """`_digests[0]` is the header's; `_digests[i]` is the chain after `_messages[:i]`."""

    def hexdigest(self, request: ProviderRequest) -> str:
        header = _header(request)
        if header != self._header:
            self._header = header
            self._messages, self._digests = [], [_header_digest(header)]
        messages = request.messages
        kept = self._common_prefix(messages)
        del self._messages[kept:], self._digests[kept + 1:]
        digest = self._digests[kept]
        for message in messages[kept:]:
            digest = _link(digest, message)
            self._digests.append(digest)
        self._messages.extend(messages[kept:])
        return digest.hex()

    def _common_prefix(self, messages: Sequence[ChatMessage]) -> int:
        """How many of the remembered messages `messages` starts with: all of them, all but
        the last (merged since), or none (the history changed otherwise: hashed whole)."""
        known = self._messages
        for count in (len(known), len(known) - 1):
            if 0 < count <= len(messages) and messages[:count] == known[:count]:
                return count
        return 0
