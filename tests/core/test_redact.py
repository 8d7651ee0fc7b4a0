"""Credentials are masked in URLs and in free text; ordinary text is left alone."""

from __future__ import annotations

import pytest

from pidgin_tui.core.redact import (
    known_secrets,
    redact_secrets,
    redact_url,
    register_secret,
    url_secrets,
)


@pytest.mark.parametrize("url, expected", [
    ("https://user:hunter22@host.example/v1", "https://user:***@host.example/v1"),
    ("user:hunter22@localhost:11434", "user:***@localhost:11434"),
    ("http://tok3nvalue@host", "http://***@host"),
    ("http://user:p@ss/w0rd@host:1/x", "http://user:***@host:1/x"),
    ("https://host/v1?key=AIzaSecret&alt=sse", "https://host/v1?key=***&alt=sse"),
    ("http://localhost:11434", "http://localhost:11434"),
    ("", ""),
])
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_url_secrets_gives_the_password_or_the_lone_token() -> None:
    assert url_secrets("user:hunter22@host") == ["hunter22"]
    assert url_secrets("https://tok3nvalue@host") == ["tok3nvalue"]
    assert url_secrets("http://host:1") == []


def test_environment_keys_and_url_passwords_are_known(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "plainvalue-not-key-shaped")
    monkeypatch.setenv("OLLAMA_HOST", "alice:s3cretpw@127.0.0.1:11434")
    monkeypatch.setenv("SOME_FLAG_KEY", "true")  # too short to be a secret by value
    secrets = known_secrets()
    assert "plainvalue-not-key-shaped" in secrets and "s3cretpw" in secrets
    assert "true" not in secrets
    text = "failed with plainvalue-not-key-shaped at http://alice:s3cretpw@127.0.0.1:11434"
    cleaned = redact_secrets(text)
    assert "plainvalue-not-key-shaped" not in cleaned and "s3cretpw" not in cleaned
    assert "127.0.0.1:11434" in cleaned and "true" in redact_secrets("it is true")


def test_registered_and_given_secrets_are_masked() -> None:
    register_secret("from-the-config-file-123")
    assert "from-the-config-file" not in redact_secrets("key from-the-config-file-123 rejected")
    assert redact_secrets("pw is opensesame", ["opensesame"]) == "pw is [redacted]"


@pytest.mark.parametrize("text, leaked", [
    ("connect to postgres://bob:tiger99@db/x failed", "tiger99"),
    ("OLLAMA_HOST=carol:pa55word@box:11434", "pa55word"),
    ("GET https://api.example/v1?api_key=zzzsecretzzz&x=1", "zzzsecretzzz"),
    ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload", "eyJhbGciOiJIUzI1NiJ9"),
    ("bad key sk-ant-api03-abcdefghijklmnop", "abcdefghijklmnop"),
])
def test_free_text_credentials(text: str, leaked: str) -> None:
    assert leaked not in redact_secrets(text)


def test_ordinary_text_is_untouched() -> None:
    for text in ("write to alice@example.org at 10:30", "the skeleton keyboard stays",
                 "ratio 3:4 of http://localhost:11434/api"):
        assert redact_secrets(text) == text


def test_the_working_directory_is_not_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """`PWD` ends like a password variable; masking it hid every path under the current folder."""
    monkeypatch.setenv("PWD", "/home/researcher/studies")
    monkeypatch.setenv("OLDPWD", "/home/researcher/previous")
    monkeypatch.setenv("DB_PWD", "hunter2-but-longer")
    secrets = known_secrets()
    assert "/home/researcher/studies" not in secrets
    assert "/home/researcher/previous" not in secrets
    assert "hunter2-but-longer" in secrets
    text = "wrote /home/researcher/studies/out/experiments/x"
    assert redact_secrets(text) == text
