"""The transcript view with text put into the conversation: the awareness injection an agent
was sent and the researcher's interjection, each a note before the message it preceded."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.pilot import Pilot

from pidgin_tui.core.types import AgentId, Speaker
from pidgin_tui.experiments.branching import plan_branch
from pidgin_tui.experiments.runner import ExperimentRunner
from pidgin_tui.experiments.spec import parse_spec
from pidgin_tui.record.layout import conversation_jsonl_name
from pidgin_tui.tui.screens.transcript import TranscriptScreen

from .conftest import SIZE, fast_registry


async def _noted(root: Path) -> Path:
    """A branch whose inherited turn 2 carries an awareness injection to B, and whose
    branch point (before turn 3) an interjection by the narrator to both agents."""
    awareness = root / "aware.yaml"
    root.mkdir(parents=True, exist_ok=True)
    awareness.write_text("base: basic\nturn_prompts:\n  2: {agent_b: 'Try disagreeing now.'}\n")
    spec = parse_spec({"agent_a": "local:instant", "agent_b": "local:instant", "max_turns": 3,
                       "convergence_threshold": None, "name": "noted", "seed": 5,
                       "awareness": str(awareness)})
    parent = await ExperimentRunner(spec, root, registry=fast_registry(),
                                    experiment_id="not00001").run()
    source = plan_branch(parent.experiment_dir, "not00001_0001", 2, {},
                         inject=("Speak only in questions now.", Speaker.NARRATOR,
                                 (AgentId.A, AgentId.B)))
    branch = await ExperimentRunner(source.spec, root, registry=fast_registry(), branch=source,
                                    experiment_id="brn00001").run()
    return branch.experiment_dir / conversation_jsonl_name("brn00001_0001")


def test_transcript_with_an_injection_and_an_interjection(snap_compare, make_app,
                                                          output_root: Path) -> None:
    """You should see the branch brn00001_0001 (3/3 turns, completed): under "── Turn 2", after
    A's message, the note "Injection sent to instant (B):" and "Try disagreeing now." just
    before "instant (B) · 49 tok"; under "── Turn 3", before A's first message of the branch,
    the note "Interjection by the researcher as the narrator, sent to instant (A) and instant
    (B):" and "Speak only in questions now."; notes unindented, messages indented."""
    path = asyncio.run(_noted(output_root))

    async def run_before(pilot: Pilot) -> None:
        pilot.app.push_screen(TranscriptScreen(path))
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(registry=fast_registry()), terminal_size=SIZE,
                        run_before=run_before)
