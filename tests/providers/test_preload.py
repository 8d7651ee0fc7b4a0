"""The SDKs a plan needs are imported in a worker thread before the first request."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from pidgin_tui.experiments.runner import ExperimentRunner
from pidgin_tui.experiments.spec import ExperimentSpec
from pidgin_tui.providers import preload
from pidgin_tui.providers.registry import default_registry
from tests.fakes.llm_server import FakeLLMServer
from tests.providers.test_conversation_with_providers import no_wait_responder


async def test_sdks_are_imported_off_the_loop_before_any_request(
        fake_server: FakeLLMServer, point_env_at, tmp_path: Path,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch):
    point_env_at(fake_server)
    calls: list[tuple[list[str], bool, int]] = []
    real = preload.import_modules

    def recording(names):  # type: ignore[no-untyped-def]
        names = list(names)
        calls.append((names, threading.current_thread() is threading.main_thread(),
                      len(fake_server.requests)))
        real(names)

    monkeypatch.setattr(preload, "import_modules", recording)
    spec = ExperimentSpec(agent_a="claude", agent_b="gemini", max_turns=1, prompt="Hi.")
    runner = ExperimentRunner(spec, tmp_path / "out", registry=default_registry(),
                              responder_factory=no_wait_responder)
    await runner.run()
    assert calls == [(["anthropic", "google.genai"], False, 0)]
    assert len(fake_server.requests) == 2
