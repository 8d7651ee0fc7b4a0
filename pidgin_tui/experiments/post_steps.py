"""The post-processing steps, and running them side by side: what this process and a worker
process (`experiments.post_worker`) share.

Steps: `import` (JSONL → DuckDB), `transcripts`, `readme`, `notebook`, `index` (the full-text
search index). Each takes the `StepContext` and returns a one-line note of what it did, or
raises; `run_chains` runs them by `CHAINS` and reports each one's `StepOutcome` as it ends.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STEPS: tuple[str, ...] = ("import", "transcripts", "readme", "notebook", "index")


class StepContext:
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


def _step_import(ctx: StepContext) -> str:
    from pidgin_tui.database.event_store import EventStore

    report = EventStore(ctx.database).import_experiment(ctx.experiment_dir)
    return "; ".join([report.summary(), *report.problems])


def _step_transcripts(ctx: StepContext) -> str:
    from pidgin_tui.reports.transcript import write_summary

    experiment = ctx.experiment  # writes each transcript as it reads its conversation
    if ctx.transcript_error is not None:
        raise RuntimeError(ctx.transcript_error)
    write_summary(ctx.experiment_dir, experiment, ctx.summary_rows)
    return f"{ctx.transcripts_written} transcripts and summary.md written"


def _step_readme(ctx: StepContext) -> str:
    from pidgin_tui.reports.readme import write_readme

    experiment = ctx.experiment
    return f"{write_readme(ctx.experiment_dir, experiment, ctx.tally).name} written"


def _step_notebook(ctx: StepContext) -> str:
    from pidgin_tui.reports.notebook import write_notebook

    experiment = ctx.experiment
    path = write_notebook(ctx.experiment_dir, experiment.experiment_id, experiment.name)
    return f"{path.name} written"


def _step_index(ctx: StepContext) -> str:
    from pidgin_tui.search.index import refresh

    return refresh(ctx.experiment_dir.parent.parent, [ctx.experiment_dir]).summary()


STEP_FUNCTIONS: dict[str, Callable[[StepContext], str]] = {
    "import": _step_import, "transcripts": _step_transcripts, "readme": _step_readme,
    "notebook": _step_notebook, "index": _step_index,
}
CHAINS: tuple[frozenset[str], ...] = (
    frozenset({"import"}), frozenset({"transcripts", "readme", "notebook"}),
    frozenset({"index"}))
"""Steps run one after another within a chain, the chains side by side: the import (mostly
DuckDB's own threads), the steps that read the record (once, see `StepContext`; their memory is
one conversation's, so it does not add to the import's), and the index (mostly SQLite's)."""
@dataclass(frozen=True, slots=True)
class StepOutcome:
    """How one step ended: what it did, or its one-line error. Picklable: a worker process
    sends it back (`experiments.post_worker`)."""

    step: str
    ms: int
    note: str = ""
    error: str | None = None


async def _run_step(step: str, ctx: StepContext) -> StepOutcome:
    started = time.perf_counter()
    try:
        note = await asyncio.to_thread(STEP_FUNCTIONS[step], ctx)
    except Exception as exc:  # a failing step is reported and the others still run
        return StepOutcome(step, _ms_since(started), error=str(exc).strip() or type(exc).__name__)
    return StepOutcome(step, _ms_since(started), note)


def _ms_since(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


async def run_chains(ctx: StepContext, steps: Sequence[str],
                     on_outcome: Callable[[StepOutcome], None]) -> None:
    """Run `steps` by `CHAINS` (in order within a chain, the chains side by side), calling
    `on_outcome` as each one ends; never raises for a failing step."""

    async def run_chain(chain: list[str]) -> None:
        for step in chain:
            on_outcome(await _run_step(step, ctx))

    await asyncio.gather(*(run_chain([s for s in steps if s in chain]) for chain in CHAINS))
