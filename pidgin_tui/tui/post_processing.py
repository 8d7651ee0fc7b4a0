"""Post-processing of experiments that end in the app, in a thread worker.

The post-processor (DuckDB import, transcripts, README, notebook) blocks, so it runs in a thread
worker, one experiment at a time (DuckDB allows one writer). It records its start and end in
`experiment_events.jsonl`, which is how the monitor shows its progress; when it is done the
worker posts `PostProcessed`, and failed steps become entries of the error panel.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.app import App
from textual.message import Message
from textual.worker import Worker

from pidgin_tui.core.events import utc_now
from pidgin_tui.tui.state import ErrorEntry

_one_at_a_time = threading.Lock()
"""Serialises post-processing jobs: first in, first out, one DuckDB writer."""


@dataclass
class PostProcessed(Message):
    """Post-processing of an experiment finished; `failed` maps step → one-line error."""

    experiment_id: str
    experiment_dir: str
    succeeded: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    duration_ms: int = 0


def start_post_processing(app: App[Any], experiment_id: str, experiment_dir: Path,
                          database: Path) -> Worker[None]:
    """Run the post-processor for `experiment_dir` in a thread worker; posts `PostProcessed`."""

    def work() -> None:
        from pidgin_tui.experiments.post_processor import run_post_processing_sync

        with _one_at_a_time:
            try:
                result = run_post_processing_sync(experiment_dir, database)
            except Exception as exc:  # the step runner itself failed: still report it
                app.post_message(PostProcessed(experiment_id, str(experiment_dir),
                                               failed={"post-processing": f"{exc}"}))
                return
        app.post_message(PostProcessed(experiment_id, str(experiment_dir), result.succeeded,
                                       result.failed, result.duration_ms))

    return app.run_worker(work, name=f"post-processing {experiment_id}", thread=True,
                          group="post-processing", exit_on_error=False,
                          description=f"post-processing {experiment_id}")


def error_entries(message: PostProcessed) -> list[ErrorEntry]:
    """One error-panel entry per failed step."""
    return [ErrorEntry(time=utc_now()[11:19], kind="Post-processing failed",
                       message=f"{step}: {error}", experiment_id=message.experiment_id,
                       details=f"{message.experiment_dir}/post_processing.log")
            for step, error in message.failed.items()]
