"""The app refuses to be a second writer: resuming an experiment another process is writing
names that process and starts nothing (#11: one writer per experiment)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pidgin_tui.experiments.synthetic import write_experiment
from pidgin_tui.record.manifest import read_manifest
from pidgin_tui.tui.screens.monitor import MonitorScreen
from tests.conftest import cli_env

from .conftest import SIZE, fast_registry
from .helpers import record_toasts, wait_until

HOLD_LOCK = """
import sys
from pathlib import Path
from pidgin_tui.record.lock import ExperimentLock
lock = ExperimentLock.acquire(Path(sys.argv[1]))
print("held", flush=True)
sys.stdin.read()  # until the test closes our stdin
"""


async def test_resuming_from_the_monitor_while_another_process_writes_is_refused(
        make_app, output_root: Path) -> None:
    cut = write_experiment(output_root, "cut001", "cut", conversations=1, turns=2, running=1,
                           pid=2**22 + 13)  # the manifest's writer is gone: resumable
    before = (cut / "manifest.json").read_bytes()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(cut)], env=cli_env(),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        app = make_app(fast_registry())
        toasts = record_toasts(app)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await pilot.press("f4")
            await wait_until(pilot, lambda: isinstance(app.screen, MonitorScreen)
                             and bool(app.screen.rows), "the experiment in the monitor")
            await pilot.press("u")
            await wait_until(pilot, lambda: any(t.startswith("cannot resume") for t in toasts),
                             "the refusal")
            refusal = next(t for t in toasts if t.startswith("cannot resume"))
            assert f"pid {holder.pid}" in refusal and "one writer per experiment" in refusal
            assert not app.runs and not app.running_runs
    finally:
        holder.communicate("", timeout=30)
    assert (cut / "manifest.json").read_bytes() == before  # nothing was written
    manifest = read_manifest(cut)
    assert manifest is not None and manifest.status == "running"
