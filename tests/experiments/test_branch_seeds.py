"""Every branch carries its own seed, recorded in its `ConversationBranchedEvent`: the first of
a `-r` keeps its parent conversation's, the next add 1, 2, …; a branch of a branch starts from
the branch's own; records written before the seed was recorded get the same seeds back."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from pidgin_tui.cli import main
from pidgin_tui.experiments.branching import conversation_seed, plan_branch
from pidgin_tui.experiments.runner import ExperimentResult, ExperimentRunner
from pidgin_tui.experiments.spec import parse_spec
from tests.experiments.test_branching import _lines, _messages, _parent


def _branched(experiment_dir: Path, conversation_id: str) -> dict:
    return next(e for e in _lines(experiment_dir, conversation_id)
                if e["event_type"] == "ConversationBranchedEvent")


def _forget_seeds(experiment_dir: Path) -> None:
    """Make the branches' records look like those written before the seed was recorded."""
    for path in experiment_dir.glob("conv_*_events.jsonl"):
        lines = []
        for line in path.read_text().splitlines(keepends=True):
            event = json.loads(line)
            if event["event_type"] == "ConversationBranchedEvent":
                event.pop("seed")
                line = json.dumps(event, separators=(",", ":"), ensure_ascii=False) + "\n"
            lines.append(line)
        path.write_text("".join(lines))


def _ids(result: ExperimentResult) -> list[str]:
    return [outcome.conversation_id for outcome in result.outcomes]


async def test_a_branch_of_the_second_branch_continues_exactly_as_it_did(tmp_path: Path) -> None:
    """The second branch of a `-r` (its own seed, not its experiment's for its repetition)
    branched again with nothing changed replays it exactly."""
    parent = await _parent(tmp_path)
    second = _ids(parent)[1]
    source = plan_branch(parent.experiment_dir, second, 2, {}, repetitions=2)
    branches = await ExperimentRunner(source.spec, tmp_path, branch=source).run()
    seeds = [_branched(branches.experiment_dir, cid)["seed"] for cid in _ids(branches)]
    parent_seed = conversation_seed(parent.experiment_dir, second)
    assert seeds == [parent_seed, parent_seed + 1]
    assert parent_seed != conversation_seed(parent.experiment_dir, _ids(parent)[0])
    again = plan_branch(branches.experiment_dir, _ids(branches)[1], 4, {})
    assert again.seed == seeds[1]
    grandchild = await ExperimentRunner(again.spec, tmp_path, branch=again).run()
    assert _messages(_lines(grandchild.experiment_dir)) == \
        _messages(_lines(branches.experiment_dir, _ids(branches)[1]))


async def test_a_changed_seed_is_the_branch_seed(tmp_path: Path) -> None:
    parent = await _parent(tmp_path)
    source = plan_branch(parent.experiment_dir, _ids(parent)[1], 2, {"seed": 9})
    assert source.changes == {"seed": 9}
    assert source.seed == parse_spec({"agent_a": "local:test", "agent_b": "local:test",
                                      "seed": 9}).seed_for(2)


async def test_records_without_a_seed_get_the_seeds_their_branches_ran_with(
        tmp_path: Path) -> None:
    """Branches recorded before the seed was: into a new experiment (its repetition gives its
    place in the `-r`) and into the parent (its place among the consecutive branches of the
    same conversation, turn and changes); a later, different branch starts a new run."""
    parent = await _parent(tmp_path)
    second = _ids(parent)[1]
    source = plan_branch(parent.experiment_dir, second, 2, {}, repetitions=3)
    elsewhere = await ExperimentRunner(source.spec, tmp_path, branch=source).run()
    into = plan_branch(parent.experiment_dir, second, 1, {"max_turns": 5}, repetitions=2)
    await ExperimentRunner.into_parent(into, tmp_path).run()
    other = plan_branch(parent.experiment_dir, second, 3, {}, repetitions=1)
    await ExperimentRunner.into_parent(other, tmp_path).run()
    added = [f"{parent.experiment_id}_{n:04d}" for n in (3, 4, 5)]
    recorded = {(d, cid): _branched(d, cid)["seed"] for d, ids in (
        (elsewhere.experiment_dir, _ids(elsewhere)), (parent.experiment_dir, added))
        for cid in ids}
    base = conversation_seed(parent.experiment_dir, second)
    assert list(recorded.values()) == [base, base + 1, base + 2, base, base + 1, base]
    _forget_seeds(elsewhere.experiment_dir)
    _forget_seeds(parent.experiment_dir)
    assert "seed" not in _branched(parent.experiment_dir, added[1])
    assert {key: conversation_seed(*key) for key in recorded} == recorded


@pytest.mark.parametrize("seeds_recorded", [True, False], ids=["recorded", "older-record"])
def test_resume_continues_into_parent_branches_with_their_own_seeds(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], seeds_recorded: bool) -> None:
    """The second of two branches written into the parent, interrupted, is continued by
    `resume` with its own seed, also from a record without seeds: it ends exactly as it did."""
    parent = asyncio.run(_parent(tmp_path, turns=4))
    second = _ids(parent)[1]
    source = plan_branch(parent.experiment_dir, second, 1, {"max_turns": 5}, repetitions=2)
    asyncio.run(ExperimentRunner.into_parent(source, tmp_path).run())
    cid = f"{parent.experiment_id}_0004"
    whole = _messages(_lines(parent.experiment_dir, cid))
    if not seeds_recorded:
        _forget_seeds(parent.experiment_dir)
    path = parent.experiment_dir / f"conv_{cid}_events.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    cut = next(n for n, line in enumerate(lines) if '"TurnCompleteEvent"' in line
               and json.loads(line)["turn_number"] == 3 and not json.loads(line).get("inherited"))
    path.write_text("".join(lines[:cut + 1]))
    assert main(["--output", str(tmp_path), "resume", parent.experiment_id, "-q",
                 "--no-post-process"]) == 0, capsys.readouterr().err
    assert _messages(_lines(parent.experiment_dir, cid)) == whole
