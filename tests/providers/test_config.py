"""User settings: keys from the environment first, then the config file; clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from pidgin_tui.config import ConfigError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_missing_file_gives_defaults(tmp_path: Path):
    settings = load_settings(tmp_path / "absent.toml")
    assert settings.timeouts.first_token_s == 120 and settings.timeouts.total_s == 600
    assert settings.retry_budget_s == 600 and settings.max_concurrent("openai") == 8


def test_keys_come_from_env_first_then_config(tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    settings = load_settings(write(tmp_path, '[keys]\nopenai = "from-config"\n'
                                             'google = "g-config"\n'))
    assert settings.api_key("openai") == "from-config"
    assert settings.key_source("openai") == "config"
    monkeypatch.setenv("OPENAI_API_KEY", "from-env")
    assert settings.api_key("openai") == "from-env"
    assert settings.key_source("openai") == "OPENAI_API_KEY"
    monkeypatch.setenv("GOOGLE_API_KEY", "google-env")
    assert settings.api_key("google") == "google-env"
    monkeypatch.setenv("GEMINI_API_KEY", "gemini-env")
    assert settings.api_key("google") == "gemini-env"
    assert settings.api_key("xai") is None and settings.key_source("xai") is None


def test_base_urls_env_then_config_then_default(tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    settings = load_settings(write(tmp_path, '[base_urls]\nxai = "http://127.0.0.1:1/v1"\n'))
    monkeypatch.delenv("XAI_BASE_URL", raising=False)
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    assert settings.base_url("xai") == "http://127.0.0.1:1/v1"
    assert settings.base_url("ollama") == "http://localhost:11434"
    monkeypatch.setenv("XAI_BASE_URL", "http://127.0.0.1:2/v1")
    assert settings.base_url("xai") == "http://127.0.0.1:2/v1"


def test_limits_and_timeouts(tmp_path: Path):
    settings = load_settings(write(tmp_path, "[concurrency]\ndefault = 3\nanthropic = 1\n"
                                             "[timeouts]\nfirst_token_s = 30\ntotal_s = 0\n"
                                             "[retry]\nbudget_minutes = 2.5\n"))
    assert settings.max_concurrent("anthropic") == 1 and settings.max_concurrent("google") == 3
    assert settings.timeouts.first_token_s == 30 and settings.timeouts.total_s is None
    assert settings.retry_budget_s == 150


@pytest.mark.parametrize("text, message", [
    ("[concurrency]\nopenai = 0\n", "concurrency.openai"),
    ("[timeouts]\ntotal_s = -1\n", "timeouts.total_s"),
    ('[prices."openai:x"]\ninptu = 1.0\n', "inptu"),
    ("[retry]\nbudget_minutes = 'ten'\n", "retry.budget_minutes"),
    ("this is = = not toml", "not valid TOML"),
])
def test_invalid_config_names_the_file_and_the_field(tmp_path: Path, text: str, message: str):
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text))
    assert message in str(caught.value) and "config.toml" in str(caught.value)


def test_settings_repr_never_shows_keys(tmp_path: Path):
    settings = load_settings(write(tmp_path, '[keys]\nanthropic = "sk-FAKE-KEY-DO-NOT-LEAK-123"\n'))
    assert settings.api_key("anthropic") == "sk-FAKE-KEY-DO-NOT-LEAK-123"
    assert "DO-NOT-LEAK" not in repr(settings)
