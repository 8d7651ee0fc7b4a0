"""The README's end-state distribution and convergence summary, per model pair."""

from __future__ import annotations

from pathlib import Path
from statistics import median

from pidgin_tui.record.experiment import ExperimentRecord
from pidgin_tui.reports.readme import render_readme
from tests.analysis_fixtures import run_experiment


def test_readme_gives_the_end_state_distribution_per_model_pair(tmp_path: Path) -> None:
    experiment = ExperimentRecord.load(run_experiment(tmp_path, max_turns=20, repetitions=4,
                                                think=False))
    text = render_readme(experiment)
    conversations = list(experiment.conversations.values())
    onsets = [e.onset_turn for c in conversations for e in c.end_states
              if e.end_state == "loop"]
    assert onsets, "local:instant loops within 20 turns"
    turn = median(onsets)
    shown = f"{turn:g}" if turn == int(turn) else f"{turn:.1f}"
    assert (f"- {len(onsets)} of 4 ended in a repetition loop at a median turn of {shown}"
            in text)
    substantive = median(c.substantive_turns for c in conversations)
    assert "**local:instant × local:instant** (4 conversations; median substantive turns " \
        f"{substantive:g}" in text
    assert "## Convergence by model pair" in text
    final = [c.convergence for c in conversations]
    assert f"| local:instant × local:instant | 4 | {sum(final) / 4:.3f} " in text
