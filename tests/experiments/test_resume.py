"""`pidgin-tui resume`: paused and interrupted conversations continue exactly where they ended."""

from __future__ import annotations

from pathlib import Path

from pidgin_tui.core.types import AgentId, Speaker
from pidgin_tui.experiments.resume import load_saved_conversation
from pidgin_tui.experiments.runner import ExperimentRunner
from pidgin_tui.experiments.spec import parse_spec
from pidgin_tui.record.jsonl import read_all_events
from pidgin_tui.record.layout import conversation_jsonl_name
from pidgin_tui.record.manifest import read_manifest


def _events(path: Path) -> list:
    return read_all_events(path).events


async def test_a_paused_conversation_resumes_and_completes(tmp_path: Path) -> None:
    spec = parse_spec({"agent_a": "local:instant", "agent_b": "local:instant", "max_turns": 5,
                       "convergence_threshold": 0.0, "convergence_action": "pause"})
    first = await ExperimentRunner(spec, tmp_path).run()
    assert first.outcomes[0].end_reason.value == "paused"
    assert first.outcomes[0].turns_completed == 1

    runner = ExperimentRunner.for_existing(first.experiment_dir, tmp_path)
    runner.spec.convergence_action = "continue"
    assert list(runner.resumable()) == [f"{runner.experiment_id}_0001"]
    second = await runner.resume()
    assert second.status.value == "completed"
    assert second.outcomes[0].end_reason.value == "max_turns"

    path = first.experiment_dir / conversation_jsonl_name(f"{runner.experiment_id}_0001")
    events = _events(path)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))  # seq continues
    turns = [e.turn_number for e in events if e.event_type == "TurnCompleteEvent"]
    assert turns == [1, 2, 3, 4, 5]  # each turn exactly once
    resumed = [e for e in events if e.event_type == "ConversationResumedEvent"]
    assert len(resumed) == 1 and resumed[0].restarted and resumed[0].turn_number == 2
    manifest = read_manifest(first.experiment_dir)
    assert manifest is not None and manifest.status == "completed"
    assert manifest.completed_conversations == 1
    assert manifest.interrupted_conversations == 0
    conv = next(iter(manifest.conversations.values()))
    assert (conv.status, conv.turns_completed, conv.end_reason) == \
        ("completed", 5, "max_turns")


async def test_resume_rebuilds_the_exact_history_each_agent_was_sent(tmp_path: Path) -> None:
    """A resumed agent is sent exactly what an uninterrupted run would have sent it."""
    spec = parse_spec({"agent_a": "local:instant", "agent_b": "local:instant", "max_turns": 3,
                       "convergence_threshold": None})
    whole = await ExperimentRunner(spec, tmp_path / "whole").run()
    whole_events = _events(next(whole.experiment_dir.glob("conv_*")))
    hashes = [e.payload_sha256 for e in whole_events if e.event_type == "MessageRequestEvent"]

    paused_spec = parse_spec({**spec.to_dict(), "convergence_threshold": 0.0,
                              "convergence_action": "pause"})
    paused = await ExperimentRunner(paused_spec, tmp_path / "paused").run()
    runner = ExperimentRunner.for_existing(paused.experiment_dir, tmp_path / "paused")
    runner.spec.convergence_action = "continue"
    await runner.resume()
    resumed_events = _events(next(paused.experiment_dir.glob("conv_*")))
    resumed_hashes = [e.payload_sha256 for e in resumed_events
                      if e.event_type == "MessageRequestEvent"]
    assert resumed_hashes == hashes
    # Cumulative metrics continue too: the resumed turns score exactly as in the whole run.
    whole_metrics = [e.metrics for e in whole_events if e.event_type == "TurnCompleteEvent"]
    resumed_metrics = [e.metrics for e in resumed_events if e.event_type == "TurnCompleteEvent"]
    assert resumed_metrics == whole_metrics


def test_saved_conversation_skips_partial_messages(tmp_path: Path) -> None:
    from pidgin_tui.core.events import (
        ConversationEndEvent,
        MessageCompleteEvent,
        SystemPromptEvent,
        TurnCompleteEvent,
        encode_event,
    )

    path = tmp_path / "conv_x_events.jsonl"
    events = [
        SystemPromptEvent(agent_id="agent_a", prompt="PA"),
        SystemPromptEvent(agent_id="agent_b", prompt="PB"),
        MessageCompleteEvent(agent_id="agent_a", turn_number=1, content="a0"),
        MessageCompleteEvent(agent_id="agent_b", turn_number=1, content="b0"),
        TurnCompleteEvent(turn_number=1),
        MessageCompleteEvent(agent_id="agent_a", turn_number=2, content="a1"),
        MessageCompleteEvent(agent_id="agent_b", turn_number=2, content="b1-part",
                             finish_reason="interrupted"),
        ConversationEndEvent(reason="interrupted", total_turns=1),
    ]
    path.write_bytes(b"".join(encode_event(e) + b"\n" for e in events))
    saved = load_saved_conversation(path)
    assert saved.end_reason == "interrupted"
    assert saved.point.turns_completed == 1
    assert saved.point.messages == [(1, AgentId.A, "a0"), (1, AgentId.B, "b0"),
                                    (2, AgentId.A, "a1")]
    assert saved.point.system_prompts == {AgentId.A: "PA", AgentId.B: "PB"}


async def test_a_resumed_conversation_keeps_its_interjections(tmp_path: Path) -> None:
    """An interjection delivered before a pause is still in every later request after resume."""
    from pidgin_tui.core.control import Interjection
    from pidgin_tui.core.events import TurnStartEvent
    from pidgin_tui.experiments.payload import rebuild_payload

    spec = parse_spec({"agent_a": "local:instant", "agent_b": "local:instant", "max_turns": 3,
                       "convergence_threshold": 0.0, "convergence_action": "pause"})
    runner = ExperimentRunner(spec, tmp_path)

    def interject(event: TurnStartEvent) -> None:
        runner.control.for_conversation(event.conversation_id or "").interject(
            Interjection("Consider the sea.", Speaker.NARRATOR, (AgentId.B,)))

    runner.bus.subscribe(TurnStartEvent, interject)
    first = await runner.run()
    assert first.outcomes[0].end_reason.value == "paused"
    again = ExperimentRunner.for_existing(first.experiment_dir, tmp_path)
    again.spec.convergence_action = "continue"
    await again.resume()
    cid = first.outcomes[0].conversation_id
    events = _events(first.experiment_dir / conversation_jsonl_name(cid))
    assert sum(e.event_type == "InterjectionEvent" for e in events) == 1
    for turn in (2, 3):
        payload = rebuild_payload(first.experiment_dir, cid, turn, AgentId.B)
        assert payload.verdict == "verified", (turn, payload.notes)
        assert any("[Narrator] Consider the sea." in m.content for m in payload.messages)
