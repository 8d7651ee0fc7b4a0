"""Post-processing after an experiment ends (completed, failed or interrupted).

Steps: `import` (JSONL → DuckDB), `transcripts`, `readme`, `notebook`, `index` (the
full-text search index). Three chains run side by side (see `CHAINS`): the import; the record
steps (transcripts, README, notebook), which read the JSONL once, one conversation at a time
(see `StepContext`), not the database, so a locked database costs only the import; and the
index (`experiments.post_steps`). For a large experiment the record steps and the index run in
a worker process (`experiments.post_worker`), so they use the second core instead of waiting
for the import's turn on the GIL; what they write is the same. Each step is logged to
`post_processing.log` in the experiment directory, and a failing step is recorded without
stopping the others. PostProcessingStart/Complete events are appended to
`experiment_events.jsonl` and, when a bus is given, published on it.

`run_post_processing` is a coroutine: blocking steps run in worker threads, so it can be
awaited on the app's event loop or right after a headless run; `run_post_processing_sync` is
the same for code without a loop. The queue that runs them one at a time, first in, first out,
is the run session's (`experiments.session`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.events import (
    Event,
    PostProcessingCompleteEvent,
    PostProcessingStartEvent,
    utc_now,
)
from pidgin_tui.experiments.post_steps import (
    STEP_FUNCTIONS,
    STEPS,
    StepContext,
    StepOutcome,
    run_chains,
)
from pidgin_tui.record.jsonl import JsonlWriter, read_all_events
from pidgin_tui.record.layout import DATABASE_NAME, EXPERIMENT_EVENTS_NAME, POST_PROCESSING_LOG


@dataclass(slots=True)
class PostProcessingResult:
    experiment_dir: Path
    succeeded: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    """Step name → one-line error."""
    notes: dict[str, str] = field(default_factory=dict)
    """Step name → what it did (e.g. the import summary)."""
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed


def _experiment_id(experiment_dir: Path) -> str:
    from pidgin_tui.record.manifest import read_manifest

    manifest = read_manifest(experiment_dir, conversations=False)
    return manifest.experiment_id if manifest is not None else ""


WORKER_STEPS = frozenset({"transcripts", "readme", "notebook", "index"})
"""What runs in a worker process beside the import for a large experiment
(`experiments.post_worker`): in threads of this process these mostly wait for the GIL."""
WORKER_MIN_BYTES = 8 * 1024 * 1024
"""Conversation files smaller than this in all are post-processed in this process: starting a
worker (a fresh interpreter and its imports, ~0.3 s of CPU) would cost more than it saves."""


def worth_a_worker(experiment_dir: Path, steps: Sequence[str]) -> bool:
    """Whether to run `WORKER_STEPS` in a worker process: only when the import runs beside
    them and the experiment is large enough to gain from a second core."""
    from pidgin_tui.record.layout import conversation_files

    if not any(s in WORKER_STEPS for s in steps) or all(s in WORKER_STEPS for s in steps):
        return False
    total = 0
    for path in conversation_files(experiment_dir):
        try:
            total += path.stat().st_size
        except OSError:
            continue
        if total >= WORKER_MIN_BYTES:
            return True
    return False


def _log(experiment_dir: Path, message: str) -> None:
    with open(experiment_dir / POST_PROCESSING_LOG, "a", encoding="utf-8") as handle:
        handle.write(f"{utc_now()} {message}\n")


def _record(experiment_dir: Path, event: Event) -> None:
    """Append to experiment_events.jsonl, numbered after the file's last event."""
    path = experiment_dir / EXPERIMENT_EVENTS_NAME
    existing = read_all_events(path).events if path.exists() else []
    event.seq = max((e.seq for e in existing), default=0) + 1
    writer = JsonlWriter(path)
    try:
        writer.write(event)
    finally:
        writer.close()


async def _emit(experiment_dir: Path, event: Event, bus: EventBus | None) -> None:
    await asyncio.to_thread(_record, experiment_dir, event)
    if bus is not None:
        import msgspec

        await bus.publish(msgspec.structs.replace(event))  # the bus restamps seq on its copy


