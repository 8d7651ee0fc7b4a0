"""The monitor as a workbench: bars that tell finished from stopped, columns that grow with their
content, a footer that fits, and resume / post-process / README from the keyboard."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from textual.app import App
from textual.widgets import Footer

from pidgin_tui.experiments.synthetic import write_experiment
from pidgin_tui.record.manifest import Manifest, read_manifest
from pidgin_tui.tui.screens.monitor import MonitorScreen
from pidgin_tui.tui.widgets.experiment_table import ExperimentTable

from .conftest import SIZE
from .helpers import record_toasts, wait_until, wait_until_steady
from .host import HostApp

REPO = Path(__file__).resolve().parents[2]


def _bar(table: ExperimentTable, key: str):  # type: ignore[no-untyped-def]
    return table.get_row(key)[2]


async def test_interrupted_and_failed_bars_are_partial_in_their_status_colour(
        tmp_path: Path) -> None:
    write_experiment(tmp_path, "ok01", "finished", conversations=4)
    write_experiment(tmp_path, "int02", "stopped", conversations=1, running=3,
                     status="interrupted")
    write_experiment(tmp_path, "bad03", "broken", conversations=2, running=2, status="failed")
    app = HostApp(tmp_path, lambda: MonitorScreen(tmp_path, refresh_s=3600))
    async with app.run_test(size=(160, 36)) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: len(screen.rows) == 3, "the experiments")
        table = screen.query_one(ExperimentTable)
        done, stopped, failed = (_bar(table, key) for key in ("ok01", "int02", "bad03"))
        assert done.plain.startswith("████████")
        assert stopped.plain.startswith("██░░░░░░") and failed.plain.startswith("████░░░░")
        colours = {key: table.theme_style(name).color for key, name in (
            ("accent", "accent"), ("warning", "warning"), ("error", "error"))}
        assert done.style.color == colours["accent"]
        assert stopped.style.color == colours["warning"]
        assert failed.style.color == colours["error"]


def footer_layout(app: App[object]) -> tuple[tuple[str, object], ...]:
    """Each footer key's description and place; empty until every key has been laid out."""
    keys = list(app.screen.query_one(Footer).query("FooterKey"))
    if not keys or any(k.region.width == 0 for k in keys):
        return ()
    return tuple((str(k.description), k.region) for k in keys)  # type: ignore[attr-defined]


async def assert_footer_fits(pilot, what: str, keys: int = 3) -> None:  # type: ignore[no-untyped-def]
    """Every key of the footer ends before the palette key (none hidden under it or cut), once
    it shows at least `keys` keys and has settled."""
    app = pilot.app
    await wait_until(pilot, lambda: len(app.screen.query_one(Footer).query(
        "FooterKey")) >= keys, "the footer")
    await wait_until_steady(pilot, lambda: footer_layout(app), f"the footer of {what}")
    footer = app.screen.query_one(Footer)
    found = list(footer.query("FooterKey"))
    palette = [k for k in found if k.action == "app.command_palette"]
    others = [k for k in found if k not in palette]
    assert others, what
    limit = palette[0].region.x if palette else footer.region.right
    assert max(k.region.right for k in others) <= limit, (
        what, [(str(k.description), k.region) for k in others])


async def test_every_screens_footer_fits_at_120_columns(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for key in ("f2", "f3", "f4", "f5", "f6", "f7"):
            await pilot.press(key)
            await assert_footer_fits(pilot, key)


async def test_the_transcripts_footer_fits_at_120_columns(make_app, output_root: Path) -> None:
    from pidgin_tui.tui.screens.transcript import TranscriptScreen

    path = write_experiment(output_root, "tx01", "footer", conversations=1, turns=3)
    [jsonl] = path.glob("conv_*_events.jsonl")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(TranscriptScreen(jsonl))
        await assert_footer_fits(pilot, "transcript", keys=10)


async def test_post_process_and_readme_from_the_monitor(make_app, output_root: Path) -> None:
    path = write_experiment(output_root, "pp01", "again", conversations=2, turns=3)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        screen = app.screen
        await wait_until(pilot, lambda: bool(getattr(screen, "rows", None)), "the experiment")
        await pilot.press("P")
        await wait_until(pilot, lambda: (path / "README.md").exists()
                         and (path / "transcripts").is_dir(), "post-processing", )
        await wait_until(pilot, lambda: "readme" in (path / "post_processing.log").read_text()
                         and "post-processing finished" in (path / "post_processing.log")
                         .read_text(), "the log")
        await pilot.press("R")
        await pilot.pause()
        assert type(app.screen).__name__ == "ReadmeScreen"


async def test_resume_an_interrupted_headless_run_from_the_monitor(make_app,
                                                                   output_root: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "pidgin_tui", "--output", str(output_root), "run", "-a",
         "local:test", "-b", "local:instant", "-t", "6", "--name", "cut-short", "-q",
         "--no-post-process"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            manifests = list(output_root.glob("experiments/*/manifest.json"))
            if manifests and (read_manifest(manifests[0].parent) or Manifest()
                                ).total_turns >= 1:
                break
            await asyncio.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    finally:
        process.kill()
    manifest_path = manifests[0]
    assert (read_manifest(manifest_path.parent) or Manifest()).status == "interrupted"
    app = make_app()
    notes = record_toasts(app)  # a toast expires: on a busy machine, before the run ends
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        screen = app.screen
        await wait_until(pilot, lambda: bool(getattr(screen, "rows", None)), "the experiment")
        await pilot.press("u")
        await wait_until(pilot, lambda: bool(app.runs) and not app.running_runs,
                         "the resumed run to end")
        assert any(m.startswith("resuming 1 conversation(s) of ") for m in notes), notes
    assert (read_manifest(manifest_path.parent) or Manifest()).status == "completed"
    [jsonl] = manifest_path.parent.glob("conv_*_events.jsonl")
    [end] = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()
             if line.startswith('{"event_type":"ConversationEndEvent"')][-1:]
    assert end["total_turns"] == 6 and end.get("status", "completed") == "completed"


async def test_the_monitors_turn_column_grows_with_a_running_conversation(
        tmp_path: Path) -> None:
    """#17: at 160 columns the Turn cell of a conversation going from turn 8 to turn 12 is
    shown whole ("turn 12 / 16"), not cut to the width of "turn 8 / 16"."""
    from pidgin_tui.core import events as ev
    from pidgin_tui.experiments.synthetic import write_jsonl
    from pidgin_tui.record.layout import conversation_jsonl_name
    from pidgin_tui.tui.widgets.conversation_table import ConversationTable

    path = write_experiment(tmp_path, "grow01", "growing", conversations=0, running=1,
                            turns=16, pid=os.getpid())  # this process runs it: tailed
    conv = "grow01_0001"
    app = HostApp(tmp_path, lambda: MonitorScreen(tmp_path, refresh_s=0.1))
    async with app.run_test(size=(160, 36)) as pilot:
        table = app.screen.query_one(ConversationTable)

        def shown() -> str:
            return table.render_line(1).text if table.row_count else ""

        await wait_until(pilot, lambda: "turn 8 / 16" in shown(), "turn 8")
        write_jsonl(path / conversation_jsonl_name(conv), [ev.TurnStartEvent(
            experiment_id="grow01", conversation_id=conv, turn_number=12)])
        await wait_until(pilot, lambda: "turn 12 / 16" in shown(), "turn 12 shown whole")
