"""The app's run session: `pidgin-tui stop` ends one of its runs, quitting offers to finish the
post-processing (or leaves it for the next start), and resume/post-process from the palette."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from textual.command import CommandPalette
from textual.message import Message

from pidgin_tui.commands import stop
from pidgin_tui.experiments.session import mark_unprocessed
from pidgin_tui.experiments.spec import parse_spec
from pidgin_tui.experiments.synthetic import write_experiment
from pidgin_tui.record.layout import control_dir, unprocessed_marker
from pidgin_tui.tui.post_processing import PostProcessed
from pidgin_tui.tui.screens.confirm import ConfirmScreen

from .conftest import SIZE, fast_registry, paced_registry, read_manifest
from .helpers import press_now, record_toasts, wait_until

SLOW = 100.0
"""tokens/s of `local:test`: slow enough that a 40-turn run is still going when it is stopped."""


def spec(name: str, turns: int) -> object:
    return parse_spec({"name": name, "agent_a": "local:test", "agent_b": "local:test",
                       "max_turns": turns})


async def test_stop_from_the_command_line_ends_one_run_and_the_app_goes_on(
        make_app, output_root: Path) -> None:
    app = make_app(paced_registry(SLOW))
    toasts = record_toasts(app)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        target = app.launch(spec("target", 40))  # type: ignore[arg-type]
        other = app.launch(spec("other", 40))  # type: ignore[arg-type]
        await wait_until(pilot, lambda: (read_manifest(Path(str(target.runner.experiment_dir)))
                                         .total_turns) >= 1, "the target's first turn")
        args = argparse.Namespace(experiment=target.runner.experiment_id, all=False, wait=20.0,
                                  output=str(output_root))
        # as from another terminal: the command blocks while the app's loop goes on
        code = await asyncio.to_thread(stop.run, args)
        assert code == 0
        await wait_until(pilot, lambda: target.finished, "the target to stop")
        assert not other.finished, "the other experiment keeps running"
        assert app.return_code is None and app.is_running, "the app keeps running"
        assert f"{target.runner.experiment_id}: stopping {target.runner.experiment_id}" in toasts
        other_dir = Path(str(other.runner.experiment_dir))
        assert control_dir(other_dir).is_dir(), "the other run still listens for requests"
        await app.stop_all_and_wait()
    target_manifest = read_manifest(Path(str(target.runner.experiment_dir)))
    assert target_manifest.status == "interrupted"
    assert [c.end_reason for c in target_manifest.conversations.values()] == ["stopped"]
    assert [c.end_reason for c in read_manifest(other_dir).conversations.values()] == \
        ["interrupted"], "the other one ran until the test ended it"


async def test_quitting_can_finish_the_post_processing_first(make_app) -> None:
    app = make_app(paced_registry(SLOW))
    async with app.run_test(size=SIZE) as pilot:
        run = app.launch(spec("quit", 5))  # type: ignore[arg-type]
        experiment_dir = Path(str(run.runner.experiment_dir))
        await wait_until(pilot, lambda: read_manifest(experiment_dir).status == "running",
                         "the run to start")
        await press_now(pilot, "ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the quit question")
        question = app.screen
        await press_now(pilot, "y")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen)
                         and app.screen is not question, "the post-processing question")
        await press_now(pilot, "y")
        await wait_until(pilot, lambda: app.return_code is not None, "the app to exit")
    assert app.return_code == 0
    assert (experiment_dir / "README.md").is_file()
    assert not unprocessed_marker(experiment_dir).exists()


async def test_the_next_start_finishes_what_an_earlier_session_left(make_app,
                                                                     output_root: Path) -> None:
    path = write_experiment(output_root, "left01", "left over", conversations=1, turns=2)
    mark_unprocessed(path)
    unprocessed_marker(path).write_text(f"{2**22 + 9}\n")  # its process is gone
    messages: list[Message] = []
    app = make_app(fast_registry())
    toasts = record_toasts(app)
    async with app.run_test(size=SIZE, message_hook=messages.append,
                            notifications=True) as pilot:
        await wait_until(pilot, lambda: any(isinstance(m, PostProcessed) for m in messages),
                         "the left-over post-processing")
        done = next(m for m in messages if isinstance(m, PostProcessed))
        assert done.experiment_id == "left01" and done.failed == {}
        assert any("earlier session" in t for t in toasts)
    assert (path / "README.md").is_file() and not unprocessed_marker(path).exists()


async def _palette_run(pilot, query: str) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
    await pilot.press(*query)
    await pilot.pause(0.3)
    await pilot.press("enter")


async def test_resume_post_process_and_readme_from_the_command_palette(make_app,
                                                                output_root: Path) -> None:
    cut = write_experiment(output_root, "cut001", "cut", conversations=1, turns=2, running=1,
                           pid=2**22 + 13)
    done = write_experiment(output_root, "done01", "done", conversations=1, turns=2)
    app = make_app(fast_registry())
    toasts = record_toasts(app)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _palette_run(pilot, "Post-process done")
        await wait_until(pilot, lambda: (done / "README.md").is_file(), "the README")
        await _palette_run(pilot, "README done")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ReadmeScreen",
                         "the README on screen")
        await pilot.press("escape")
        await _palette_run(pilot, "Resume cut")
        await wait_until(pilot, lambda: "cut001" in app.runs and not app.running_runs,
                         "the resumed run to end")
        assert any(t.startswith("resuming 1 conversation(s) of cut001") for t in toasts)
    assert read_manifest(cut).status == "completed"
