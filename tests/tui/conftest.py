"""Fixtures for the TUI tests: an isolated config dir, a fixed clock and fixed ids."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pidgin_tui.core.provider_table import ProviderSpec, provider_spec
from pidgin_tui.providers.local import LocalProvider
from pidgin_tui.providers.registry import Registry, add_provider
from pidgin_tui.record.manifest_types import Manifest
from pidgin_tui.tui.app import PidginApp

SIZE = (120, 40)
"""Terminal size of every test, as the tmux smoke test and the screenshots."""
LOCAL: ProviderSpec = provider_spec("local")  # type: ignore[assignment]
"""The local models' row of the provider table."""
FAST_TOKENS_PER_SECOND = 400.0
"""`local:test` pace in tests: streams visibly (many chunks) but finishes in well under a second."""


class FrozenClock:
    """A monotonic clock that only moves when a test moves it."""

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def fast_registry() -> Registry:
    registry = Registry()
    add_provider(registry, LOCAL, lambda: LocalProvider(tokens_per_second=None))
    return registry


class Pace:
    """How fast `local:test` streams in a paced registry. A test that acted on a run mid-way
    can speed up the rest (`fast()`): messages requested from then on stream without delay."""

    def __init__(self, tokens_per_second: float) -> None:
        self.tokens_per_second: float | None = tokens_per_second

    def fast(self) -> None:
        self.tokens_per_second = None


def paced_registry(pace: float | Pace) -> Registry:
    """Local models where `test` streams at the given pace (instant stays instant)."""
    pace = pace if isinstance(pace, Pace) else Pace(pace)

    class Paced(LocalProvider):
        def _delay_for(self, model: str) -> float:
            if model != "test" or pace.tokens_per_second is None:
                return 0.0
            return 1.0 / pace.tokens_per_second

    registry = Registry()
    add_provider(registry, LOCAL, Paced)
    return registry


@pytest.fixture(autouse=True)
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "config"
    monkeypatch.setenv("PIDGIN_CONFIG_DIR", str(config))
    for name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY",
                 "XAI_API_KEY", "PIDGIN_OUTPUT_DIR"):
        monkeypatch.delenv(name, raising=False)
    return config


@pytest.fixture
def output_root(tmp_path: Path) -> Path:
    return tmp_path / "out"


@pytest.fixture
def make_app(output_root: Path) -> Callable[..., PidginApp]:
    """A deterministic app: fixed experiment ids, frozen clock, no animations."""

    def make(registry: Registry | None = None, **kwargs: Any) -> PidginApp:
        counter = iter(range(1, 1_000))
        app = PidginApp(output_root, experiment_id_factory=lambda: f"exp{next(counter):05d}",
                        clock=kwargs.pop("clock", FrozenClock()),
                        registry=registry or paced_registry(FAST_TOKENS_PER_SECOND), **kwargs)
        app.animation_level = "none"
        return app

    return make


def read_manifest(experiment_dir: Path) -> Manifest:
    from pidgin_tui.record.manifest import read_manifest as read

    manifest = read(experiment_dir)
    assert manifest is not None, f"{experiment_dir}: no readable manifest"
    return manifest


def read_events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
