"""Branches: the parent's turns replayed exactly, then a continuation; lineage in JSONL and
DuckDB."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from pidgin_tui.cli import main
from pidgin_tui.core.events import event_to_dict
from pidgin_tui.core.types import AgentId
from pidgin_tui.experiments.branching import BranchError, plan_branch
from pidgin_tui.experiments.payload import rebuild_payload
from pidgin_tui.experiments.runner import ExperimentRunner
from pidgin_tui.experiments.spec import parse_spec
from pidgin_tui.metrics.turn import make_turn_scorer
from pidgin_tui.record.experiment import ExperimentRecord
from pidgin_tui.record.jsonl import read_all_events
from pidgin_tui.record.layout import conversation_id_of, transcript_path
from pidgin_tui.record.manifest import read_manifest
from pidgin_tui.reports.transcript import write_transcripts


def _lines(experiment_dir: Path, conversation_id: str = "*") -> list[dict]:
    path = next(experiment_dir.glob(f"conv_{conversation_id}_events.jsonl"))
    return [event_to_dict(e) for e in read_all_events(path).events]


def _messages(lines: list[dict]) -> list[tuple[int, str, str]]:
    return [(e["turn_number"], e["agent_id"], e["content"]) for e in lines
            if e["event_type"] == "MessageCompleteEvent"]


async def _parent(tmp_path: Path, turns: int = 6):
    spec = parse_spec({"agent_a": "local:instant", "agent_b": "local:instant",
                       "max_turns": turns,
                       "convergence_threshold": None, "name": "parent", "seed": 7,
                       "repetitions": 2})
    return await ExperimentRunner(spec, tmp_path).run()


async def test_an_unchanged_branch_continues_exactly_as_the_parent_did(tmp_path: Path) -> None:
    parent = await _parent(tmp_path)
    second = parent.outcomes[1].conversation_id  # repetition 2: its own seed is kept
    source = plan_branch(parent.experiment_dir, second, 3, {})
    assert source.changes == {}
    branch = await ExperimentRunner(source.spec, tmp_path, branch=source).run()
    parent_lines = _lines(parent.experiment_dir, second)
    lines = _lines(branch.experiment_dir)
    assert _messages(lines) == _messages(parent_lines)
    inherited = [e for e in lines if e.get("inherited")]
    assert {e["event_type"] for e in inherited} == {"MessageCompleteEvent", "TurnCompleteEvent"}
    assert max(e["turn_number"] for e in inherited) == 3  # turns 1-3
    requests = [e for e in lines if e["event_type"] == "MessageRequestEvent"]
    parent_next = next(e for e in parent_lines if e["event_type"] == "MessageRequestEvent"
                       and e["turn_number"] == 4)
    assert requests[0]["turn_number"] == 4
    assert requests[0]["payload_sha256"] == parent_next["payload_sha256"]
    assert not any(e["event_type"] == "TokenUsageEvent" and e["turn_number"] <= 3 for e in lines)
    branched = next(e for e in lines if e["event_type"] == "ConversationBranchedEvent")
    assert (branched["parent_experiment_id"], branched["source_conversation_id"],
            branched["branch_turn"]) == (parent.experiment_id, second, 3)
    cid = branch.outcomes[0].conversation_id
    assert rebuild_payload(branch.experiment_dir, cid, 5, AgentId.B).verdict == "verified"
    inherited_turn = rebuild_payload(branch.experiment_dir, cid, 2, AgentId.A)
    assert inherited_turn.conversation_id == second and inherited_turn.verified
    assert "inherited" in inherited_turn.notes[-1]


def test_a_changed_model_diverges_after_the_branch_turn_with_lineage_in_duckdb(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parent = asyncio.run(_parent(tmp_path))
    first = parent.outcomes[0].conversation_id
    root = ["--output", str(tmp_path)]
    assert main([*root, "branch", parent.experiment_id, "1", "--turn", "2", "-b",
                 "local:silent", "-r", "2", "--inject", "Speak French now.", "--as",
                 "narrator", "-q", "--no-post-process"]) == 0
    capsys.readouterr()
    branch_dir = next(d for d in (tmp_path / "experiments").iterdir()
                      if d.is_dir() and "branch-t2" in d.name)
    parent_messages = _messages(_lines(parent.experiment_dir, first))
    for path in sorted(branch_dir.glob("conv_*_events.jsonl")):
        lines = [event_to_dict(e) for e in read_all_events(path).events]
        messages = _messages(lines)
        assert messages[:4] == parent_messages[:4]  # turns 1-2 shared
        assert messages[5][2] != parent_messages[5][2]  # B is another model from turn 3
        interjection = next(e for e in lines if e["event_type"] == "InterjectionEvent")
        assert interjection["text"] == "Speak French now." and interjection["turn_number"] == 3
        branched = next(e for e in lines if e["event_type"] == "ConversationBranchedEvent")
        assert branched["changes"]["agent_b"] == "local:silent"
        assert branched["changes"]["inject"]["as"] == "narrator"
        cid = conversation_id_of(path)
        assert cid is not None
        payload = rebuild_payload(branch_dir, cid, 3, AgentId.A)
        assert payload.verdict == "verified"
        assert payload.messages[-1].content.endswith("[Narrator] Speak French now.")
        write_transcripts(branch_dir, cid)
        transcript = transcript_path(branch_dir, cid).read_text()
        assert f"**Branched from:** {first} after turn 2" in transcript.replace("\\_", "_")
        said = transcript.index("*Interjection by the researcher as the narrator, sent to ")
        assert transcript.index("## Turn 3") < said < transcript.index("### ", said)
        assert "Speak French now." in transcript[said:transcript.index("### ", said)]
    assert main([*root, "import", "--all"]) == 0
    capsys.readouterr()
    assert main([*root, "query", "--json", "SELECT conversation_id, parent_conversation_id, "
                 "branch_turn, branches FROM conversation_tree ORDER BY conversation_id"]) == 0
    rows = {r["conversation_id"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    children = [r for r in rows.values() if r["parent_conversation_id"] == first]
    assert len(children) == 2 and {r["branch_turn"] for r in children} == {2}
    assert rows[first]["branches"] == 2 and rows[first]["parent_conversation_id"] is None
    assert main([*root, "query", "--json", "SELECT count(*) FILTER (WHERE inherited) AS copied, "
                 "count(*) AS n FROM messages"]) == 0
    counts = json.loads(capsys.readouterr().out)["rows"][0]
    assert counts["copied"] == 8  # 2 branches × 2 turns × 2 agents, marked, not new


async def test_bad_branch_requests_say_why(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    parent = await _parent(tmp_path, turns=3)
    with pytest.raises(BranchError, match="between 0 and 3"):
        plan_branch(parent.experiment_dir, parent.outcomes[0].conversation_id, 4, {})
    with pytest.raises(BranchError, match="nothing after turn 3"):
        plan_branch(parent.experiment_dir, parent.outcomes[0].conversation_id, 3, {})
    assert main(["--output", str(tmp_path), "branch", parent.experiment_id, "1", "--turn", "1",
                 "--dry-run", "-t", "5"]) == 0
    assert "{'max_turns': 5}" in capsys.readouterr().out
    # turns 2-5 are sent by each of 2 branches; turn 1 is copied, so never counted as sent
    assert main(["--output", str(tmp_path), "branch", parent.experiment_id, "1", "--turn", "1",
                 "--dry-run", "--json", "-t", "5", "-r", "2", "--pause-before-turn", "3"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["requests"] == 2 * 4 * 2 and plan["inherited_turns"].startswith("1-1 ")
    assert (plan["branch_turn"], plan["changes"]) == (1, {"max_turns": 5,
                                                          "pause_before_turn": 3})
    assert plan["estimate"].startswith("16 requests")
    assert main(["--output", str(tmp_path), "branch", parent.experiment_id, "zz", "--turn",
                 "1"]) == 2
    assert "no conversation" in capsys.readouterr().err


def test_branches_into_the_parent_experiment(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """`--into-parent` numbers the branches after the parent's conversations, in its directory
    and manifest, and their payloads verify against the branch's own (changed) spec."""
    parent = asyncio.run(_parent(tmp_path, turns=4))
    first = parent.outcomes[0].conversation_id
    root = ["--output", str(tmp_path)]
    assert main([*root, "branch", parent.experiment_id, "1", "--turn", "2", "-b",
                 "local:silent", "-r", "2", "--into-parent", "-q", "--no-post-process"]) == 0
    capsys.readouterr()
    assert [d.name for d in (tmp_path / "experiments").iterdir() if d.is_dir()] == \
        [parent.experiment_dir.name]  # no new experiment
    ids = [f"{parent.experiment_id}_{n:04d}" for n in (3, 4)]
    for cid in ids:
        lines = _lines(parent.experiment_dir, cid)
        branched = next(e for e in lines if e["event_type"] == "ConversationBranchedEvent")
        assert (branched["source_conversation_id"], branched["branch_turn"]) == (first, 2)
        assert _messages(lines)[:4] == _messages(_lines(parent.experiment_dir, first))[:4]
        assert rebuild_payload(parent.experiment_dir, cid, 3, AgentId.B).verdict == "verified"
    manifest = read_manifest(parent.experiment_dir)
    assert manifest is not None
    assert manifest.status == "completed" and manifest.total_conversations == 4
    assert all(manifest.conversations[cid].status == "completed" for cid in ids)
    assert main([*root, "tree", parent.experiment_id]) == 0
    tree = capsys.readouterr().out.splitlines()
    assert tree[0].startswith(first) and tree[1].startswith(f"├── {ids[0]} · local:instant × "
                                                            "local:silent · branched after "
                                                            "turn 2")


