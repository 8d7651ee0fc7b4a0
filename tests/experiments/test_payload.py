"""The payload inspector rebuilds exactly what each agent was sent, and says when it cannot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pidgin_tui.cli import main
from pidgin_tui.core.control import Interjection
from pidgin_tui.core.events import TurnCompleteEvent
from pidgin_tui.core.types import AgentId, Speaker
from pidgin_tui.experiments.payload import PayloadError, rebuild_payload
from pidgin_tui.experiments.runner import ExperimentRunner
from pidgin_tui.experiments.spec import parse_spec
from pidgin_tui.providers.registry import ModelInfo, Registry, default_registry

SMALL = ModelInfo("local", "instant", "Small-window test model", context_window=900,
                  max_output_tokens=120, supports_thinking=True)


def _small_window_registry() -> Registry:
    registry = Registry()
    registry.models = dict(default_registry().models)
    registry.factories = dict(default_registry().factories)
    registry.add(SMALL)
    return registry


async def test_every_turn_of_a_truncated_injected_conversation_is_verified(tmp_path: Path) -> None:
    """20 turns with per-agent awareness injections, narrator interjections and a window small
    enough to truncate."""
    awareness = tmp_path / "aware.yaml"
    awareness.write_text("base: research\nturn_prompts:\n  3: {agent_a: 'Try disagreeing.'}\n"
                         "  6: {both: 'Summarise so far.'}\n  12: {agent_b: 'Ask a question.'}\n")
    spec = parse_spec({"agent_a": "local:instant", "agent_b": "local:instant", "max_turns": 20,
                       "awareness": str(awareness), "allow_truncation": True,
                       "convergence_threshold": None, "name": "inspect"})
    registry = _small_window_registry()
    runner = ExperimentRunner(spec, tmp_path / "out", registry=registry)

    def interject(event: TurnCompleteEvent) -> None:
        if event.turn_number in (4, 9):  # delivered at the next safe point: turns 5 and 10
            who = (AgentId.B,) if event.turn_number == 4 else (AgentId.A, AgentId.B)
            runner.control.for_conversation(event.conversation_id or "").interject(
                Interjection("Narrator here: change the subject.", Speaker.NARRATOR, who))

    runner.bus.subscribe(TurnCompleteEvent, interject)
    result = await runner.run()
    lines = next(result.experiment_dir.glob("conv_*")).read_text()
    assert lines.count('"InterjectionEvent"') == 2
    assert result.outcomes[0].turns_completed == 20
    cid = result.outcomes[0].conversation_id
    dropped = 0
    for turn in range(1, 21):
        for agent in AgentId:
            payload = rebuild_payload(result.experiment_dir, cid, turn, agent, registry=registry)
            assert payload.verdict == "verified", (turn, agent, payload.notes)
            assert payload.messages[0].role == "user"
            dropped = max(dropped, payload.dropped_messages)
    assert dropped > 0  # the window really did truncate later turns
    injected = rebuild_payload(result.experiment_dir, cid, 3, AgentId.A, registry=registry)
    assert "Try disagreeing." in injected.messages[-1].content  # the turn 3 injection
    interjected = rebuild_payload(result.experiment_dir, cid, 5, AgentId.B, registry=registry)
    assert "[Narrator] Narrator here" in interjected.messages[-1].content
    assert "[Narrator]" not in rebuild_payload(result.experiment_dir, cid, 5, AgentId.A,
                                               registry=registry).messages[-1].content
    assert "Try disagreeing." not in "".join(
        m.content for m in rebuild_payload(result.experiment_dir, cid, 3, AgentId.B,
                                           registry=registry).messages)


async def test_an_edited_record_differs(tmp_path: Path) -> None:
    spec = parse_spec({"agent_a": "local:instant", "agent_b": "local:instant", "max_turns": 3,
                       "convergence_threshold": None})
    result = await ExperimentRunner(spec, tmp_path).run()
    cid = result.outcomes[0].conversation_id
    path = next(result.experiment_dir.glob("conv_*_events.jsonl"))
    lines = path.read_text().splitlines()
    first_reply = next(i for i, line in enumerate(lines) if "MessageCompleteEvent" in line)
    record = json.loads(lines[first_reply])
    record["content"] = "something the agent never said"
    lines[first_reply] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n")
    assert rebuild_payload(result.experiment_dir, cid, 1, AgentId.A).verdict == "verified"
    assert rebuild_payload(result.experiment_dir, cid, 1, AgentId.B).verdict == "differs"
    with pytest.raises(PayloadError, match="turn 4"):
        rebuild_payload(result.experiment_dir, cid, 4, AgentId.A)


async def test_the_command_prints_text_and_json(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    spec = parse_spec({"agent_a": "local:instant", "agent_b": "local:instant", "max_turns": 2,
                       "convergence_threshold": None, "name": "cmd"})
    result = await ExperimentRunner(spec, tmp_path).run()
    exp = result.experiment_id
    assert main(["--output", str(tmp_path), "payload", exp, "1", "--turn", "2",
                 "--agent", "b"]) == 0
    text = capsys.readouterr().out
    assert "turn 2 · agent B" in text and "Hash: verified" in text and "── system ──" in text
    assert main(["--output", str(tmp_path), "payload", exp, "1", "--turn", "1", "--agent", "a",
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "verified" and data["turn"] == 1
    assert [m["role"] for m in data["messages"]] == ["user"]
    assert main(["--output", str(tmp_path), "payload", exp, "zz", "--turn", "1",
                 "--agent", "a"]) == 2
    assert main(["--output", str(tmp_path), "payload", exp, "1", "--turn", "0",
                 "--agent", "a"]) == 2
    err = capsys.readouterr().err
    assert "no conversation" in err and "counts from 1" in err and "Traceback" not in err
