"""Real experiments for analysis tests: run with the local models through the real runner."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

from pidgin_tui.core.events import Event
from pidgin_tui.experiments.runner import ExperimentRunner
from pidgin_tui.experiments.spec import parse_spec
from pidgin_tui.record.jsonl import read_all_events


def run_experiment(root: Path, **spec: Any) -> Path:
    """Run an experiment under `root` (local models by default); returns its directory."""
    data = {"agent_a": "local:instant", "agent_b": "local:instant", "max_turns": 4,
            "repetitions": 3, "name": "analysis-fixture", "think": True, **spec}
    runner = ExperimentRunner(parse_spec(data), root)
    result = asyncio.run(runner.run())
    return result.experiment_dir


def copy_experiment(experiment_dir: Path, root: Path) -> Path:
    """A private copy (same directory name) under `root`/experiments, for tests that mutate it."""
    target = root / "experiments" / experiment_dir.name
    shutil.copytree(experiment_dir, target)
    return target


def jsonl_lines(experiment_dir: Path) -> list[bytes]:
    """Every non-empty line of every JSONL file of the experiment."""
    return [line for path in sorted(experiment_dir.glob("*.jsonl"))
            for line in path.read_bytes().splitlines() if line.strip()]


def recorded_events(experiment_dir: Path) -> list[Event]:
    """Every event of every JSONL file of the experiment, as the one reader returns them (with
    the ids a line leaves to its file's name)."""
    return [event for path in sorted(experiment_dir.glob("*.jsonl"))
            for event in read_all_events(path).events]
