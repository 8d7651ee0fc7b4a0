"""Asking the process that runs an experiment to do something, and hearing its answer.

`ask` drops a request in the experiment's control channel (`record.control_channel`) when a
live process listens on it, and waits a little for the reply. Used by `interject`, `pause` and
`resume` on a live run; `stop` has its own path with a signal fallback
(`experiments.daemon.stop_experiment`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from pidgin_tui.core.types import Status
from pidgin_tui.experiments.discovery import (
    LIVE_STATUSES,
    last_written,
    run_pid,
    run_process_alive,
)
from pidgin_tui.record import control_channel
from pidgin_tui.record.manifest import read_manifest

REPLY_WAIT_S = 10.0
"""How long a request waits for its answer (the run answers at its next poll)."""


class NotListening(LookupError):
    """No live process answers the experiment's requests; the message says why."""


def listening_pid(root: Path, experiment_dir: Path) -> int | None:
    """The pid of the live process that answers `experiment_dir`'s requests, or None."""
    manifest = read_manifest(experiment_dir, conversations=False)
    if manifest is None or manifest.status not in LIVE_STATUSES:
        return None
    pid = run_pid(manifest, root)
    listening = control_channel.listener(experiment_dir)
    if listening is None or listening.pid != pid or \
            not run_process_alive(pid, last_written(manifest)):
        return None
    return pid


def ask(root: Path, experiment_dir: Path, type_: str, payload: dict[str, Any] | None = None,
        *, wait_s: float = REPLY_WAIT_S) -> control_channel.ControlReply | None:
    """Send a request to the live run of `experiment_dir`; its reply, or None if none came in
    `wait_s`. Raises NotListening when no live process would read it. Blocks: call it off any
    event loop that may be the one running the run."""
    if listening_pid(root, experiment_dir) is None:
        raise NotListening(f"{experiment_dir.name} is not running (or its process does not "
                           "take requests)")
    request = control_channel.send_request(experiment_dir, type_, payload)
    return control_channel.wait_for_reply(experiment_dir, request.request_id, wait_s)


def paused_while_running(root: Path, experiment_dir: Path) -> bool:
    """Whether a live, listening run of `experiment_dir` has a conversation paused now."""
    from pidgin_tui.record.experiment import ExperimentRecord

    if listening_pid(root, experiment_dir) is None:
        return False
    record = ExperimentRecord.load(experiment_dir, detail=False)
    return any(c.status == Status.PAUSED for c in record.conversations.values())


def final_reply(root: Path, experiment_dir: Path, request_id: str, wait_s: float,
                poll_s: float = 0.1) -> control_channel.ControlReply | None:
    """The final reply to a request first answered as pending (an interjection waiting for its
    safe point): it comes, or the run stops answering without one (a refusal saying so), or
    None when `wait_s` passes first. Blocks, as `ask` does."""
    deadline = time.monotonic() + wait_s
    while True:
        reply = control_channel.read_reply(experiment_dir, request_id)
        if reply is not None and not reply.pending:
            return reply
        if listening_pid(root, experiment_dir) is None:  # its last replies are written first
            reply = control_channel.read_reply(experiment_dir, request_id)
            if reply is not None and not reply.pending:
                return reply
            return control_channel.ControlReply(
                request_id, "", False, f"{experiment_dir.name}: the run ended without "
                "answering (its process stopped): see the record for what happened")
        if time.monotonic() >= deadline:
            return None
        time.sleep(poll_s)
