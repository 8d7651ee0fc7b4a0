"""The payload inspector in the app: `w` from a transcript, agent and turn keys, the verdict."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Static

from pidgin_tui.core.types import AgentId
from pidgin_tui.experiments.runner import ExperimentRunner
from pidgin_tui.experiments.spec import parse_spec
from pidgin_tui.tui.screens.payload import PayloadScreen
from pidgin_tui.tui.screens.transcript import TranscriptScreen

from .conftest import SIZE, fast_registry


def _recorded(output_root: Path) -> Path:
    spec = parse_spec({"agent_a": "local:test", "agent_b": "local:test", "max_turns": 3,
                       "convergence_threshold": None, "name": "inspect"})
    runner = ExperimentRunner(spec, output_root, registry=fast_registry(),
                              experiment_id="exp00001")
    return asyncio.run(runner.run()).experiment_dir


async def _rebuilt(pilot: Pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_payload_inspector(snap_compare, make_app, output_root: Path) -> None:
    """You should see "exp00001_0001 · turn 2 · agent B (local:test) · attempt 1 · ✓ verified"
    in green, "Requested:" and "Effective: … thinking=off" parameter lines, the "nothing
    dropped" truncation line, then boxed messages: the
    system prompt, "1 · user" (A's turn-1 reply with the opening prompt routed to A only, so B
    sees A's reply first), "2 · assistant" (B's own turn-1 reply) and "3 · user"."""
    experiment_dir = _recorded(output_root)

    async def run_before(pilot: Pilot) -> None:
        pilot.app.push_screen(PayloadScreen(experiment_dir, "exp00001_0001", 2, AgentId.B,
                                            registry=fast_registry()))
        await _rebuilt(pilot)

    assert snap_compare(make_app(registry=fast_registry()), terminal_size=SIZE,
                        run_before=run_before)


async def test_w_in_a_transcript_opens_the_inspector_and_keys_move_it(
        make_app, output_root: Path) -> None:
    experiment_dir = await asyncio.to_thread(_recorded, output_root)
    path = next(experiment_dir.glob("conv_*_events.jsonl"))
    app = make_app(registry=fast_registry())
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(TranscriptScreen(path))
        await _rebuilt(pilot)
        await pilot.press("w")
        await _rebuilt(pilot)
        screen = app.screen
        assert isinstance(screen, PayloadScreen)
        assert (screen.turn, screen.agent) == (1, AgentId.A)
        header = screen.query_one("#payload-header", Static)
        assert "✓ verified" in str(header.render())
        await pilot.press("b", "right_square_bracket")
        await _rebuilt(pilot)
        assert (screen.turn, screen.agent) == (2, AgentId.B)
        assert "turn 2 · agent B" in str(header.render())
        await pilot.press("right_square_bracket", "right_square_bracket")
        await _rebuilt(pilot)
        assert "sent nothing at turn 4" in str(screen.query_one("#payload-facts",
                                                                Static).render())
        await pilot.press("escape")
        assert isinstance(app.screen, TranscriptScreen)


async def test_w_on_the_live_screen_inspects_the_latest_request(make_app) -> None:
    """`w` on the live screen opens the payload inspector on the request of the latest
    message (B's at the last turn), verified against the record."""
    from .conftest import paced_registry
    from .helpers import press_now, static_text, wait_until
    from .test_controls import SLOW, launch

    app = make_app(paced_registry(SLOW))
    async with app.run_test(size=SIZE) as pilot:
        await launch(pilot, turns=2)
        await wait_until(pilot, lambda: "completed" in static_text(pilot, "#conversation-line"),
                         "the conversation to complete")
        await press_now(pilot, "w")
        await wait_until(pilot, lambda: isinstance(app.screen, PayloadScreen), "the inspector")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PayloadScreen)
        assert (screen.turn, screen.agent) == (2, AgentId.B)
        assert "✓ verified" in str(screen.query_one("#payload-header", Static).render())
