"""`i` on the live screen: the interjection input, delivered at the next safe point and recorded."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Select

from pidgin_tui.record.layout import conversation_jsonl_name
from pidgin_tui.tui.screens.interject_dialog import InterjectDialog
from pidgin_tui.tui.screens.transcript import TranscriptScreen
from tests.experiments.family import make_family

from .conftest import SIZE, Pace, fast_registry, paced_registry, read_events
from .helpers import press_now, static_text, wait_until
from .test_controls import SLOW, launch, only_experiment
from .test_snapshots import no_blink


def test_interjection_input(snap_compare, make_app, output_root: Path) -> None:
    """You should see the "Interject in par00001_0001" dialog with the typed text "Please
    talk about rivers." in its input, "As / to" set to "agent B" and "both agents", and the
    hint that the narrator's words are marked [Narrator] and delivered at the next safe
    point."""
    family = asyncio.run(make_family(output_root))

    async def run_before(pilot: Pilot) -> None:
        pilot.app.push_screen(TranscriptScreen(family.parent.experiment_dir
                                               / conversation_jsonl_name(family.first)))
        await pilot.app.workers.wait_for_complete()
        pilot.app.push_screen(InterjectDialog(family.first))
        await pilot.pause()
        dialog = pilot.app.screen
        dialog.query_one("#interject-text", Input).value = "Please talk about rivers."
        dialog.query_one("#interject-as", Select).value = "agent_b"
        no_blink(pilot)
        await pilot.pause()

    assert snap_compare(make_app(registry=fast_registry()), terminal_size=SIZE,
                        run_before=run_before)


async def test_i_interjects_in_the_conversation_on_screen(make_app) -> None:
    pace = Pace(SLOW)
    app = make_app(paced_registry(pace))
    async with app.run_test(size=SIZE) as pilot:
        await launch(pilot, turns=8)
        await press_now(pilot, "i")
        await wait_until(pilot, lambda: isinstance(app.screen, InterjectDialog), "the input")
        app.screen.query_one("#interject-to", Select).value = "agent_a"
        app.screen.query_one("#interject-text", Input).value = "Mind the tide."
        await press_now(pilot, "enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, InterjectDialog), "sent")
        pace.fast()  # the text is queued for the next safe point: the rest need not be slow
        await wait_until(pilot, lambda: "completed" in static_text(pilot, "#conversation-line"),
                         "the conversation to complete")
        experiment_dir = Path(only_experiment(app).output_dir)
    said = [e for e in read_events(experiment_dir / "conv_exp00001_0001_events.jsonl")
            if e["event_type"] == "InterjectionEvent"]
    assert [(e["text"], e["to"]) for e in said] == [("Mind the tide.", ["agent_a"])]


async def test_an_interjection_that_missed_the_end_is_shown_as_not_delivered(make_app) -> None:
    """The conversation ended before the app heard it (the `i` input was already open): the
    text is not dropped silently, a warning says it was not delivered and why."""
    from pidgin_tui.core.control import Interjection

    app = make_app(paced_registry(SLOW))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await launch(pilot, turns=1)
        experiment = only_experiment(app)
        run = app.runs[experiment.experiment_id]
        await wait_until(pilot, lambda: run.finished, "the run to end")
        control = run.runner.control.for_conversation(f"{experiment.experiment_id}_0001")
        assert control.interject(Interjection("Still there?")) is False
        await pilot.pause()
        warnings = [n for n in app._notifications if n.title == "Interjection not delivered"]
        assert [n.severity for n in warnings] == ["warning"]
        assert "the conversation ended (max_turns)" in warnings[0].message
