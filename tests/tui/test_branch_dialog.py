"""`b` in a transcript: the branch dialog, prefilled from the parent, launches the branch and
switches to the live view; bad input is named in the dialog."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Select, Static

from pidgin_tui.record.layout import conversation_jsonl_name
from pidgin_tui.tui.screens.branch_dialog import BranchDialog
from pidgin_tui.tui.screens.transcript import TranscriptScreen
from tests.experiments.family import Family, make_family

from .conftest import SIZE, fast_registry
from .test_snapshots import no_blink


async def _settled(pilot: Pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _transcript(family: Family) -> TranscriptScreen:
    return TranscriptScreen(family.parent.experiment_dir
                            / conversation_jsonl_name(family.first))


async def _open_dialog(pilot: Pilot, family: Family) -> BranchDialog:
    """`b` in the transcript of the family's first conversation: the dialog it opens."""
    pilot.app.push_screen(_transcript(family))
    await _settled(pilot)
    await pilot.press("b")
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, BranchDialog)
    return dialog


def test_branch_dialog(snap_compare, make_app, output_root: Path) -> None:
    """You should see the "Branch par00001_0001" dialog over the transcript: "After turn 1"
    (the message at the top), agent models local:instant and local:instant, max turns 4,
    branches 1, an empty "Put in" field with "narrator" and "both agents" beside it, the
    unticked "Replace the turn's last message with this text (as its sender)" and "Into the
    parent's experiment" boxes, and the Branch and Cancel buttons."""
    family = asyncio.run(make_family(output_root))

    async def run_before(pilot: Pilot) -> None:
        pilot.app.push_screen(_transcript(family))
        await _settled(pilot)
        await pilot.press("b")
        await pilot.pause()
        no_blink(pilot)
        await pilot.pause()

    assert snap_compare(make_app(registry=fast_registry()), terminal_size=SIZE,
                        run_before=run_before)


async def test_the_dialog_launches_a_branch_and_shows_it_live(make_app,
                                                              output_root: Path) -> None:
    family = await make_family(output_root)
    app = make_app(registry=fast_registry())
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _open_dialog(pilot, family)
        assert dialog.query_one("#branch-agent-b", Input).value == "local:instant"
        dialog.query_one("#branch-turn", Input).value = "9"
        await pilot.press("ctrl+s")
        await pilot.pause()
        problem = str(dialog.query_one("#branch-problem", Static).render())
        assert "between 0 and 4" in problem and app.screen is dialog
        dialog.query_one("#branch-turn", Input).value = "2"
        dialog.query_one("#branch-agent-b", Input).value = "nowhere:model"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "nowhere" in str(dialog.query_one("#branch-problem", Static).render())
        dialog.query_one("#branch-agent-b", Input).value = "local:silent"
        dialog.query_one("#branch-inject", Input).value = "Speak of the sea."
        dialog.query_one("#branch-into-parent", Checkbox).value = True
        await pilot.press("ctrl+s")
        await _settled(pilot)
        assert app.current_mode == "live"
    branch = family.parent.experiment_dir / conversation_jsonl_name("par00001_0003")
    lines = [json.loads(line) for line in branch.read_text().splitlines()]
    branched = next(e for e in lines if e["event_type"] == "ConversationBranchedEvent")
    assert branched["branch_turn"] == 2 and branched["changes"]["agent_b"] == "local:silent"
    said = next(e for e in lines if e["event_type"] == "InterjectionEvent")
    assert said["text"] == "Speak of the sea." and "speaker" not in said  # the narrator
    assert lines[-1]["event_type"] == "ConversationEndEvent"


async def test_the_dialog_replaces_the_message_that_ended_the_turn(make_app,
                                                                   output_root: Path) -> None:
    family = await make_family(output_root)
    app = make_app(registry=fast_registry())
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _open_dialog(pilot, family)
        dialog.query_one("#branch-turn", Input).value = "2"
        dialog.query_one("#branch-replace", Checkbox).value = True
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "needs its new text" in str(dialog.query_one("#branch-problem", Static).render())
        dialog.query_one("#branch-inject", Input).value = "Speak of the sea."
        await pilot.press("ctrl+s")  # as the narrator: agent B ended turn 2
        await pilot.pause()
        assert "agent B sent" in str(dialog.query_one("#branch-problem", Static).render())
        dialog.query_one("#branch-as", Select).value = "agent_b"
        dialog.query_one("#branch-into-parent", Checkbox).value = True
        await pilot.press("ctrl+s")
        await _settled(pilot)
        assert app.current_mode == "live"
    branch = family.parent.experiment_dir / conversation_jsonl_name("par00001_0003")
    lines = [json.loads(line) for line in branch.read_text().splitlines()]
    branched = next(e for e in lines if e["event_type"] == "ConversationBranchedEvent")
    assert branched["changes"]["replace"] == {"turn": 2, "as": "agent_b",
                                              "text": "Speak of the sea."}
    assert not any(e["event_type"] == "InterjectionEvent" for e in lines)
