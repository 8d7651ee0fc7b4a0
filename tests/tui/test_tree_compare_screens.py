"""The family tree and the compare screen in the app: reached from a transcript, the browser
and each other; keys move every column together and jump to the next divergence."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Static, Tree

from pidgin_tui.record.layout import conversation_jsonl_name
from pidgin_tui.tui.screens.compare import CompareScreen
from pidgin_tui.tui.screens.transcript import TranscriptScreen
from pidgin_tui.tui.screens.transcripts import TranscriptsScreen
from pidgin_tui.tui.screens.tree import TreeScreen
from tests.experiments.family import Family, make_family

from .conftest import SIZE, fast_registry
from .helpers import press_now, wait_until
from .test_snapshots import palette_listed


async def _settled(pilot: Pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _text(screen: object, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())  # type: ignore[attr-defined]


def test_family_tree(snap_compare, make_app, output_root: Path) -> None:
    """You should see the tree of par00001_0001 (local:instant × local:instant, 4 turns,
    max_turns, its final convergence) with its two branches brn00001_0001 and brn00001_0002
    ("local:instant × local:silent · branched after turn 2") and, under the first branch,
    grc00001_0001 ("branched after turn 3 · 6 turns"), highlighted and marked with * as the
    conversation asked for; the status line counts 1 family and 4 conversations."""
    family = asyncio.run(make_family(output_root))

    async def run_before(pilot: Pilot) -> None:
        pilot.app.push_screen(TreeScreen(output_root, family.grandchild.experiment_dir,
                                         family.grandchild_id))
        await _settled(pilot)

    assert snap_compare(make_app(registry=fast_registry()), terminal_size=SIZE,
                        run_before=run_before)


def test_compare_screen(snap_compare, make_app, output_root: Path) -> None:
    """You should see the turn strip "Turns 1= 2= [3≠] 4≠ 5≠ 6≠ · first divergence: turn 3",
    then two bordered columns, par00001_0001 and grc00001_0001: each with its summary (models,
    "branched from brn00001_0001 after turn 3" on the right, turns 4 against 6, end, tokens,
    cost), "── Turn 3 · differs ──", both agents' messages at turn 3 (B answers "…" on the right)
    and the metrics, the right column's with their differences from the left's."""
    family = asyncio.run(make_family(output_root))

    async def run_before(pilot: Pilot) -> None:
        pilot.app.push_screen(CompareScreen([
            (family.parent.experiment_dir, family.first),
            (family.grandchild.experiment_dir, family.grandchild_id)]))
        await _settled(pilot)

    assert snap_compare(make_app(registry=fast_registry()), terminal_size=SIZE,
                        run_before=run_before)


async def test_keys_move_every_column_and_jump_to_divergences(make_app,
                                                               output_root: Path) -> None:
    family: Family = await make_family(output_root)
    app = make_app(registry=fast_registry())
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(CompareScreen([
            (family.parent.experiment_dir, family.first),
            (family.branches.experiment_dir, family.branch_ids[0]),
            (family.grandchild.experiment_dir, family.grandchild_id)]))
        await _settled(pilot)
        screen = app.screen
        assert isinstance(screen, CompareScreen) and screen.turn == 3  # the first divergence
        await pilot.press("k", "k", "k")
        assert screen.turn == 1
        columns = [_text(screen, f"#compare-col-{i} .compare-turn") for i in range(3)]
        assert all(c.startswith("── Turn 1 · same ──") for c in columns)
        names = ("instant", "silent")  # B's model and so the names differ in the branches
        texts = [[line for line in c.splitlines()[1:] if not line.startswith(names)]
                 for c in columns]
        assert texts[0] == texts[1] == texts[2]
        await pilot.press("d")
        assert screen.turn == 3 and "[3≠]" in _text(screen, "#compare-strip")
        await pilot.press("j", "j", "j")
        assert screen.turn == 6
        assert _text(screen, "#compare-col-0 .compare-turn").endswith("(no such turn)")
        await pilot.press("j", "d")  # the last turn: nothing later differs
        assert screen.turn == 6


async def test_tree_from_a_transcript_then_compare_marked(make_app, output_root: Path) -> None:
    family: Family = await make_family(output_root)
    app = make_app(registry=fast_registry())
    path = family.branches.experiment_dir / conversation_jsonl_name(family.branch_ids[1])
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(TranscriptScreen(path))
        await _settled(pilot)
        await pilot.press("T")
        await _settled(pilot)
        tree_screen = app.screen
        assert isinstance(tree_screen, TreeScreen)
        tree: Tree = tree_screen.query_one(Tree)
        assert tree.cursor_node is not None and tree.cursor_node.data is not None
        assert tree.cursor_node.data.conversation_id == family.branch_ids[1]
        await pilot.press("c")  # nothing marked: the highlighted branch and its parent
        await _settled(pilot)
        compare = app.screen
        assert isinstance(compare, CompareScreen)
        assert [cid for _, cid in compare.sources] == [family.first, family.branch_ids[1]]
        await pilot.press("escape")
        await pilot.press("up", "space", "up", "up", "space")  # grandchild, then the parent
        assert [n.conversation_id for n in tree_screen.marked] == \
            [family.grandchild_id, family.first]
        await pilot.press("c")
        await _settled(pilot)
        assert [cid for _, cid in app.screen.sources] == \
            [family.grandchild_id, family.first]  # type: ignore[attr-defined]
        await pilot.press("escape", "enter")
        await _settled(pilot)
        assert isinstance(app.screen, TranscriptScreen)
        assert app.screen.path.name == conversation_jsonl_name(family.first)


async def test_compare_from_a_branch_transcript_and_not_from_a_root(make_app,
                                                                     output_root: Path) -> None:
    family: Family = await make_family(output_root)
    app = make_app(registry=fast_registry())
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(TranscriptScreen(family.parent.experiment_dir
                                         / conversation_jsonl_name(family.first)))
        await _settled(pilot)
        await pilot.press("c")
        assert isinstance(app.screen, TranscriptScreen)  # not a branch: a warning instead
        app.push_screen(TranscriptScreen(family.grandchild.experiment_dir
                                         / conversation_jsonl_name(family.grandchild_id)))
        await _settled(pilot)
        await pilot.press("c")
        await _settled(pilot)
        assert isinstance(app.screen, CompareScreen)
        assert [cid for _, cid in app.screen.sources] == \
            [family.branch_ids[0], family.grandchild_id]
        # The same model and seed after the branch point: they differ only where the parent
        # (4 turns) ends and the longer branch goes on.
        assert "first divergence: turn 5" in _text(app.screen, "#compare-strip")


async def _browser(pilot: Pilot) -> TranscriptsScreen:
    browser = pilot.app.screen
    assert isinstance(browser, TranscriptsScreen)
    await wait_until(pilot, lambda: bool(browser.shown), "the experiments to be listed")
    browser.query_one("#browse-filter", Input).value = "par00001"
    await pilot.pause()
    await wait_until(pilot, lambda: [r.experiment_id for r, _ in browser.shown] == ["par00001"],
                     "the parent experiment alone")
    return browser


async def test_compare_from_the_browser_and_from_the_palette(make_app,
                                                             output_root: Path) -> None:
    """`c` in the browser compares the highlighted experiment's conversations; the palette's
    "Compare" command does the same."""
    family = await make_family(output_root)
    expected = [family.first, family.parent.outcomes[1].conversation_id]
    app = make_app(registry=fast_registry())
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(TranscriptsScreen(output_root))
        browser = await _browser(pilot)
        browser.query_one("#browse-filter", Input).blur()
        await press_now(pilot, "c")
        await wait_until(pilot, lambda: isinstance(app.screen, CompareScreen), "compare")
        assert sorted(cid for _, cid in app.screen.sources) == expected  # type: ignore[attr-defined]
        await pilot.press("escape")
        assert app.screen is browser
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: palette_listed(pilot), "the palette")
        await pilot.press(*"Compare")
        await wait_until(pilot, lambda: palette_listed(pilot), "the matching commands")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CompareScreen),
                         "compare from the palette")
        assert sorted(cid for _, cid in app.screen.sources) == expected  # type: ignore[attr-defined]
