"""Classification helpers: statuses, retry-after headers and key redaction."""

from __future__ import annotations

import email.utils
import time

import pytest

from pidgin_tui.providers.errors import (
    kind_for_status,
    missing_key_error,
    parse_retry_after,
    provider_error,
    redact,
)
from tests.providers.conftest import FAKE_KEY


def test_redaction_removes_known_secrets_and_key_shaped_strings():
    text = f"bad key {FAKE_KEY}; also sk-ant-api03-abcdefghijklmnop and AIzaSyA1234567890abcdef"
    cleaned = redact(text, [FAKE_KEY])
    assert FAKE_KEY not in cleaned and "sk-ant-api03" not in cleaned and "AIzaSy" not in cleaned
    assert redact("the skeleton keyboard stays") == "the skeleton keyboard stays"


@pytest.mark.parametrize("headers, expected", [
    ({"retry-after": "7"}, 7.0), ({"Retry-After": "0.5"}, 0.5),
    ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5), ({}, None), (None, None),
    ({"retry-after": "soon"}, None),
])
def test_retry_after_forms(headers, expected):  # type: ignore[no-untyped-def]
    assert parse_retry_after(headers) == expected


def test_retry_after_as_an_http_date():
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= parse_retry_after({"retry-after": when}) <= 31


@pytest.mark.parametrize("status, body_type, message, kind", [
    (429, "api_error", "", "rate_limit"), (529, None, "", "overloaded"),
    (None, "overloaded_error", "", "overloaded"), (200, None, "", "unknown"),
    (400, "invalid_request_error", "prompt is too long: 300000 tokens", "context_length"),
    (400, "context_length_exceeded", "", "context_length"), (413, None, "", "context_length"),
    (401, None, "", "auth"), (403, "PERMISSION_DENIED", "", "auth"),
    (404, "invalid_request_error", "", "not_found"), (408, None, "", "timeout"),
    (503, "UNAVAILABLE", "", "overloaded"), (500, None, "", "server"),
    (422, None, "", "bad_request"),
])
def test_kind_for_status(status, body_type, message, kind):  # type: ignore[no-untyped-def]
    assert kind_for_status(status, body_type, message) == kind


def test_auth_messages_name_the_env_var():
    assert "GEMINI_API_KEY or GOOGLE_API_KEY" in str(missing_key_error("google"))
    error = provider_error("auth", "xai", f"invalid {FAKE_KEY}", status_code=401)
    assert "XAI_API_KEY" in str(error) and FAKE_KEY not in str(error)