def _take(result: PostProcessingResult, outcome: StepOutcome) -> None:
    """Log one step's outcome and add it to `result`."""
    if outcome.error is not None:
        result.failed[outcome.step] = outcome.error
        _log(result.experiment_dir,
             f"{outcome.step}: FAILED after {outcome.ms} ms: {outcome.error}")
    else:
        result.succeeded.append(outcome.step)
        result.notes[outcome.step] = outcome.note
        _log(result.experiment_dir, f"{outcome.step}: ok in {outcome.ms} ms: {outcome.note}")


async def _run_in_worker(ctx: StepContext, steps: Sequence[str],
                         on_outcome: Callable[[StepOutcome], None]) -> None:
    """Run `steps` in a worker process; in this one when no process can be started."""
    from pidgin_tui.experiments import post_worker

    started = time.perf_counter()
    try:
        peak = await post_worker.run(ctx.experiment_dir, ctx.database, steps, on_outcome)
    except OSError as exc:
        _log(ctx.experiment_dir, f"no worker process ({exc}): {', '.join(steps)} run here")
        await run_chains(ctx, steps, on_outcome)
        return
    if steps:
        _log(ctx.experiment_dir, f"worker process ({', '.join(steps)}) ended after "
             f"{(time.perf_counter() - started) * 1000:.0f} ms"
             + (f", peak memory {peak / 1024:.0f} MB" if peak is not None else ""))


def default_database(experiment_dir: Path) -> Path:
    """`<output root>/experiments/experiments.duckdb`, beside the experiment directories."""
    return experiment_dir.parent / DATABASE_NAME


async def run_post_processing(experiment_dir: Path, database: Path | None = None,
                              bus: EventBus | None = None,
                              steps: Sequence[str] = STEPS, *,
                              worker: bool | None = None) -> PostProcessingResult:
    """Run every step on one experiment directory; never raises for a failing step.

    `database` defaults to the output root's `experiments/experiments.duckdb`. `worker`: run
    `WORKER_STEPS` in a worker process (True), here (False), or as `worth_a_worker` decides.
    """
    database = database or default_database(experiment_dir)
    unknown = [s for s in steps if s not in STEP_FUNCTIONS]
    if unknown:
        raise ValueError(f"unknown post-processing step(s): {', '.join(unknown)}")
    started = time.perf_counter()
    result = PostProcessingResult(experiment_dir)
    exp_id = await asyncio.to_thread(_experiment_id, experiment_dir)
    _log(experiment_dir, f"post-processing started: {', '.join(steps)}")
    await _emit(experiment_dir, PostProcessingStartEvent(experiment_id=exp_id,
                                                         steps=list(steps)), bus)
    ctx = StepContext(experiment_dir, database, steps)
    if worker is None:
        worker = await asyncio.to_thread(worth_a_worker, experiment_dir, steps)
    there = [s for s in steps if s in WORKER_STEPS] if worker else []
    here = [s for s in steps if s not in there]

    def take(outcome: StepOutcome) -> None:
        _take(result, outcome)

    await asyncio.gather(run_chains(ctx, here, take), _run_in_worker(ctx, there, take))
    result.succeeded.sort(key=list(steps).index)
    result.duration_ms = int((time.perf_counter() - started) * 1000)
    _log(experiment_dir, f"post-processing finished in {result.duration_ms} ms: "
         f"{len(result.succeeded)} ok, {len(result.failed)} failed")
    await _emit(experiment_dir, PostProcessingCompleteEvent(
        experiment_id=exp_id, succeeded=list(result.succeeded), failed=dict(result.failed),
        duration_ms=result.duration_ms), bus)
    return result


def run_post_processing_sync(experiment_dir: Path, database: Path | None = None,
                             steps: Sequence[str] = STEPS, *,
                             worker: bool | None = None) -> PostProcessingResult:
    """`run_post_processing` for callers without an event loop."""
    return asyncio.run(run_post_processing(experiment_dir, database, steps=steps,
                                           worker=worker))
