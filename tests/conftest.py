"""Shared test set-up: every test writes under tmp_path and never reaches the network."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Output root, config and cache dirs in tmp_path; no real API keys from the developer's
    shell."""
    monkeypatch.setenv("PIDGIN_OUTPUT_DIR", str(tmp_path / "out"))
    monkeypatch.setenv("PIDGIN_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PIDGIN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    for key in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY",
                "XAI_API_KEY"):
        monkeypatch.delenv(key, raising=False)


@pytest.fixture(autouse=True)
def _no_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    """fsync only costs time in a test (milliseconds each on a busy disk, thousands per run):
    what it guards against, a power cut, never happens in one, and a killed process loses
    nothing the page cache holds. A test about fsync patches it again itself."""
    monkeypatch.setattr(os, "fsync", lambda fd: None)


def cli_env(**extra: str) -> dict[str, str]:
    """Environment for running `python -m pidgin_tui` in a subprocess from this checkout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pidgin_tui", *args]
