"""Turning whatever an SDK or transport raises into a classified, key-free ProviderError."""

from __future__ import annotations

import asyncio
import email.utils
import re
import time
from collections.abc import Iterable, Mapping

from pidgin_tui.config import key_env_hint
from pidgin_tui.core.redact import redact_secrets
from pidgin_tui.providers.base import ErrorKind, ProviderError

_CONTEXT_PATTERNS = re.compile(
    r"prompt is too long|context[ _-]?length|context window|maximum context|too many tokens"
    r"|input token count|exceeds the (?:maximum|limit)|reduce the length", re.IGNORECASE)

_BODY_TYPES: dict[str, ErrorKind] = {
    # Anthropic `error.type`
    "overloaded_error": "overloaded", "rate_limit_error": "rate_limit", "api_error": "server",
    "authentication_error": "auth", "permission_error": "auth", "not_found_error": "not_found",
    "invalid_request_error": "bad_request", "request_too_large": "bad_request",
    "timeout_error": "timeout",
    # Google `error.status`
    "RESOURCE_EXHAUSTED": "rate_limit", "UNAVAILABLE": "overloaded", "INTERNAL": "server",
    "UNAUTHENTICATED": "auth", "PERMISSION_DENIED": "auth", "NOT_FOUND": "not_found",
    "INVALID_ARGUMENT": "bad_request", "FAILED_PRECONDITION": "bad_request",
    "DEADLINE_EXCEEDED": "timeout",
    # OpenAI `error.code` / `error.type`
    "rate_limit_exceeded": "rate_limit", "insufficient_quota": "rate_limit",
    "context_length_exceeded": "context_length", "invalid_api_key": "auth",
    "server_error": "server", "model_not_found": "not_found",
}

_DEFINITIVE_STATUS: dict[int, ErrorKind] = {
    401: "auth", 403: "auth", 404: "not_found", 429: "rate_limit", 529: "overloaded"}
"""Statuses whose meaning no error body overrides."""


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Remove every known secret, and anything shaped like an API key, from a message."""
    return redact_secrets(text, secrets)


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from `retry-after-ms` or `retry-after` (seconds or an HTTP date)."""
    if not headers:
        return None
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    if "retry-after-ms" in lowered:
        try:
            return max(0.0, float(lowered["retry-after-ms"]) / 1000.0)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None  # neither seconds nor an HTTP date: fall back to our own backoff
    return max(0.0, parsed.timestamp() - time.time())


def kind_for_status(status: int | None, body_type: str | None = None,
                    message: str = "") -> ErrorKind:
    """The error kind for an HTTP status and the provider's own error type, if any."""
    if status in _DEFINITIVE_STATUS:
        return _DEFINITIVE_STATUS[status]
    kind = _BODY_TYPES.get(body_type or "")
    if status == 413 or _CONTEXT_PATTERNS.search(message or ""):
        if kind in (None, "bad_request") and (status in (None, 200, 400, 413)):
            return "context_length"
    if kind is not None:
        return kind
    if status is None:
        return "unknown"
    if status == 429:
        return "rate_limit"
    if status == 529:
        return "overloaded"
    if status in (401, 403):
        return "auth"
    if status == 404:
        return "not_found"
    if status in (408, 504):
        return "timeout"
    if status >= 500:
        return "server"
    if status >= 400:
        return "bad_request"
    return "unknown"


def provider_error(kind: ErrorKind, provider: str, message: str, *,
                   status_code: int | None = None, retry_after_s: float | None = None,
                   secrets: Iterable[str | None] = ()) -> ProviderError:
    """Build a ProviderError with a clean message; auth errors name the key's env var."""
    text = redact(" ".join(str(message).split()), secrets)[:500]
    if kind == "auth":
        text = (f"{provider}: the API key was rejected or is missing (set "
                f"{key_env_hint(provider)} or add it to the config file): {text}")
    elif not text.startswith(f"{provider}:"):
        text = f"{provider}: {text}"
    return ProviderError(kind, text, status_code=status_code, retry_after_s=retry_after_s,
                         provider=provider)


def missing_key_error(provider: str) -> ProviderError:
    return ProviderError(
        "auth", f"{provider}: no API key; set {key_env_hint(provider)} or add it under [keys] "
        "in the config file", provider=provider)


def transport_error(exc: BaseException, provider: str,
                    secrets: Iterable[str | None] = ()) -> ProviderError | None:
    """Classify a network-level failure (httpx, httpx2, aiohttp, sockets); None if it is not one."""
    module = type(exc).__module__.split(".")[0]
    name = type(exc).__name__
    detail = f"{name}: {exc}" if str(exc) else name
    if isinstance(exc, asyncio.TimeoutError | TimeoutError) or "Timeout" in name:
        return provider_error("timeout", provider, f"request timed out ({detail})",
                              secrets=secrets)
    if module in ("httpx", "httpx2", "httpcore", "aiohttp", "h11", "h2") \
            or isinstance(exc, ConnectionError | OSError | EOFError):
        return provider_error("connection", provider, f"connection failed ({detail})",
                              secrets=secrets)
    return None
