"""Run one upstream Pidgin (pidgin-ai) experiment and time it: run by upstream_compare.py.

This file runs INSIDE the upstream virtualenv (it imports `pidgin`, never `pidgin_tui`) and
drives upstream's own headless path: `ExperimentRunner.run_experiment_with_id`, what its
background process (`pidgin run -q`) runs, with `display_mode="none"`, one conversation of
`local:test` against `local:test`. Upstream's per-turn defaults stay as they are: its
JSONL events (every `MessageRequestEvent` carries the history), its live convergence score,
its manifest; convergence only warns, so that all turns run (as `convergence_threshold: null`
does on our side). Post-processing (DuckDB import with its ~80 metrics, transcripts, and a
notebook when nbformat is installed, which pidgin-ai does not require) runs as upstream runs it
and is timed apart.

Timing hooks wrap upstream's methods without changing what they do:
- the conversation: `ExperimentRunner._run_single_conversation` (wall, process CPU);
- post-processing: `PostProcessor.process_experiment`;
- the model: `LocalTestModel.generate` (its text generation; it awaits nothing, so the time
  from call to return is the model's alone), and the time spent waiting for each chunk of
  `LocalProvider.stream_response` (generation plus its simulated streaming latency).

`--count-only` (for callgrind, which counts the whole process: a long run minus a short one)
runs no warm-up and skips post-processing, which comes after the conversation.

`--stream-delay none` replaces the `asyncio` that upstream's `providers/local.py` sleeps with by
one whose `sleep` yields without waiting: upstream's test model still streams word by word
(one chunk and one event-loop pass per word), without its 10 ms per word of simulated latency;
this is the counterpart of our `local:instant` ("the same model without delay").

Usage: PYTHON upstream_pidgin_run.py OUTPUT_DIR RESULT_JSON --turns N [--stream-delay ...]
       PYTHON upstream_pidgin_run.py --probe   (prints upstream's version)
Prints nothing on success (upstream's own output goes to OUTPUT_DIR/upstream.log).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import types
from pathlib import Path
from typing import Any

TIMES: dict[str, float] = {"generate_wall": 0.0, "generate_cpu": 0.0, "stream_wall": 0.0,
                           "chunks": 0.0, "generate_calls": 0.0}


def _add(key: str, value: float) -> None:
    TIMES[key] = TIMES.get(key, 0.0) + value


def install_hooks(no_delay: bool, post_processing: bool) -> None:
    """Wrap upstream's methods with timers (behaviour unchanged apart from `no_delay` and
    `post_processing`)."""
    from pidgin.experiments import post_processor, runner
    from pidgin.providers import local, test_model

    if not post_processing:
        async def skip(*_args: Any, **_kwargs: Any) -> None:
            return None

        post_processor.PostProcessor.process_experiment = skip  # type: ignore[method-assign]

    original_generate = test_model.LocalTestModel.generate

    async def generate(self: Any, *args: Any, **kwargs: Any) -> str:
        wall, cpu = time.perf_counter(), time.process_time()
        reply = await original_generate(self, *args, **kwargs)
        _add("generate_wall", time.perf_counter() - wall)
        _add("generate_cpu", time.process_time() - cpu)
        _add("generate_calls", 1)
        return reply

    test_model.LocalTestModel.generate = generate  # type: ignore[method-assign]

    original_stream = local.LocalProvider.stream_response

    async def stream_response(self: Any, *args: Any, **kwargs: Any) -> Any:
        chunks = original_stream(self, *args, **kwargs)
        while True:
            started = time.perf_counter()
            try:
                chunk = await chunks.__anext__()
            except StopAsyncIteration:
                _add("stream_wall", time.perf_counter() - started)
                return
            _add("stream_wall", time.perf_counter() - started)
            _add("chunks", 1)
            yield chunk

    local.LocalProvider.stream_response = stream_response  # type: ignore[method-assign]

    if no_delay:
        async def no_wait(_seconds: float) -> None:
            await asyncio.sleep(0)

        local.asyncio = types.SimpleNamespace(sleep=no_wait)  # type: ignore[attr-defined]

    for owner, name, key in ((runner.ExperimentRunner, "_run_single_conversation", "conv"),
                             (post_processor.PostProcessor, "process_experiment", "post")):
        original = getattr(owner, name)

        def timed(original: Any, key: str) -> Any:
            async def wrapper(*args: Any, **kwargs: Any) -> Any:
                wall, cpu = time.perf_counter(), time.process_time()
                try:
                    return await original(*args, **kwargs)
                finally:
                    _add(f"{key}_wall", time.perf_counter() - wall)
                    _add(f"{key}_cpu", time.process_time() - cpu)
            return wrapper

        setattr(owner, name, timed(original, key))


async def run(name: str, turns: int) -> tuple[int, int]:
    """One experiment of one conversation; returns (turns completed, JSONL bytes)."""
    from pidgin.experiments import ExperimentConfig
    from pidgin.experiments.runner import ExperimentRunner
    from pidgin.io.paths import get_experiments_dir

    config = ExperimentConfig(name=name, agent_a_model="local:test",
                              agent_b_model="local:test", max_turns=turns, repetitions=1,
                              convergence_action="warn", display_mode="none")
    experiments = get_experiments_dir().resolve()
    runner = ExperimentRunner(experiments)
    await runner.run_experiment_with_id(f"exp_{name}", name, config)
    exp_dir = experiments / name
    completed = 0
    for path in exp_dir.glob("events_*.jsonl"):
        with path.open(encoding="utf-8") as events:
            completed += sum('"TurnCompleteEvent"' in line for line in events)
    return completed, sum(p.stat().st_size for p in exp_dir.glob("events_*.jsonl"))


def upstream_version() -> str:
    """The installed distribution's version (its `pidgin.__version__` is not kept up to date)."""
    from importlib.metadata import version

    return version("pidgin-ai")


