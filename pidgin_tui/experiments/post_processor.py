"""Post-processing after an experiment ends (completed, failed or interrupted).

Steps: `import` (JSONL → DuckDB), `transcripts`, `readme`, `notebook`, `index` (the
full-text search index). Three chains run side by side (see `CHAINS`): the import; the record
steps (transcripts, README, notebook), which read the JSONL once, one conversation at a time
(see `_Context`), not the database, so a locked database costs only the import; and the index.
Each step is logged to `post_processing.log` in the experiment directory, and a failing step is
recorded without stopping the others. PostProcessingStart/Complete events are appended to
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
from typing import Any

from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.events import (
    Event,
    PostProcessingCompleteEvent,
    PostProcessingStartEvent,
    utc_now,
)
from pidgin_tui.record.jsonl import JsonlWriter, read_all_events
from pidgin_tui.record.layout import DATABASE_NAME, EXPERIMENT_EVENTS_NAME, POST_PROCESSING_LOG

STEPS: tuple[str, ...] = ("import", "transcripts", "readme", "notebook", "index")


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


class _Context:
    """What the steps share: the paths, and the experiment's JSONL read at most once.

    The read is streamed: each conversation is read with its messages and metrics, its
    transcript written, its row of summary.md rendered and its figures taken for the README
    (`ReadmeTally`), and then it is let go, so memory does not grow with the experiment.
    """

    def __init__(self, experiment_dir: Path, database: Path,
                 steps: Sequence[str] = STEPS) -> None:
        self.experiment_dir = experiment_dir
        self.database = database
        self.write_transcripts = "transcripts" in steps
        self.transcripts_written = 0
        self.transcript_error: str | None = None
        self.summary_rows: list[str] = []
        self.tally: Any = None
        self._experiment: Any = None

    @property
    def experiment(self) -> Any:
        """The experiment's record, without its conversations (read once, on first use)."""
        if self._experiment is None:
            from pidgin_tui.record.experiment import ExperimentRecord
            from pidgin_tui.reports.readme import ReadmeTally
            from pidgin_tui.reports.transcript import summary_row

            tally, rows = ReadmeTally(), []

            def visit(experiment: Any, conv: Any) -> None:
                tally.add(conv, experiment.status_of(conv))
                rows.append(summary_row(conv, experiment))
                if self.write_transcripts and self.transcript_error is None:
                    self._write_transcript(experiment, conv)

            self._experiment = ExperimentRecord.load(self.experiment_dir, detail=False,
                                                     visit=visit, keep=False)
            self.tally, self.summary_rows = tally, rows
        return self._experiment

    def _write_transcript(self, experiment: Any, conv: Any) -> None:
        from pidgin_tui.reports.transcript import write_transcript

        try:
            write_transcript(self.experiment_dir, conv, experiment)
        except Exception as exc:  # reported by the transcripts step; the others still run
            self.transcript_error = f"{conv.conversation_id}: {str(exc).strip() or exc!r}"
        else:
            self.transcripts_written += 1


def _step_import(ctx: _Context) -> str:
    from pidgin_tui.database.event_store import EventStore

    report = EventStore(ctx.database).import_experiment(ctx.experiment_dir)
    return "; ".join([report.summary(), *report.problems])


def _step_transcripts(ctx: _Context) -> str:
    from pidgin_tui.reports.transcript import write_summary

    experiment = ctx.experiment  # writes each transcript as it reads its conversation
    if ctx.transcript_error is not None:
        raise RuntimeError(ctx.transcript_error)
    write_summary(ctx.experiment_dir, experiment, ctx.summary_rows)
    return f"{ctx.transcripts_written} transcripts and summary.md written"


def _step_readme(ctx: _Context) -> str:
    from pidgin_tui.reports.readme import write_readme

    experiment = ctx.experiment
    return f"{write_readme(ctx.experiment_dir, experiment, ctx.tally).name} written"


def _step_notebook(ctx: _Context) -> str:
    from pidgin_tui.reports.notebook import write_notebook

    experiment = ctx.experiment
    path = write_notebook(ctx.experiment_dir, experiment.experiment_id, experiment.name)
    return f"{path.name} written"


def _step_index(ctx: _Context) -> str:
    from pidgin_tui.search.index import refresh

    return refresh(ctx.experiment_dir.parent.parent, [ctx.experiment_dir]).summary()


STEP_FUNCTIONS: dict[str, Callable[[_Context], str]] = {
    "import": _step_import, "transcripts": _step_transcripts, "readme": _step_readme,
    "notebook": _step_notebook, "index": _step_index,
}
CHAINS: tuple[frozenset[str], ...] = (
    frozenset({"import"}), frozenset({"transcripts", "readme", "notebook"}),
    frozenset({"index"}))
"""Steps run one after another within a chain, the chains side by side: the import (mostly
DuckDB's own threads), the steps that read the record (once, see `_Context`; their memory is
one conversation's, so it does not add to the import's), and the index (mostly SQLite's)."""


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


async def _run_step(step: str, ctx: _Context, result: PostProcessingResult) -> None:
    started = time.perf_counter()
    try:
        note = await asyncio.to_thread(STEP_FUNCTIONS[step], ctx)
    except Exception as exc:  # a failing step is reported and the others still run
        message = str(exc).strip() or type(exc).__name__
        result.failed[step] = message
        _log(ctx.experiment_dir, f"{step}: FAILED after "
             f"{(time.perf_counter() - started) * 1000:.0f} ms: {message}")
    else:
        result.succeeded.append(step)
        result.notes[step] = note
        _log(ctx.experiment_dir, f"{step}: ok in "
             f"{(time.perf_counter() - started) * 1000:.0f} ms: {note}")


def default_database(experiment_dir: Path) -> Path:
    """`<output root>/experiments/experiments.duckdb`, beside the experiment directories."""
    return experiment_dir.parent / DATABASE_NAME


async def run_post_processing(experiment_dir: Path, database: Path | None = None,
                              bus: EventBus | None = None,
                              steps: Sequence[str] = STEPS) -> PostProcessingResult:
    """Run every step on one experiment directory; never raises for a failing step.

    `database` defaults to the output root's `experiments/experiments.duckdb`.
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
    ctx = _Context(experiment_dir, database, steps)

    async def run_chain(chain: list[str]) -> None:
        for step in chain:
            await _run_step(step, ctx, result)

    await asyncio.gather(*(run_chain([s for s in steps if s in chain]) for chain in CHAINS))
    result.succeeded.sort(key=list(steps).index)
    result.duration_ms = int((time.perf_counter() - started) * 1000)
    _log(experiment_dir, f"post-processing finished in {result.duration_ms} ms: "
         f"{len(result.succeeded)} ok, {len(result.failed)} failed")
    await _emit(experiment_dir, PostProcessingCompleteEvent(
        experiment_id=exp_id, succeeded=list(result.succeeded), failed=dict(result.failed),
        duration_ms=result.duration_ms), bus)
    return result


def run_post_processing_sync(experiment_dir: Path, database: Path | None = None,
                             steps: Sequence[str] = STEPS) -> PostProcessingResult:
    """`run_post_processing` for callers without an event loop."""
    return asyncio.run(run_post_processing(experiment_dir, database, steps=steps))
