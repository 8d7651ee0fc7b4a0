"""Snapshots of the monitor, the transcript browser and the metrics plot.

Deterministic: synthetic experiments with fixed ids and timestamps, a frozen monitor clock, the
output root shown under a fixed label, runs "in this app" (this process) so no pid is shown.
Regenerate after a deliberate visual change with `pytest tests/tui --snapshot-update`.
"""

from __future__ import annotations

import os
from pathlib import Path

from textual.pilot import Pilot

from pidgin_tui.experiments.synthetic import conversation_events, write_experiment, write_jsonl
from pidgin_tui.tui.screens.metrics import MetricsScreen
from pidgin_tui.tui.screens.monitor import MonitorScreen
from pidgin_tui.tui.screens.transcript import TranscriptScreen
from pidgin_tui.tui.widgets.transcript_view import TranscriptView

from .helpers import wait_until
from .host import HostApp, frozen_clock

SIZE = (120, 40)
LABEL = "<output>/experiments"


def _monitor_app(root: Path) -> HostApp:
    return HostApp(root, lambda: MonitorScreen(root, clock=frozen_clock, refresh_s=3600,
                                               root_label=LABEL))


def _experiments(root: Path) -> None:
    write_experiment(root, "run01", "dialogue-drift", conversations=3, running=2, pending=1,
                     turns=12, pid=os.getpid(), errors=2)
    write_experiment(root, "done02", "mirror-test", conversations=5, turns=8)
    write_experiment(root, "dead03", "overnight", conversations=2, running=1, turns=20,
                     pid=2**22 + 9)


async def _settle_monitor(pilot: Pilot) -> None:
    screen = pilot.app.screen
    assert isinstance(screen, MonitorScreen)
    await wait_until(pilot, lambda: screen.state is not None and screen.state.refreshes > 0
                     and screen.query_one("#monitor-summary").render() != "", "a refresh")
    await pilot.pause(0.2)


def _transcript(root: Path) -> Path:
    path = root / "conv_snap01_0001_events.jsonl"
    write_jsonl(path, conversation_events("snap01", "snap01_0001", 30, words=45, thinking=True,
                                          phrases={22: "a lighthouse of shared meaning"}))
    return path


async def _settle_transcript(pilot: Pilot) -> None:
    await wait_until(pilot, lambda: bool(pilot.app.screen.query(TranscriptView))
                     and bool(pilot.app.screen.query_one(TranscriptView).layout_data.lines),
                     "the transcript")
    await pilot.pause(0.1)


def test_monitor_empty(snap_compare, tmp_path: Path) -> None:
    """You should see an empty experiments table with its headers, the line "No experiments yet
    in <output>/experiments — launch one with ctrl+r (F2) or `pidgin-tui run … --detach`.", an
    empty conversations table and the footer with Stop run / Filter / Sort / Transcript."""
    assert snap_compare(_monitor_app(tmp_path), terminal_size=SIZE, run_before=_settle_monitor)


def test_monitor_running_and_finished(snap_compare, tmp_path: Path) -> None:
    """You should see three experiments: dialogue-drift running in this app (progress bar about
    half full, 3/6 conversations, 2 running, 2 errors in red, elapsed 1m35s and an ETA),
    overnight as "interrupted (process gone)", and mirror-test completed with a full bar; below,
    dialogue-drift's conversations with "turn 12 / 12" for finished ones and "turn 6 / 12" for
    running ones."""
    _experiments(tmp_path)
    assert snap_compare(_monitor_app(tmp_path), terminal_size=SIZE, run_before=_settle_monitor)


def test_monitor_conversations_table_filtered(snap_compare, tmp_path: Path) -> None:
    """You should see the conversations table focused (cursor on its first row), filtered to the
    2 running conversations of dialogue-drift, and the title ending "filter: running · sort:
    id ↑"; the preview line shows the highlighted conversation's latest message."""
    _experiments(tmp_path)

    async def run_before(pilot: Pilot) -> None:
        await _settle_monitor(pilot)
        await pilot.press("enter", "f")
        await pilot.pause(0.2)

    assert snap_compare(_monitor_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_transcript_view(snap_compare, tmp_path: Path) -> None:
    """You should see the header "snap01_0001 · local:test × local:test · 30/30 turns ·
    completed (max_turns)", a rising convergence sparkline, the opening prompt, then "── Turn 1
    · convergence …" with Ada (A) and Bo (B) messages, each with a folded "▸ thinking" line, and
    a convergence block in the left gutter of every line."""
    path = _transcript(tmp_path)
    app = HostApp(tmp_path, lambda: TranscriptScreen(path))
    assert snap_compare(app, terminal_size=SIZE, run_before=_settle_transcript)


def test_transcript_search_active(snap_compare, tmp_path: Path) -> None:
    """You should see turn 22 in view with "a lighthouse" highlighted in Bo's message, and the
    status line "“lighthouse” 1/1 · turn 22 · n/N for next/previous"."""
    path = _transcript(tmp_path)
    app = HostApp(tmp_path, lambda: TranscriptScreen(path))

    async def run_before(pilot: Pilot) -> None:
        await _settle_transcript(pilot)
        await pilot.press("slash", *"lighthouse", "enter")
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_metrics_plot(snap_compare, tmp_path: Path) -> None:
    """You should see "convergence_score over turns · 5 of 5 conversations + mean": five braille
    lines rising from about 0.1 to 0.8 over 8 turns and a bolder mean line, with the metric
    chooser above showing convergence_score."""
    path = write_experiment(tmp_path, "done02", "mirror-test", conversations=5, turns=8)
    app = HostApp(tmp_path, lambda: MetricsScreen(path))

    async def run_before(pilot: Pilot) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, MetricsScreen)
        await wait_until(pilot, lambda: screen.series is not None, "the metric series")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_transcript_browser_filtered(snap_compare, tmp_path: Path) -> None:
    """You should see the filter "status:running" typed in, the experiments table with only
    dialogue-drift (2/6 conversations, from jsonl) and below it its two running conversations
    with "6/12" turns; the status line reads "1 experiments, 2 conversations matching
    “status:running” · <output>/experiments"."""
    from textual.widgets import Input

    from pidgin_tui.tui.screens.transcripts import TranscriptsScreen

    _experiments(tmp_path)
    app = HostApp(tmp_path, lambda: TranscriptsScreen(tmp_path, root_label=LABEL,
                                                      clock=frozen_clock))

    async def run_before(pilot: Pilot) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, TranscriptsScreen)
        await wait_until(pilot, lambda: bool(screen.shown), "the experiments")
        screen.query_one("#browse-filter", Input).value = "status:running"
        screen.query_one("#browse-conversations").focus()
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
