"""Detached runs and stopping runs in other processes.

`start_detached` re-invokes `python -m pidgin_tui run …` (or `resume …`) as an argument list (never
a shell string or generated source) in a new session, with output to
`experiments/logs/experiment_<id>.log` and its pid in `experiments/active/exp_<id>.pid`. The child
removes the pid file when its run ends.

`stop_experiment` asks the process running an experiment to stop exactly that experiment,
through the experiment's control channel when that process listens on it (every run session
does: a headless run, a detached one, or the app, which keeps its other runs going), else with
SIGTERM. Either way the run ends its conversations as `interrupted`, marks the manifest
`interrupted` and still post-processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pidgin_tui.core.types import ExperimentStatus, RecordState, Status
from pidgin_tui.experiments.discovery import (
    LIVE_STATUSES,
    last_written,
    run_pid,
    run_process_alive,
)
from pidgin_tui.record.layout import (
    MANIFEST_NAME,
    active_dir,
    experiment_dirs,
    launch_spec_file,
    log_file,
    logs_dir,
    pid_file,
)
from pidgin_tui.record.lookup import resolve_experiment
from pidgin_tui.record.manifest import Manifest, read_manifest

if TYPE_CHECKING:
    from pidgin_tui.experiments.spec import ExperimentSpec

MANIFEST_WAIT_S = 10.0
"""How long `run --detach` waits for the child to create its experiment directory."""


def run_command(root: Path, experiment_id: str, arguments: list[str],
                subcommand: str = "run") -> list[str]:
    """The argument list of a detached child: `pidgin-tui <subcommand>` (`run`, `branch`) with
    `arguments`, writing under `root` with a fixed experiment id."""
    return [sys.executable, "-m", "pidgin_tui", subcommand, "--output", str(root), *arguments,
            "--experiment-id", experiment_id]


RESUMED_CHILD_FLAG = "--detached-child"
"""Tells a `resume` it runs detached: it streams live text and removes its pid file at the end
(a detached `run` knows it from its fixed `--experiment-id`)."""


def resume_command(root: Path, experiment_dir: Path, arguments: list[str]) -> list[str]:
    """The argument list of a detached `pidgin-tui resume` of `experiment_dir` with `arguments`."""
    return [sys.executable, "-m", "pidgin_tui", "resume", "--output", str(root), *arguments,
            RESUMED_CHILD_FLAG, "--", str(experiment_dir)]


@dataclass(slots=True)
class Detached:
    experiment_id: str
    pid: int
    pid_path: Path
    log_path: Path
    experiment_dir: Path | None
    """None when the child had not created its directory within MANIFEST_WAIT_S."""
    exit_code: int | None = None
    """Set when the child had already exited by the time the parent looked."""


def start_detached(arguments: list[str], experiment_id: str, root: Path,
                   wait_s: float = MANIFEST_WAIT_S, *,
                   command: list[str] | None = None, into: Path | None = None) -> Detached:
    """Start `pidgin-tui run` with `arguments` (spec path and flags) in a new session and wait
    until its experiment directory exists, or with `into` (an experiment it adds conversations
    to) until that experiment's manifest names the child as its writer. `command` replaces the
    whole argument list (a detached resume: `resume_command`; a branch: `run_command` of
    `branch`)."""
    logs_dir(root).mkdir(parents=True, exist_ok=True)
    active_dir(root).mkdir(parents=True, exist_ok=True)
    log_path, pid_path = log_file(root, experiment_id), pid_file(root, experiment_id)
    argv = command if command is not None else run_command(root, experiment_id, arguments)
    with open(log_path, "ab") as log:
        child = subprocess.Popen(  # noqa: S603 - an argument list built from parsed flags
            argv, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True, cwd=os.getcwd(), close_fds=True)
    pid_path.write_text(f"{child.pid}\n", encoding="ascii")
    found: Path | None = None
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        found = find_experiment_dir(root, experiment_id) if into is None else \
            into if _listens(into, child.pid) else None
        if found is not None or child.poll() is not None:
            break
        time.sleep(0.05)
    exit_code = child.poll()
    if exit_code is not None:
        remove_pid_file(root, experiment_id, child.pid)
        found = found or find_experiment_dir(root, experiment_id)
    return Detached(experiment_id, child.pid, pid_path, log_path, found, exit_code)


def start_detached_spec(spec: ExperimentSpec, experiment_id: str, root: Path,
                        wait_s: float = MANIFEST_WAIT_S) -> Detached:
    """Start a run of `spec` (e.g. from the app's setup form) detached, like `run --detach`.

    The spec goes to a YAML file beside the run's log; the child reads it as its SPEC.
    """
    from pidgin_tui.experiments.spec import dump_spec_yaml

    path = launch_spec_file(root, experiment_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_spec_yaml(spec), encoding="utf-8")
    return start_detached([str(path)], experiment_id, root, wait_s)


def start_detached_resume(experiment_dir: Path, experiment_id: str, root: Path,
                          arguments: list[str] | None = None) -> Detached:
    """Resume an experiment in a new session (`resume --detach`, the app in a browser), like
    `run --detach`: its log and pid file are the experiment's."""
    started = start_detached([], experiment_id, root, wait_s=0.0,
                             command=resume_command(root, experiment_dir, arguments or []))
    started.experiment_dir = experiment_dir
    return started


def _listens(experiment_dir: Path, pid: int) -> bool:
    """Whether process `pid` took over `experiment_dir`: it holds the experiment's lock and
    answers its control channel (a run session listens only after claiming the lock)."""
    from pidgin_tui.record import control_channel

    listening = control_channel.listener(experiment_dir)
    return listening is not None and listening.pid == pid


def find_experiment_dir(root: Path, experiment_id: str) -> Path | None:
    for path in experiment_dirs(root):
        if path.name.startswith(f"experiment_{experiment_id}_") and (path / MANIFEST_NAME).exists():
            return path
    return None


def remove_pid_file(root: Path, experiment_id: str, pid: int | None = None) -> None:
    """Remove a run's pid file, only if it names `pid` (default: this process)."""
    path = pid_file(root, experiment_id)
    try:
        if int(path.read_text().strip()) == (pid if pid is not None else os.getpid()):
            path.unlink()
    except (OSError, ValueError):
        pass


@dataclass(slots=True)
class StopResult:
    experiment_id: str
    path: Path
    outcome: str
    """`requested` (a stop request was sent), `signalled` (SIGTERM sent), `stopped` (final
    status seen), `not running`, `process gone`, `this process`."""
    status: ExperimentStatus = RecordState.UNKNOWN
    reply: str = ""
    """What the run's process answered to the stop request, if it answered in time."""


def stop_experiment(root: Path, reference: str | Path, *, wait_s: float = 0.0,
                    sig: signal.Signals = signal.SIGTERM) -> StopResult:
    """Stop exactly one experiment wherever it runs; optionally wait for its manifest to settle.

    Blocks while it waits: call it off any event loop that may be the one running the run.
    Raises `ExperimentNotFound` when the reference matches nothing (or several).
    """
    from pidgin_tui.record import control_channel

    path = Path(reference) if isinstance(reference, Path) else resolve_experiment(root, reference)
    manifest = read_manifest(path) or Manifest()
    exp_id = manifest.experiment_id or path.name
    status = manifest.status or RecordState.UNKNOWN
    if status not in LIVE_STATUSES:
        return StopResult(exp_id, path, "not running", status)
    pid = run_pid(manifest, root)
    if pid is None or not run_process_alive(pid, last_written(manifest)):
        return StopResult(exp_id, path, "process gone", Status.INTERRUPTED)
    listening = control_channel.listener(path)
    deadline = time.monotonic() + wait_s
    if listening is not None and listening.pid == pid:
        request = control_channel.send_request(path, "stop")
        result = StopResult(exp_id, path, "requested", status)
        reply = control_channel.wait_for_reply(path, request.request_id, wait_s)
        result.reply = reply.outcome if reply is not None else ""
    elif pid == os.getpid():
        return StopResult(exp_id, path, "this process", status)
    else:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return StopResult(exp_id, path, "process gone", Status.INTERRUPTED)
        result = StopResult(exp_id, path, "signalled", status)
    while time.monotonic() < deadline:
        current = read_manifest(path, conversations=False)
        if current is None or current.status not in LIVE_STATUSES:
            result.outcome = "stopped"
            result.status = (current.status if current is not None else None) or RecordState.UNKNOWN
            break
        time.sleep(0.1)
    return result


def live_experiments(root: Path) -> list[Path]:
    """Experiment directories whose manifest claims a live run with a matching process."""
    found = []
    for path in experiment_dirs(root):
        manifest = read_manifest(path, conversations=False)
        if manifest is not None and manifest.status in LIVE_STATUSES and run_process_alive(
                run_pid(manifest, root), last_written(manifest)):
            found.append(path)
    return found