def main() -> None:
    if sys.argv[1:] == ["--probe"]:  # is upstream importable here? prints its version
        import pidgin.experiments.runner  # noqa: F401

        print(upstream_version())
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("output", type=Path)
    parser.add_argument("result", type=Path)
    parser.add_argument("--turns", type=int, required=True)
    parser.add_argument("--stream-delay", choices=("shipped", "none"), default="none")
    parser.add_argument("--count-only", action="store_true",
                        help="for instruction counts: no warm-up, post-processing skipped")
    args = parser.parse_args()
    args.output.mkdir(parents=True, exist_ok=True)
    # Upstream writes under PIDGIN_ORIGINAL_CWD and the XDG folders: all of it in OUTPUT_DIR.
    os.environ.update(PIDGIN_ORIGINAL_CWD=str(args.output), PIDGIN_PROJECT_BASE=str(args.output),
                      XDG_CONFIG_HOME=str(args.output / "config"),
                      XDG_CACHE_HOME=str(args.output / "cache"),
                      XDG_DATA_HOME=str(args.output / "data"))
    log = open(args.output / "upstream.log", "w", encoding="utf-8")  # noqa: SIM115
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    sys.stdout = sys.stderr = log

    install_hooks(args.stream_delay == "none", not args.count_only)
    if not args.count_only:
        # A short experiment first, as our side times warm conversations (lazy imports and
        # first-call set-up are not per-turn costs); then the counters start from zero.
        asyncio.run(run("warmup", 3))
        TIMES.clear()
    started, cpu_started = time.perf_counter(), time.process_time()
    completed, jsonl_bytes = asyncio.run(run("bench", args.turns))
    TIMES["total_wall"] = time.perf_counter() - started
    TIMES["total_cpu"] = time.process_time() - cpu_started
    TIMES["turns"] = completed
    TIMES["jsonl_bytes"] = jsonl_bytes
    result: dict[str, Any] = dict(TIMES, version=upstream_version(),
                                  stream_delay=args.stream_delay)
    args.result.write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
