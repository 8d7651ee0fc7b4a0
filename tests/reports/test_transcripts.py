"""Transcripts and summary: every message, its turn number and folded thinking, and a header
that says what was run and how it ended."""

from __future__ import annotations

import re
from pathlib import Path

from pidgin_tui.core.events import MessageCompleteEvent
from pidgin_tui.reports.readme import write_readme
from pidgin_tui.reports.transcript import write_transcripts
from tests.analysis_fixtures import copy_experiment, recorded_events, run_experiment


def _messages(experiment_dir: Path) -> list[MessageCompleteEvent]:
    events = recorded_events(experiment_dir)
    return [e for e in events if isinstance(e, MessageCompleteEvent)]


def test_every_message_is_in_its_transcript_under_its_turn(experiment: Path,
                                                           tmp_path: Path) -> None:
    exp = copy_experiment(experiment, tmp_path)
    written = write_transcripts(exp)
    assert {p.name for p in written} == {f"conv_{c}.md" for c in
                                         {m.conversation_id for m in _messages(exp)}} | \
        {"summary.md"}
    for message in _messages(exp):
        text = (exp / "transcripts" / f"conv_{message.conversation_id}.md").read_text()
        position = text.index(message.content)
        headings = re.findall(r"^## Turn (\d+)$", text[:position], flags=re.M)
        assert int(headings[-1]) == message.turn_number
        assert message.thinking and message.thinking in text
    text = next(p for p in written if p.name.startswith("conv_")).read_text()
    assert "<details><summary>Thinking</summary>" in text
    assert "| model | local:instant |" in text and "end reason: max_turns" in text
    assert re.search(r"\*\*Tokens:\*\* \d+ \(\d+ in, \d+ out\) · \*\*Cost:\*\*", text)


def test_summary_links_every_conversation(experiment: Path, tmp_path: Path) -> None:
    exp = copy_experiment(experiment, tmp_path)
    write_transcripts(exp)
    summary = (exp / "transcripts" / "summary.md").read_text()
    for conv in {m.conversation_id for m in _messages(exp)}:
        assert f"[{conv}](conv_{conv}.md)" in summary
    assert summary.count("| completed | max_turns | 4 |") == 3


def test_failed_conversation_transcript_shows_the_error(tmp_path: Path) -> None:
    exp = run_experiment(tmp_path, agent_b="local:fail-at-1", repetitions=1)
    write_transcripts(exp)
    text = next((exp / "transcripts").glob("conv_*.md")).read_text()
    assert "**Status:** failed — end reason: error" in text
    assert "failed on purpose" in text


def test_truncated_jsonl_still_gives_transcripts_and_reports_the_damage(experiment: Path,
                                                                       tmp_path: Path) -> None:
    exp = copy_experiment(experiment, tmp_path)
    conv_file = sorted(exp.glob("conv_*_events.jsonl"))[0]
    with open(conv_file, "ab") as handle:
        handle.write(b'{"event_type":"MessageCompl')
    write_transcripts(exp)
    summary = (exp / "transcripts" / "summary.md").read_text()
    assert f"{conv_file.name}: truncated last line skipped" in summary
    readme = write_readme(exp).read_text()
    assert "truncated last line skipped" in readme


def test_readme_says_what_ran_outcomes_metrics_and_how_to_query(experiment: Path,
                                                                tmp_path: Path) -> None:
    exp = copy_experiment(experiment, tmp_path)
    text = write_readme(exp).read_text()
    assert "| agent_a | local:instant |" in text and "| max_turns | 4 |" in text
    assert "| completed | max_turns | 3 |" in text
    row = re.search(r"\| convergence score \(`convergence_score`\) \| ([\d.]+) \| ([\d.]+) \| "
                    r"([\d.]+) \|", text)
    assert row is not None
    assert "pidgin-tui query" in text and "experiments.duckdb" in text


def test_readme_links_to_metric_definitions_written_beside_it(experiment: Path,
                                                              tmp_path: Path) -> None:
    """The link must resolve offline, in the experiment folder, to every metric's definition."""
    from pidgin_tui.metrics.catalog import metric_names

    exp = copy_experiment(experiment, tmp_path)
    text = write_readme(exp).read_text()
    target = re.search(r"\]\(([^)]+\.md)\)", text)
    assert target is not None
    doc = (exp / target.group(1)).read_text()
    assert all(name.removeprefix("a_").removeprefix("b_") in doc for name in metric_names())
