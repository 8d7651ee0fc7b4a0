"""Benchmark: a 20 × 20 experiment with local:instant, max_parallel 4, then post-processing.

Two figures: in-process (ExperimentRunner + run_post_processing, as the app does it), and as a
user types it (`pidgin-tui run ...`, which post-processes before it exits), wall clock
including interpreter start-up. Goal: ≤ 3 s.

    /work/venv/bin/python benchmarks/end_to_end.py
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pidgin_tui.experiments.post_processor import run_post_processing  # noqa: E402
from pidgin_tui.experiments.runner import ExperimentRunner  # noqa: E402
from pidgin_tui.experiments.spec import parse_spec  # noqa: E402
from pidgin_tui.record.layout import database_path  # noqa: E402

SPEC = {"agent_a": "local:instant", "agent_b": "local:instant", "max_turns": 20,
        "repetitions": 20, "max_parallel": 4, "name": "e2e"}


async def in_process(root: Path) -> tuple[float, float, object]:
    start = time.perf_counter()
    result = await ExperimentRunner(parse_spec(SPEC), root).run()
    ran = time.perf_counter() - start
    post = await run_post_processing(result.experiment_dir, database_path(root))
    return ran, time.perf_counter() - start, post


def via_cli(root: Path) -> tuple[float, dict[str, object]]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "pidgin_tui", "run", "-a", "local:instant",
                          "-b", "local:instant", "-t", "20", "-r", "20", "--max-parallel", "4",
                          "--name", "e2e-cli", "--quiet", "--json", "--output", str(root)],
                         capture_output=True, text=True, env=env, check=True)
    elapsed = time.perf_counter() - start
    return elapsed, json.loads(run.stdout).get("post_processing", {})


def main() -> None:
    for attempt in range(3):
        with tempfile.TemporaryDirectory() as tmp:
            ran, total, post = asyncio.run(in_process(Path(tmp)))
            print(f"in-process #{attempt + 1}: run {ran:.2f} s, + post-processing "
                  f"{total - ran:.2f} s = {total:.2f} s  {post.notes.get('import', '')}")
    for attempt in range(3):
        with tempfile.TemporaryDirectory() as tmp:
            total, post = via_cli(Path(tmp))
            print(f"CLI #{attempt + 1}: `pidgin-tui run -t 20 -r 20 --max-parallel 4` incl. "
                  f"post-processing {post.get('succeeded')}: {total:.2f} s (goal <= 3 s)")


if __name__ == "__main__":
    main()
