"""Keeping credentials off screens and out of files: URL userinfo, key-shaped strings, known keys.

`redact_url` shows a URL (a base URL, `OLLAMA_HOST`, an endpoint) without its password or token.
`redact_secrets` cleans free text (an error message, a log line, an event field) of every secret
this process knows: values of secret-named environment variables (`*_API_KEY`, `*_TOKEN`, ...),
passwords inside URL-valued environment variables, values registered with `register_secret`
(keys read from the config file), credentials inside any URL in the text, and anything shaped
like a provider API key.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

MASK = "[redacted]"
"""What a removed secret is replaced with in free text."""
URL_MASK = "***"
"""What a removed password or token is replaced with inside a URL."""

_MIN_SECRET = 4
"""Shorter values are not replaced by value (they would mangle ordinary words)."""
_MIN_ENV_SECRET = 8
"""Secret-named environment variables also hold flags such as `true`; only longer values count."""

_SECRET_NAME = re.compile(r"(?:^|_)(?:API_?KEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|PWD)$",
                          re.IGNORECASE)
_WORKING_DIRECTORY = frozenset({"PWD", "OLDPWD"})
"""The shell's current and previous directories: `PWD` looks like a password's name but is not,
and masking it would hide every path under the directory the user runs from."""
_URL_NAME = re.compile(r"(?:HOST|URL|URI|ENDPOINT|BASE|PROXY)$", re.IGNORECASE)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_SECRET_PARAM = re.compile(
    r"(?i)([?&;](?:api[_-]?key|key|token|access[_-]?token|secret|password|passwd|pwd|sig"
    r"|signature|auth|credential)=)[^&;#\s]+")
# `scheme://userinfo@` anywhere in free text, and `user:password@host` without a scheme.
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)([^\s/?#@]+)@")
_BARE_USERINFO = re.compile(r"(?<![\w.%+\-:/@])([\w.%+\-]+):([^\s@/]+)@(?=[\w\[])")
_BEARER = re.compile(r"(?i)\b(bearer|x-api-key:|x-goog-api-key:|api-key:)(\s+)[^\s,;\"']+")
_KEYLIKE = re.compile(r"\b(?:sk-|sk_|xai-|key-|key_|AIza)[-_A-Za-z0-9]{12,}")

_registered: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret this process holds (a key from the config file) so it is redacted."""
    if value and len(value.strip()) >= _MIN_SECRET:
        _registered.add(value.strip())


def _split_userinfo(url: str) -> tuple[str, str, str] | None:
    """(prefix up to the authority, userinfo, the rest from `@`), or None without userinfo."""
    scheme = _SCHEME.match(url)
    start = scheme.end() if scheme else 0
    end = len(url)
    for stop in "?#":
        found = url.find(stop, start)
        if found != -1:
            end = min(end, found)
    at = url.rfind("@", start, end)
    if at == -1:
        return None
    return url[:start], url[start:at], url[at:]


def redact_url(url: str) -> str:
    """`url` with its password (or a lone user token) and secret query values masked.

    `https://user:pw@host/v1` gives `https://user:***@host/v1`; `https://tok@host` gives
    `https://***@host`; `user:pw@host:11434` (no scheme, as `OLLAMA_HOST` allows) gives
    `user:***@host:11434`; `?key=...` gives `?key=***`.
    """
    if not url:
        return url
    parts = _split_userinfo(url)
    if parts is not None:
        prefix, userinfo, rest = parts
        user, colon, _password = userinfo.partition(":")
        masked = f"{user}:{URL_MASK}" if colon and user else URL_MASK
        url = f"{prefix}{masked}{rest}"
    return _SECRET_PARAM.sub(lambda m: m.group(1) + URL_MASK, url)


def url_secrets(url: str) -> list[str]:
    """The secret parts of a URL (its password, or a lone user token), for redaction by value."""
    parts = _split_userinfo(url.strip()) if url else None
    if parts is None:
        return []
    user, colon, password = parts[1].partition(":")
    return [password] if colon else [user]


def known_secrets() -> list[str]:
    """Every secret value this process knows, longest first (so no partial replacement)."""
    found = set(_registered)
    for name, value in os.environ.items():
        value = value.strip()
        if len(value) < _MIN_SECRET:
            continue
        if name.upper() in _WORKING_DIRECTORY:
            continue
        if _SECRET_NAME.search(name) and len(value) >= _MIN_ENV_SECRET:
            found.add(value)
        elif _URL_NAME.search(name) and "@" in value:
            found.update(s for s in url_secrets(value) if len(s) >= _MIN_SECRET)
    return sorted(found, key=len, reverse=True)


def redact_secrets(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` without any known or given secret, URL credential or key-shaped string."""
    if not text:
        return text
    extra = [s.strip() for s in secrets if s and len(s.strip()) >= _MIN_SECRET]
    for secret in sorted(set(extra), key=len, reverse=True) + known_secrets():
        if secret in text:
            text = text.replace(secret, MASK)
    text = _URL_USERINFO.sub(_mask_userinfo, text)
    text = _BARE_USERINFO.sub(lambda m: f"{m.group(1)}:{URL_MASK}@", text)
    text = _SECRET_PARAM.sub(lambda m: m.group(1) + URL_MASK, text)
    text = _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    return _KEYLIKE.sub(MASK, text)


def _mask_userinfo(match: re.Match[str]) -> str:
    user, colon, _password = match.group(2).partition(":")
    masked = f"{user}:{URL_MASK}" if colon and user else URL_MASK
    return f"{match.group(1)}{masked}@"
