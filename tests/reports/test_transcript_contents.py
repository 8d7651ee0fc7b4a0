"""Transcripts a researcher can paste into a paper: system prompts folded, injections and the
convergence and end-state events at their turn, and model Markdown that cannot break the
document."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from pidgin_tui.core.events import SystemPromptEvent
from pidgin_tui.record.experiment import ExperimentRecord
from pidgin_tui.reports.transcript import fenced, inline, render_transcript
from tests.analysis_fixtures import recorded_events, run_experiment


def test_prompts_injections_and_events_appear_at_their_turn(tmp_path: Path) -> None:
    awareness = tmp_path / "aware.yaml"
    awareness.write_text("base: basic\nturn_prompts:\n  3: {agent_b: 'Try disagreeing now.'}\n")
    exp_dir = run_experiment(tmp_path / "root", repetitions=1, max_turns=20, think=False,
                             awareness=str(awareness), convergence_threshold=0.3,
                             convergence_action="warn")
    experiment = ExperimentRecord.load(exp_dir)
    (conv,) = experiment.conversations.values()
    text = render_transcript(conv, experiment)
    prompts = recorded_events(exp_dir)
    for event in prompts:
        if isinstance(event, SystemPromptEvent):
            assert f"System prompt of {event.agent_display_name}" in text
            assert event.prompt in text
    turn_3 = text.index("## Turn 3")
    injection = text.index("Try disagreeing now.")
    assert turn_3 < injection < text.index("## Turn 4")
    assert f"*Injection sent to {inline(conv.name_of('agent_b'))}:*" in text
    warning = conv.convergence_warnings[0]
    heading = text.index(f"## Turn {warning.turn_number}\n")
    assert heading < text.index("reached the threshold 0.3") < text.index(
        f"## Turn {warning.turn_number + 1}\n")
    found = conv.end_states[0]
    marker = f"> **End state: {found.end_state}**, began at turn {found.onset_turn}"
    assert text.index(f"## Turn {found.turn_number}\n") < text.index(marker)


def test_an_unclosed_fence_in_a_message_stays_inside_its_block() -> None:
    message = "Here is code:\n```python\nprint('never closed')\n<details>"
    block = fenced(message)
    fence = block[0].removesuffix("text")
    assert block[-1] == fence and len(fence) > 3
    assert all(fence not in line for line in message.splitlines())


@given(st.text())
def test_no_text_can_close_its_fence_early(text: str) -> None:
    opening, *body, closing = fenced(text)
    fence = closing
    assert opening == fence + "text"
    assert not any(line.strip().startswith(fence) for line in "\n".join(body).splitlines())


def test_names_are_one_escaped_line() -> None:
    assert inline("Eve*\n# <b>|") == "Eve\\* \\# \\<b\\>\\|"
