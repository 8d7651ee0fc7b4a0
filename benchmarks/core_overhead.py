"""Orchestration overhead per turn, JSONL size, --help time and a 20×20 parallel experiment.

Run: python benchmarks/core_overhead.py

Orchestration including the live metrics (2026-12-02): 1.17–1.44 ms/turn in quieter runs,
1.8–2.4 ms/turn at load average 6 on 2 cores (goal <= 1 ms, not met). Counted in instructions
(callgrind, stable under load), a 200-turn conversation costs 3.5 M per turn without metrics and
6.75 M with them; see docs/metrics.md ("Cost per turn").

At load 1.2 on the session's final main: orchestration 0.990 ms/turn without metrics (0.57 last
wave, before the compact record writer), 1.904 ms/turn with them.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pidgin_tui.core.provider import ProviderRequest  # noqa: E402
from pidgin_tui.experiments.runner import ExperimentRunner  # noqa: E402
from pidgin_tui.experiments.spec import parse_spec  # noqa: E402
from pidgin_tui.metrics.turn import make_turn_scorer  # noqa: E402
from pidgin_tui.providers.local import compose_reply  # noqa: E402


def provider_only_cost(turns: int) -> float:
    """Time the local model itself spends composing replies, to subtract from the total."""
    import random

    request = ProviderRequest(model="instant", system="", messages=[], turn_number=3)
    started = time.perf_counter()
    for turn in range(turns * 2):
        compose_reply(random.Random(turn), request)
    return time.perf_counter() - started


def no_metrics(profile: str, first_speaker: str, prompt: str):  # type: ignore[no-untyped-def]
    """A scorer that computes nothing, to isolate orchestration from the metrics."""
    return lambda turn, text_a, text_b: ({}, None)


async def one_conversation(root: Path, turns: int, metrics: bool = False) -> tuple[float, Path]:
    spec = parse_spec({"agent_a": "local:instant", "agent_b": "local:instant",
                       "max_turns": turns, "convergence_threshold": None})
    runner = ExperimentRunner(spec, root,
                              scorer_factory=make_turn_scorer if metrics else no_metrics)
    started = time.perf_counter()
    result = await runner.run()
    return time.perf_counter() - started, result.experiment_dir


def main() -> None:
    turns = 200
    with tempfile.TemporaryDirectory() as tmp:
        timings = []
        for attempt in range(5):
            elapsed, exp_dir = asyncio.run(one_conversation(Path(tmp) / str(attempt), turns))
            timings.append(elapsed)
        best = min(timings)
        model = provider_only_cost(turns)
        jsonl_bytes = sum(p.stat().st_size for p in exp_dir.glob("*.jsonl"))
        print(f"200-turn local:instant conversation: best {best * 1000:.1f} ms, "
              f"median {statistics.median(timings) * 1000:.1f} ms")
        print(f"  per turn (total, incl. JSONL + manifest + scorer): {best / turns * 1000:.3f} ms")
        print(f"  per turn (orchestration, minus the local model's text generation "
              f"{model / turns * 1000:.3f} ms): {(best - model) / turns * 1000:.3f} ms "
              f"(goal <= 1 ms)")
        print(f"  JSONL bytes: {jsonl_bytes:,} ({jsonl_bytes / 1e6:.3f} MB; goal <= 0.5 MB)")
        # The figure: orchestration *including* the live metrics and end-state
        # detectors, measured like the one above (best of 5, the model's own time subtracted).
        metric_timings = []
        for attempt in range(5):
            elapsed, exp_dir = asyncio.run(one_conversation(Path(tmp) / f"m{attempt}", turns,
                                                            True))
            metric_timings.append(elapsed)
        with_metrics = min(metric_timings)
        metrics_bytes = sum(p.stat().st_size for p in exp_dir.glob("*.jsonl"))
        print(f"same with the live per-turn metrics and end-state detectors: best "
              f"{with_metrics / turns * 1000:.3f} ms/turn; orchestration including metrics "
              f"{(with_metrics - model) / turns * 1000:.3f} ms/turn (goal <= 1 ms); "
              f"JSONL {metrics_bytes / 1e6:.3f} MB")

        help_times = []
        for _ in range(5):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "pidgin_tui", "--help"], check=True,
                           capture_output=True, cwd=Path(__file__).resolve().parent.parent)
            help_times.append(time.perf_counter() - started)
        print(f"pidgin-tui --help: best {min(help_times):.3f} s, median "
              f"{statistics.median(help_times):.3f} s (goal <= 0.25 s)")

        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pidgin_tui", "run", "-a", "local:instant", "-b",
                        "local:instant", "-t", "20", "-r", "20", "--max-parallel", "4", "-q",
                        "--output", str(Path(tmp) / "grid")], check=True,
                       cwd=Path(__file__).resolve().parent.parent)
        print(f"20 x 20 local:instant, --max-parallel 4 (CLI, wall): "
              f"{time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
