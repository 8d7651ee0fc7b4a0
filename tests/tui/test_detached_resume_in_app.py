"""In a browser session (`serve`: every run detached) a resume goes detached too, so closing the
page never ends it; the app follows it from the disk like a launch."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from pidgin_tui.record.layout import pid_file
from pidgin_tui.record.manifest import Manifest, read_manifest

from .conftest import SIZE
from .helpers import wait_until

REPO = Path(__file__).resolve().parents[2]


async def _interrupted_run(output_root: Path) -> Path:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "pidgin_tui", "--output", str(output_root), "run", "-a",
         "local:test", "-b", "local:instant", "-t", "4", "--name", "cut-short", "-q",
         "--no-post-process"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(1200):  # a guard against a hang, not a measurement
            manifests = list(output_root.glob("experiments/*/manifest.json"))
            if manifests and (read_manifest(manifests[0].parent) or Manifest()
                                ).total_turns >= 1:
                break
            await asyncio.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    finally:
        process.kill()
    return manifests[0].parent


async def test_a_resume_in_a_browser_session_runs_detached_to_the_end(
        make_app, output_root: Path) -> None:  # type: ignore[no-untyped-def]
    path = await _interrupted_run(output_root)
    manifest = read_manifest(path) or Manifest()
    assert manifest.status == "interrupted"
    experiment_id = manifest.experiment_id
    app = make_app(detach_runs=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        screen = app.screen
        await wait_until(pilot, lambda: bool(getattr(screen, "rows", None)), "the experiment")
        await pilot.press("u")
        await wait_until(pilot, lambda: any("runs in the background" in n.message
                                            for n in app._notifications), "the detached start")
        notes = [n.message for n in app._notifications]
        assert any(m.startswith(f"resuming 1 conversation(s) of {experiment_id} in the "
                                "background") for m in notes), notes
        assert not app.runs, "nothing runs inside the page's process"
    for _ in range(2400):  # the page is closed: the resumed run goes on to its end
        if (read_manifest(path) or Manifest()).status == "completed" and \
                not pid_file(output_root, experiment_id).exists():
            break
        await asyncio.sleep(0.05)
    assert (read_manifest(path) or Manifest()).status == "completed"
    assert not pid_file(output_root, experiment_id).exists()
