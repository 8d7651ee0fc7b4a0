"""Time from process start to the app's first frame, measured through a pseudo-terminal.

Runs `python -m pidgin_tui` in a pty at 120x40, reads its output until the setup screen's
title has been drawn, then quits it with ctrl+q. Prints the median and best of several runs.
Goal: ≤ 0.5 s.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

RUNS = 7
FIRST_FRAME = b"design an experiment"
"""Text of the setup screen's title bar: when it arrives, the first frame is on the terminal."""
FORM_READY = b"Opening prompt"
"""A label of the form, which is mounted right after the first frame."""
ROOT = Path(__file__).resolve().parent.parent


def one_run(python: str, env: dict[str, str]) -> tuple[float, float]:
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(ROOT)
        os.execve(python, [python, "-m", "pidgin_tui"], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    seen = b""
    first = ready = float("nan")
    while time.perf_counter() - started < 15:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        seen = (seen + data)[-8192:]
        text = seen.replace(b"\xc2\xa0", b" ")
        if first != first and FIRST_FRAME in text:
            first = time.perf_counter() - started
        if FORM_READY in text:
            ready = time.perf_counter() - started
            if first != first:
                first = ready
            break
    os.write(fd, b"\x11")  # ctrl+q
    deadline = time.perf_counter() + 5
    while time.perf_counter() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        try:
            select.select([fd], [], [], 0.1) and os.read(fd, 65536)
        except OSError:
            pass
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    os.close(fd)
    return first, ready


def main() -> None:
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, TERM="xterm-256color", PIDGIN_CONFIG_DIR=f"{tmp}/config",
                   PIDGIN_OUTPUT_DIR=f"{tmp}/out", PYTHONPATH=str(ROOT))
        one_run(python, env)  # warm the file cache and byte-code
        runs = [one_run(python, env) for _ in range(RUNS)]
    for label, times in (("first frame", [r[0] for r in runs]),
                         ("form ready ", [r[1] for r in runs])):
        print(f"process start → {label} over {RUNS} runs: median "
              f"{statistics.median(times):.3f} s, best {min(times):.3f} s, "
              f"worst {max(times):.3f} s")
    print(f"goal: first frame ≤ 0.5 s; load average now {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
