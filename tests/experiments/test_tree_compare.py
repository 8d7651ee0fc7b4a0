"""`tree` shows a conversation's family across experiments; `compare` aligns conversations by
turn and marks where they diverge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pidgin_tui.cli import main
from pidgin_tui.record.lineage import Lineage
from pidgin_tui.reports.compare import Comparison
from tests.experiments.family import Family, make_family


@pytest.fixture
async def family(tmp_path: Path) -> Family:
    return await make_family(tmp_path)


def _cli(family: Family, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--output", str(family.root), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_tree_shows_branches_under_their_parent_across_experiments(
        family: Family, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(family, capsys, "tree", family.parent.experiment_id)
    assert code == 0
    families = out.strip().split("\n\n")
    assert len(families) == 2  # each parent conversation heads its own family
    lines = families[0].splitlines()
    first, (b1, b2), grandchild = family.first, family.branch_ids, family.grandchild_id
    assert lines[0].startswith(f"{first} · local:instant × local:instant · 4 turns · max_turns")
    assert lines[1].startswith(f"├── {b1} · local:instant × local:silent · branched after "
                               "turn 2 · 4 turns")
    assert lines[2].startswith(f"│   └── {grandchild} · ")
    assert "branched after turn 3 · 6 turns" in lines[2]
    assert lines[3].startswith(f"└── {b2} · ")
    assert all("convergence 0." in line for line in lines)
    # From the grandchild's experiment, the whole family, with the grandchild marked.
    code, out, _ = _cli(family, capsys, "tree", family.grandchild.experiment_id, "1")
    assert out.splitlines()[0].startswith(first)
    assert [line for line in out.splitlines() if line.endswith(" *")] == [lines[2] + " *"]


def test_the_tree_as_json_and_bad_references(family: Family,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(family, capsys, "tree", family.branches.experiment_id, "--json")
    assert code == 0
    (tree,) = json.loads(out)
    assert tree["conversation_id"] == family.first and tree["branch_turn"] is None
    assert [b["branch_turn"] for b in tree["branches"]] == [2, 2]
    assert tree["branches"][0]["branches"][0]["turns_completed"] == 6
    code, _, err = _cli(family, capsys, "tree", "nope")
    assert code == 2 and "no experiment matches 'nope'" in err
    code, _, err = _cli(family, capsys, "tree", family.parent.experiment_id, "zz")
    assert code == 2 and "no conversation" in err


def test_lineage_survives_a_deleted_parent(family: Family) -> None:
    import shutil

    shutil.rmtree(family.parent.experiment_dir)
    (tree,) = Lineage.scan(family.root).families(family.branches.experiment_dir)[:1]
    assert tree.conversation_id == family.branch_ids[0]
    assert tree.record.parent_conversation_id == family.first  # the link is still recorded


def test_compare_aligns_conversations_of_different_lengths(family: Family) -> None:
    sources = [(family.parent.experiment_dir, family.first),
               (family.grandchild.experiment_dir, family.grandchild_id)]
    comparison = Comparison.of(sources)
    assert [row.turn for row in comparison.rows] == [1, 2, 3, 4, 5, 6]
    assert [row.differs for row in comparison.rows] == [False, False, True, True, True, True]
    assert comparison.first_divergence == 3 and comparison.next_divergence(4) == 5
    assert comparison.rows[4].messages[0] is None  # the parent has no turn 5
    third = comparison.rows[2]
    parent_b, branch_b = (m["agent_b"] for m in third.messages if m is not None)
    assert parent_b != branch_b == "…"  # B is local:silent in the branch
    delta = third.delta(1, "b_words")
    assert delta is not None and delta < 0
    assert comparison.summary(1)["branched_from"] == family.branch_ids[0]


def test_compare_prints_markdown_and_json(family: Family,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    b1 = family.branch_ids[0]
    code, out, _ = _cli(family, capsys, "compare", family.first,
                        f"{family.branches.experiment_id}:1")
    assert code == 0
    assert "First divergence: turn 3." in out
    assert "## Turn 2 · same" in out and "## Turn 3 · differs (first divergence)" in out
    assert f"| branched from | - | {family.first.replace('_', chr(92) + '_')} after turn 2 |" \
        in out
    assert "| words per message, B |" in out
    code, out, _ = _cli(family, capsys, "compare", family.first, b1, "--json")
    data = json.loads(out)
    assert data["first_divergence"] == 3
    assert [c["conversation_id"] for c in data["conversations"]] == [family.first, b1]
    assert data["turns"][0]["messages"][0] == data["turns"][0]["messages"][1]
    code, _, err = _cli(family, capsys, "compare", family.first)
    assert code == 2 and "2 to 4 conversations" in err
    code, _, err = _cli(family, capsys, "compare", family.first, "nothing-like-it")
    assert code == 2 and "no conversation" in err
