"""What the app shows of post-processing: the `PostProcessed` message and error-panel entries.

The run session (`experiments.session`) post-processes every ended run through its queue, one
experiment at a time; each finished job becomes a `PostProcessed` message (`tui.runs`), and failed
steps become entries of the error panel. The monitor shows progress from
`experiment_events.jsonl`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from pidgin_tui.core.events import utc_now
from pidgin_tui.tui.state import ErrorEntry


@dataclass
class PostProcessed(Message):
    """Post-processing of an experiment finished; `failed` maps step → one-line error."""

    experiment_id: str
    experiment_dir: str
    succeeded: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    duration_ms: int = 0


def error_entries(message: PostProcessed) -> list[ErrorEntry]:
    """One error-panel entry per failed step."""
    return [ErrorEntry(time=utc_now()[11:19], kind="Post-processing failed",
                       message=f"{step}: {error}", experiment_id=message.experiment_id,
                       details=f"{message.experiment_dir}/post_processing.log")
            for step, error in message.failed.items()]
