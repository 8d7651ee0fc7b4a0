"""Post-processing: all steps run and are logged; a failing step does not stop the others;
start/complete events reach the bus and experiment_events.jsonl."""

from __future__ import annotations

from pathlib import Path

import pytest

from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.events import (
    PostProcessingCompleteEvent,
    PostProcessingStartEvent,
)
from pidgin_tui.experiments.post_processor import (
    STEPS,
    run_post_processing,
    run_post_processing_sync,
)
from pidgin_tui.record.jsonl import read_all_events
from tests.analysis_fixtures import copy_experiment


@pytest.mark.parametrize("worker", [False, True], ids=["here", "in a worker"])
async def test_every_step_runs_logs_and_publishes(experiment: Path, tmp_path: Path,
                                                  worker: bool) -> None:
    exp = copy_experiment(experiment, tmp_path)
    bus = EventBus()
    seen: list[object] = []
    bus.subscribe_all(seen.append)
    database = tmp_path / "experiments" / "experiments.duckdb"
    result = await run_post_processing(exp, database, bus, worker=worker)
    assert result.ok and result.succeeded == list(STEPS)
    for name in ("README.md", "analysis.ipynb", "transcripts/summary.md"):
        assert (exp / name).is_file(), name
    assert database.is_file()
    log = (exp / "post_processing.log").read_text()
    for step in STEPS:
        assert f"{step}: ok in" in log
    assert [type(e) for e in seen] == [PostProcessingStartEvent, PostProcessingCompleteEvent]
    recorded = read_all_events(exp / "experiment_events.jsonl").events
    assert [e.event_type for e in recorded[-2:]] == ["PostProcessingStartEvent",
                                                   "PostProcessingCompleteEvent"]
    seqs = [e.seq for e in recorded]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    complete = recorded[-1]
    assert isinstance(complete, PostProcessingCompleteEvent)
    assert complete.succeeded == list(STEPS) and complete.failed == {}


@pytest.mark.parametrize("worker", [False, True], ids=["here", "in a worker"])
def test_a_failing_import_does_not_stop_the_reports(experiment: Path, tmp_path: Path,
                                                    worker: bool) -> None:
    exp = copy_experiment(experiment, tmp_path)
    not_a_database = tmp_path / "experiments" / "experiments.duckdb"
    not_a_database.write_text("this is not a DuckDB file")
    result = run_post_processing_sync(exp, not_a_database, worker=worker)
    assert list(result.failed) == ["import"]
    assert result.succeeded == ["transcripts", "readme", "notebook", "index"]
    assert "import: FAILED" in (exp / "post_processing.log").read_text()
    assert (exp / "README.md").is_file() and (exp / "transcripts" / "summary.md").is_file()
    complete = read_all_events(exp / "experiment_events.jsonl").events[-1]
    assert isinstance(complete, PostProcessingCompleteEvent) and "import" in complete.failed


def test_default_database_is_the_output_roots(experiment: Path, tmp_path: Path) -> None:
    exp = copy_experiment(experiment, tmp_path)
    result = run_post_processing_sync(exp, steps=("import",))
    assert result.ok
    assert (tmp_path / "experiments" / "experiments.duckdb").is_file()


def test_the_record_steps_keep_no_conversation(experiment: Path, tmp_path: Path) -> None:
    """Transcripts, summary.md and the README are written from one conversation at a time:
    the record the steps share keeps none (nor the manifest's per-conversation states), so
    their memory does not grow with the experiment, and what they write is what a fully
    loaded record renders."""
    from pidgin_tui.experiments import post_steps
    from pidgin_tui.record.experiment import ExperimentRecord
    from pidgin_tui.record.layout import conversation_files
    from pidgin_tui.reports.readme import render_readme
    from pidgin_tui.reports.transcript import render_summary

    exp = copy_experiment(experiment, tmp_path)
    ctx = post_steps.StepContext(exp, tmp_path / "db.duckdb")
    for step in ("transcripts", "readme"):
        post_steps.STEP_FUNCTIONS[step](ctx)
    count = len(conversation_files(exp))
    assert count > 1 and ctx.experiment.conversations == {}
    assert ctx.experiment.manifest.conversations == {}  # nor the manifest's states
    assert ctx.tally.conversations == count and len(ctx.summary_rows) == count
    full = ExperimentRecord.load(exp)
    assert (exp / "transcripts" / "summary.md").read_text() == render_summary(full)
    assert (exp / "README.md").read_text() == render_readme(full)
