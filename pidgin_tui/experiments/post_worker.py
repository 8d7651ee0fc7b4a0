"""Post-processing steps in a worker process, so that they use the second core.

The import and the steps that read the record are both CPU-bound, and the record steps are pure
Python: as threads of one process they take turns on the GIL. So for a large experiment the
record steps and the index run in a child process while the import runs in this one
(`post_processor.WORKER_STEPS`). The child is a fresh interpreter running this module (nothing
is forked from a process that has the event loop's and DuckDB's threads, and the caller's main
script is not run again, as multiprocessing's `spawn` would). It is given only paths and step
names as arguments, runs its steps with `post_steps.run_chains` exactly as this process
would, and writes each `StepOutcome` back as one JSON line on a pipe as the step ends.

Nothing is lost silently: a worker that raises, dies or is killed reports every step it did not
finish as failed, with why ("the post-processing worker was killed by SIGKILL"), and those
failures reach the log, the PostProcessingCompleteEvent and the user like any other.

Signals: the worker runs in its own session, so a terminal's Ctrl-C or a signal to the caller's
process group reaches only the caller, whose handlers decide as they do for the steps it runs
itself; and it dies with its caller (Linux: PR_SET_PDEATHSIG), so an abandoned job never goes on
unseen (its experiment stays marked unprocessed for next time). A cancelled job kills its worker.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO

import msgspec

import pidgin_tui
from pidgin_tui.experiments import post_steps
from pidgin_tui.experiments.post_steps import StepOutcome

_PR_SET_PDEATHSIG = 1
"""prctl(2) option: the signal this process gets when the thread that started it ends."""
_PACKAGE_ROOT = str(Path(pidgin_tui.__file__).resolve().parents[1])


class _Message(msgspec.Struct, kw_only=True):
    """One line from the worker: a step's outcome, why it could not run its steps at all, or
    (last) its peak memory."""

    outcome: StepOutcome | None = None
    failed: str | None = None
    peak_rss_kib: int | None = None


def start(experiment_dir: Path, database: Path, steps: Sequence[str]
          ) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
    """Start a worker running `steps` on `experiment_dir`: the process and the pipe its outcomes
    arrive on. Raises OSError when no process can be started."""
    read_fd, write_fd = os.pipe()
    env = dict(os.environ)
    if _PACKAGE_ROOT not in _site_dirs():  # a checkout: its package, as in this process
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH", "")) if p)
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(write_fd), str(os.getpid()),
             str(experiment_dir), str(database), *steps],
            stdin=subprocess.DEVNULL, pass_fds=(write_fd,), env=env, start_new_session=True)
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)  # the worker holds its own copy: EOF here once it is gone
    return process, os.fdopen(read_fd, "rb")


def _site_dirs() -> set[str]:
    """Where an installed package lives (found by the worker as by this process; put first on
    PYTHONPATH it would come before the standard library)."""
    import site

    dirs = [*site.getsitepackages(), site.getusersitepackages()]
    return {str(Path(d).resolve()) for d in dirs}


async def run(experiment_dir: Path, database: Path, steps: Sequence[str],
              on_outcome: Callable[[StepOutcome], None]) -> int | None:
    """Run `steps` in a worker, calling `on_outcome` (on this event loop) as each one ends,
    and once for each step the worker did not finish; the worker's peak RSS in KiB when it
    told it. Raises OSError when no worker could be started (nothing has run then)."""
    if not steps:
        return None
    loop = asyncio.get_running_loop()
    # started from the loop's thread: the worker's PR_SET_PDEATHSIG follows this thread
    process, pipe = start(experiment_dir, database, steps)

    def deliver(outcome: StepOutcome) -> None:
        try:
            loop.call_soon_threadsafe(on_outcome, outcome)
        except RuntimeError:  # the loop is closed: nobody is waiting for it any more
            pass

    try:
        return await asyncio.to_thread(collect, process, pipe, steps, deliver)
    except asyncio.CancelledError:
        process.kill()  # abandoned: the experiment stays marked for next time
        raise


def collect(process: subprocess.Popen[bytes], pipe: IO[bytes], steps: Sequence[str],
            deliver: Callable[[StepOutcome], None]) -> int | None:
    """Pass on each outcome the worker sends until it is gone (blocking: a thread's job); then
    a failed outcome for each of `steps` it did not report. Returns the worker's peak RSS in
    KiB when it told it."""
    started = time.perf_counter()
    pending, why, peak = list(steps), "", None
    decoder = msgspec.json.Decoder(_Message)
    with pipe:
        for line in _lines(pipe):
            try:
                message = decoder.decode(line)
            except msgspec.DecodeError:
                continue  # a torn last line: its step counts as unfinished
            if message.peak_rss_kib is not None:
                peak = message.peak_rss_kib
            if message.failed is not None:
                why = f"failed: {message.failed}"
            elif message.outcome is not None and message.outcome.step in pending:
                pending.remove(message.outcome.step)
                deliver(message.outcome)
    process.wait()
    if pending:
        why = why or _ended(process.returncode)
        ms = int((time.perf_counter() - started) * 1000)
        for step in pending:
            deliver(StepOutcome(step, ms, error=f"the post-processing worker {why}"))
    return peak


def _lines(pipe: IO[bytes]) -> Iterable[bytes]:
    try:
        yield from pipe
    except OSError:
        return


def _ended(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with code {returncode} before finishing"


def main(argv: Sequence[str]) -> int:
    """The worker: `FD PARENT_PID EXPERIMENT_DIR DATABASE STEP...`."""
    fd, parent, experiment_dir, database, *steps = argv
    _die_with(int(parent))
    return serve(int(fd), Path(experiment_dir), Path(database), steps)


def serve(fd: int, experiment_dir: Path, database: Path, steps: Sequence[str]) -> int:
    """Run `steps`, writing each one's outcome to `fd` as it ends; the exit code."""
    encoder = msgspec.json.Encoder()
    with open(fd, "wb") as out:
        def send(message: _Message) -> None:
            out.write(encoder.encode(message) + b"\n")
            out.flush()  # each line as its step ends

        try:
            ctx = post_steps.StepContext(experiment_dir, database, steps)
            asyncio.run(post_steps.run_chains(ctx, steps,
                                                  lambda o: send(_Message(outcome=o))))
            send(_Message(peak_rss_kib=peak_rss_kib()))
        except Exception as exc:  # reported by the parent as why its steps failed
            try:
                send(_Message(failed=f"{type(exc).__name__}: "
                                     f"{' '.join(str(exc).split()) or 'no message'}"))
            except OSError:
                pass  # the parent is gone
            return 1
    return 0


def peak_rss_kib() -> int | None:
    """This process's own peak RSS (Linux: VmHWM). Not `ru_maxrss`: for a process started by
    exec that also counts the RSS its parent had when it was started."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def _die_with(parent: int) -> None:
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass  # no prctl: an orphaned worker still ends once it has written its files
    if os.getppid() != parent:  # the parent died before the line above took effect
        sys.exit(1)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
