"""Post-processing in a worker process: the same files as in this process, and a step that
fails or a worker that dies is reported, never lost."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pidgin_tui.core.events import PostProcessingCompleteEvent
from pidgin_tui.database.event_store import EventStore
from pidgin_tui.experiments import post_processor, post_steps, post_worker
from pidgin_tui.experiments.post_processor import (
    STEPS,
    WORKER_STEPS,
    run_post_processing,
    run_post_processing_sync,
    worth_a_worker,
)
from pidgin_tui.experiments.post_steps import StepOutcome
from pidgin_tui.record.jsonl import read_all_events
from pidgin_tui.record.layout import search_index_path
from tests.analysis_fixtures import copy_experiment


def _files(exp: Path) -> dict[str, bytes]:
    """What post-processing wrote into the experiment directory (not its log)."""
    names = ["README.md", "analysis.ipynb", *(f"transcripts/{p.name}" for p in
                                               sorted((exp / "transcripts").iterdir()))]
    return {name: (exp / name).read_bytes() for name in names}


def _database(root: Path) -> dict[str, list[tuple[object, ...]]]:
    store = EventStore(root / "experiments" / "experiments.duckdb")
    return {table: store.query(f"SELECT * EXCLUDE (experiment_id) FROM {table} ORDER BY ALL",
                               limit=None).rows
            for table in ("conversations", "messages", "turn_metrics")}


def _index(root: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(search_index_path(root)) as con:
        return con.execute("SELECT turn, agent_id, model, content, thinking FROM messages "
                           "ORDER BY path, turn, agent_id").fetchall()


def test_a_worker_writes_what_this_process_writes(experiment: Path, tmp_path: Path) -> None:
    here = copy_experiment(experiment, tmp_path / "here")
    there = copy_experiment(experiment, tmp_path / "there")
    assert run_post_processing_sync(here, worker=False).succeeded == list(STEPS)
    result = run_post_processing_sync(there, worker=True)
    assert result.succeeded == list(STEPS) and result.failed == {}
    assert result.notes["transcripts"] == "3 transcripts and summary.md written"
    written = _files(there)
    assert len(written) == 2 + 3 + 1  # README, notebook, three transcripts and summary.md
    assert written == _files(here)
    assert _database(tmp_path / "there") == _database(tmp_path / "here")
    assert _index(tmp_path / "there") == _index(tmp_path / "here") != []
    log = (there / "post_processing.log").read_text()
    assert all(f"{step}: ok in" in log for step in STEPS)
    assert re.search(r"worker process \(transcripts, readme, notebook, index\) ended after "
                     r"\d+ ms, peak memory \d+ MB", log)


def test_a_step_failing_in_the_worker_is_reported(experiment: Path, tmp_path: Path) -> None:
    exp = copy_experiment(experiment, tmp_path)
    (exp / "transcripts").write_text("a file where the transcripts folder goes")
    result = run_post_processing_sync(exp, worker=True)
    assert list(result.failed) == ["transcripts"] and "transcripts" in result.failed["transcripts"]
    assert result.succeeded == ["import", "readme", "notebook", "index"]
    assert "transcripts: FAILED after" in (exp / "post_processing.log").read_text()
    complete = read_all_events(exp / "experiment_events.jsonl").events[-1]
    assert isinstance(complete, PostProcessingCompleteEvent)
    assert complete.failed == result.failed


def test_a_killed_worker_fails_every_step_it_did_not_finish(experiment: Path,
                                                           tmp_path: Path) -> None:
    exp = copy_experiment(experiment, tmp_path)
    steps = ["transcripts", "readme"]
    process, pipe = post_worker.start(exp, tmp_path / "db.duckdb", steps)
    process.kill()  # long before it has read anything: its interpreter is still starting
    outcomes: list[StepOutcome] = []
    post_worker.collect(process, pipe, steps, outcomes.append)
    assert [(o.step, o.error) for o in outcomes] == [
        (step, "the post-processing worker was killed by SIGKILL") for step in steps]
    assert not (exp / "README.md").exists()


def test_outcomes_sent_before_a_worker_dies_are_kept(tmp_path: Path) -> None:
    """A worker that reported one step and then exited: that step keeps its outcome, the
    other fails with the exit code (and a torn last line counts as unfinished)."""
    read_fd, write_fd = os.pipe()
    code = ("import os, sys\n"
            "fd = int(sys.argv[1])\n"
            "os.write(fd, b'{\"outcome\": {\"step\": \"readme\", \"ms\": 5, '\n"
            "           b'\"note\": \"done\"}}\\n')\n"
            "os.write(fd, b'{\"outcome\": {\"step\": \"note')\n"
            "sys.exit(3)\n")
    process = subprocess.Popen([sys.executable, "-c", code, str(write_fd)], pass_fds=(write_fd,))
    os.close(write_fd)
    outcomes: list[StepOutcome] = []
    post_worker.collect(process, os.fdopen(read_fd, "rb"), ["readme", "notebook"],
                        outcomes.append)
    assert outcomes[0] == StepOutcome("readme", 5, "done")
    assert (outcomes[1].step, outcomes[1].error) == (
        "notebook", "the post-processing worker exited with code 3 before finishing")


def test_a_worker_that_cannot_run_says_why(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*_args: object) -> None:
        raise RuntimeError("the record\ncannot be read")

    monkeypatch.setattr(post_steps, "run_chains", broken)
    read_fd, write_fd = os.pipe()
    assert post_worker.serve(write_fd, tmp_path, tmp_path / "db.duckdb", ["readme"]) == 1
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    outcomes: list[StepOutcome] = []
    post_worker.collect(done, os.fdopen(read_fd, "rb"), ["readme"], outcomes.append)
    assert [o.error for o in outcomes] == [
        "the post-processing worker failed: RuntimeError: the record cannot be read"]


async def test_a_cancelled_job_kills_its_worker(experiment: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    exp = copy_experiment(experiment, tmp_path)
    started: list[subprocess.Popen[bytes]] = []
    real_start = post_worker.start

    def start(*args: object) -> tuple[subprocess.Popen[bytes], object]:
        process, pipe = real_start(*args)  # type: ignore[arg-type]
        started.append(process)
        return process, pipe

    monkeypatch.setattr(post_worker, "start", start)
    job = asyncio.create_task(run_post_processing(exp, steps=["transcripts"], worker=True))
    while not started and not job.done():
        await asyncio.sleep(0.01)
    assert not job.done(), job.result()
    # its own session: a terminal's Ctrl-C reaches the caller, whose handlers decide
    assert os.getsid(started[0].pid) == started[0].pid != os.getsid(0)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    assert await asyncio.to_thread(started[0].wait) == -9


def test_only_a_large_experiment_with_the_import_beside_gets_a_worker(
        experiment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not worth_a_worker(experiment, STEPS)  # three short conversations
    monkeypatch.setattr(post_processor, "WORKER_MIN_BYTES", 1)
    assert worth_a_worker(experiment, STEPS)
    assert not worth_a_worker(experiment, sorted(WORKER_STEPS))  # nothing to run beside
    assert not worth_a_worker(experiment, ["import"])
