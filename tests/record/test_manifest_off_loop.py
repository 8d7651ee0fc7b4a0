"""Manifest writes during a run happen off the event loop (#11 item 9): the loop that streams
the conversation never waits for a manifest's write and fsync."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from pidgin_tui.experiments.runner import ExperimentRunner
from pidgin_tui.experiments.spec import parse_spec
from pidgin_tui.record.manifest import ManifestWriter


async def test_manifest_writes_while_conversations_run_leave_the_loop_thread(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writes: list[tuple[threading.Thread, dict[str, object]]] = []
    persist = ManifestWriter._persist

    def recording(self: ManifestWriter, summary: bytes, lines: bytes, fresh: bool) -> None:
        writes.append((threading.current_thread(), json.loads(summary)))
        persist(self, summary, lines, fresh)

    monkeypatch.setattr(ManifestWriter, "_persist", recording)
    spec = parse_spec({"agent_a": "local:test", "agent_b": "local:test", "max_turns": 4,
                       "repetitions": 2, "name": "offloop"})
    loop_thread = threading.current_thread()  # the thread running this test's event loop
    result = await ExperimentRunner(spec, tmp_path).run()

    during = [thread for thread, summary in writes if summary["running_conversations"]]
    assert during, "no manifest write while a conversation ran"
    assert all(thread is not loop_thread for thread in during)
    final = json.loads((result.experiment_dir / "manifest.json").read_text())
    assert final["status"] == "completed" and final["total_turns"] == 8
