"""Headless progress: a live display for a person at a terminal, plain lines otherwise."""

from __future__ import annotations

import asyncio
import io
import json
import os
import pty
import subprocess
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import msgspec
from rich.console import Console

from pidgin_tui.commands.live_progress import (
    REFRESH_PER_SECOND,
    LiveProgress,
    render_row,
    shown_conversations,
    wants_live_display,
)
from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.events import ExperimentStartEvent, MessageChunkEvent
from pidgin_tui.experiments.monitor_rows import build_row
from pidgin_tui.record.manifest import ConversationEntry, Manifest, new_manifest
from tests.conftest import cli_command, cli_env


def _manifest() -> Manifest:
    manifest = msgspec.structs.replace(
        new_manifest("abcd1234", "demo", {"max_turns": 4}, 3, "2026-01-01T00:00:00+00:00"),
        status="running", started_at="2026-01-01T00:00:00+00:00", total_turns=5,
        total_tokens=2400, total_cost_usd=0.0123, error_count=1, completed_conversations=1)
    manifest.conversations = {
        "abcd1234_0001": ConversationEntry(status="completed", turns_completed=4, max_turns=4,
                                           tokens=1600, cost_usd=0.008,
                                           end_reason="max_turns"),
        "abcd1234_0002": ConversationEntry(status="running", turns_completed=1, max_turns=4,
                                           tokens=800, cost_usd=0.0043, convergence=0.42,
                                           last_error="rate limited\x1b[2J, retry in 3s"),
    }
    return manifest


def _text(renderable: object, width: int = 160) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    assert isinstance(console.file, io.StringIO)
    return console.file.getvalue()


def test_the_display_shows_progress_turn_bars_tokens_cost_errors_and_eta() -> None:
    row = build_row(Path("/x"), _manifest(), {}, gone=False,
                    now=1767225600.0 + 30)  # 30 s after the start
    text = _text(render_row(row))
    head, first, second = text.splitlines()[:3]
    assert "demo [abcd1234]" in head and "1/3 conversations" in head and "5 turns" in head
    assert "2.4k tok" in head and "$0.0123" in head and "1 errors" in head
    assert "30s" in head and "eta" in head and "eta -" not in head
    assert first.startswith("abcd1234_0002 running") and "turn 1 / 4" in first
    assert "conv 0.42" in first and "rate limited" in first and "\x1b" not in first
    assert second.startswith("abcd1234_0001 completed") and "turn 4 / 4" in second


def test_running_conversations_come_first_and_the_list_is_capped() -> None:
    manifest = _manifest()
    for n in range(3, 30):
        manifest.conversations[f"abcd1234_{n:04d}"] = ConversationEntry(status="completed",
                                                                        max_turns=4)
    row = build_row(Path("/x"), manifest, {}, gone=False, now=1767225600.0)
    shown = shown_conversations(row.conversations)
    assert shown[0].status == "running" and len(shown) == 12
    assert "… 17 more conversations" in _text(render_row(row))


def test_live_display_only_for_a_terminal_without_quiet_or_json() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert wants_live_display(False, False, Tty())
    assert not wants_live_display(True, False, Tty())
    assert not wants_live_display(False, True, Tty())
    assert not wants_live_display(False, False, io.StringIO())


def _run_with_stderr_on_a_terminal(root: Path) -> tuple[int, str, str]:
    primary, secondary = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(primary, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    result = subprocess.run(
        cli_command("--output", str(root), "run", "-t", "2", "-r", "2", "--name", "tty-run",
                    "--no-post-process"),
        stdout=subprocess.PIPE, stderr=secondary, env=cli_env(COLUMNS="150"), timeout=180,
        check=False)
    os.close(secondary)
    reader.join(timeout=10)
    os.close(primary)
    return result.returncode, result.stdout.decode(), b"".join(chunks).decode(errors="replace")


def test_a_terminal_gets_the_live_display_and_the_final_report(tmp_path: Path) -> None:
    code, stdout, terminal = _run_with_stderr_on_a_terminal(tmp_path / "out")
    assert code == 0
    assert "tty-run [" in terminal and "2/2 conversations" in terminal
    assert "turn 2 / 2" in terminal and "━" in terminal
    assert "completed: 2 completed" in stdout and "▶" not in stdout


def test_without_a_terminal_runs_print_plain_lines(tmp_path: Path) -> None:
    result = subprocess.run(cli_command("--output", str(tmp_path / "out"), "run", "-t", "1",
                                        "-r", "2", "--no-post-process"),
                            capture_output=True, text=True, env=cli_env(), timeout=180,
                            check=False)
    assert result.returncode == 0
    assert result.stdout.count("▶ ") == 2 and result.stdout.count("■ ") == 2
    assert "━" not in result.stdout + result.stderr
    quiet = subprocess.run(cli_command("--output", str(tmp_path / "out"), "run", "-t", "1", "-q",
                                       "--no-post-process", "--json"),
                           capture_output=True, text=True, env=cli_env(), timeout=180,
                           check=False)
    assert json.loads(quiet.stdout)["completed"] == 1 and quiet.stderr == ""


def test_the_display_takes_no_token_chunks_and_its_clock_moves_between_events() -> None:
    """A run the display shows builds no live-only chunks (`EventBus.delivers_live`), and
    frames keep coming between events (the elapsed time and ETA move while a message streams)."""
    runner = SimpleNamespace(bus=EventBus(), tracking=None, experiment_dir=None,
                             spec=SimpleNamespace(name="demo"))
    frames: list[float] = []

    async def scenario() -> None:
        with LiveProgress(runner, stream=io.StringIO()) as progress:  # type: ignore[arg-type]
            assert not runner.bus.delivers_live(MessageChunkEvent)
            assert progress._live is not None
            progress._live.refresh = lambda: frames.append(time.monotonic())  # type: ignore
            await runner.bus.publish(ExperimentStartEvent(experiment_id="e1", name="demo"))
            assert len(frames) == 1  # the event's frame

            async def ticks() -> None:  # then frames with no event (however slow the machine)
                while len(frames) < 4:
                    await asyncio.sleep(1 / REFRESH_PER_SECOND)

            await asyncio.wait_for(ticks(), timeout=60)
        assert progress._tick is None

    asyncio.run(scenario())