def test_resume_of_the_parent_continues_its_interrupted_branches(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Branches written into the parent's experiment whose process died are continued by
    `resume` of that experiment, each with its own model and seed: they end exactly as if
    they had never been interrupted."""
    parent = asyncio.run(_parent(tmp_path, turns=4))
    first = parent.outcomes[0].conversation_id
    source = plan_branch(parent.experiment_dir, first, 1,
                         {"agent_b": "local:silent", "max_turns": 5}, repetitions=2)
    asyncio.run(ExperimentRunner.into_parent(source, tmp_path).run())
    ids = [f"{parent.experiment_id}_{n:04d}" for n in (3, 4)]
    whole = {cid: _messages(_lines(parent.experiment_dir, cid)) for cid in ids}
    assert whole[ids[0]] != whole[ids[1]], "each branch has its own seed"
    for cid in ids:  # the process died after turn 3: nothing later was written
        path = parent.experiment_dir / f"conv_{cid}_events.jsonl"
        lines = path.read_text().splitlines(keepends=True)
        cut = next(n for n, line in enumerate(lines) if '"TurnCompleteEvent"' in line
                   and json.loads(line)["turn_number"] == 3 and not json.loads(line).get(
                       "inherited"))
        path.write_text("".join(lines[:cut + 1]))
    assert main(["--output", str(tmp_path), "resume", parent.experiment_id, "-q",
                 "--no-post-process"]) == 0, capsys.readouterr().err
    for cid in ids:
        lines = _lines(parent.experiment_dir, cid)
        assert _messages(lines) == whole[cid]
        assert {e["model"] for e in lines if e["event_type"] == "MessageCompleteEvent"
                and e["agent_id"] == "agent_b" and e["turn_number"] > 3} == {"local:silent"}
        end = [e for e in lines if e["event_type"] == "ConversationEndEvent"]
        assert [(e["reason"], e["total_turns"]) for e in end] == [("max_turns", 5)]
    record = ExperimentRecord.load(parent.experiment_dir, detail=False)
    assert record.status == "completed"
    assert all(record.status_of(record.conversations[cid]) == "completed" for cid in ids)


def test_replace_puts_new_text_in_place_of_the_message_at_the_branch_point(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--inject TEXT --as b --replace` at turn 2: B's turn-2 message is the new text (the
    branch's own, not inherited), A's turn-3 request carries it, and `payload` verifies."""
    parent = asyncio.run(_parent(tmp_path, turns=4))
    first = parent.outcomes[0].conversation_id
    root = ["--output", str(tmp_path)]
    assert main([*root, "branch", parent.experiment_id, "1", "--turn", "2", "--inject",
                 "Let us talk about tides.", "--as", "a", "--replace"]) == 2
    assert "last message of turn 2, which agent B sent: give --as b" in \
        capsys.readouterr().err
    assert main([*root, "branch", parent.experiment_id, "1", "--turn", "2", "--inject",
                 "Let us talk about tides.", "--as", "b", "--replace", "-q",
                 "--no-post-process"]) == 0
    capsys.readouterr()
    branch_dir = next(d for d in (tmp_path / "experiments").iterdir()
                      if d.is_dir() and "branch-t2" in d.name)
    path = next(branch_dir.glob("conv_*_events.jsonl"))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    parent_messages = _messages(_lines(parent.experiment_dir, first))
    messages = _messages(lines)
    assert messages[:3] == parent_messages[:3]
    assert messages[3] == (2, "agent_b", "Let us talk about tides.")
    replaced = [e for e in lines if e["event_type"] == "MessageCompleteEvent"
                and e["turn_number"] == 2 and e["agent_id"] == "agent_b"]
    assert len(replaced) == 1 and not replaced[0].get("inherited")
    assert not any(e["event_type"] == "InterjectionEvent" for e in lines)
    branched = next(e for e in lines if e["event_type"] == "ConversationBranchedEvent")
    assert branched["changes"] == {"replace": {"turn": 2, "as": "agent_b",
                                               "text": "Let us talk about tides."}}
    cid = conversation_id_of(path)
    assert cid is not None
    payload = rebuild_payload(branch_dir, cid, 3, AgentId.A)
    assert payload.verdict == "verified"
    assert payload.messages[-1].content == "Let us talk about tides."
    assert rebuild_payload(branch_dir, cid, 4, AgentId.B).verdict == "verified"
    assert main([*root, "payload", branch_dir.name, cid, "--turn", "3", "--agent", "a"]) == 0
    assert "verified" in capsys.readouterr().out
    # Turn 2's metrics describe the new text: scored anew as the branch's own, not the parent's.
    ends = {e["turn_number"]: e for e in _lines(branch_dir, cid)
            if e["event_type"] == "TurnCompleteEvent"}
    parent_ends = {e["turn_number"]: e for e in _lines(parent.experiment_dir, first)
                   if e["event_type"] == "TurnCompleteEvent"}
    assert ends[1]["inherited"] and not ends[2].get("inherited")
    scorer = make_turn_scorer(prompt=next(e["initial_prompt"] for e in lines
                                          if e["event_type"] == "ConversationStartEvent"))
    scorer(1, *(text for _, _, text in messages[:2]))
    metrics, score = scorer(2, messages[2][2], "Let us talk about tides.")
    metrics.pop("metrics_version")
    # (the record keeps six significant digits)
    assert ends[2]["metrics"] == pytest.approx(metrics, rel=1e-5, abs=1e-6)
    assert ends[2]["convergence_score"] == pytest.approx(score, rel=1e-5)
    assert ends[2]["metrics"] != parent_ends[2]["metrics"]
