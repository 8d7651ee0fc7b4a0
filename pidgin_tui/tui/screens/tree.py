"""TreeScreen: conversation families (parent, siblings, branches) as a tree.

The families come from `record.lineage` (read in a thread worker): every family with a
conversation in the experiment, or only the family of one conversation, with each branch under
its parent wherever its experiment is. Enter opens a transcript; space marks conversations and
`c` compares the marked ones (or the highlighted one with its parent).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static, Tree
from textual.widgets.tree import TreeNode

from pidgin_tui.record.lineage import FamilyNode
from pidgin_tui.tui.widgets.top_bar import TopBar

MAX_COMPARED = 4


class TreeScreen(Screen[Path | None]):
    """The families of `experiment_dir`'s conversations, or only `conversation_id`'s.

    Enter dismisses the tree with the highlighted conversation's JSONL file, for the screen that
    opened it to show its transcript.
    """

    CSS_PATH = "tree.tcss"
    BINDING_GROUP_TITLE = "Family tree"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", tooltip="Open the highlighted conversation's transcript",
                id="tree.open"),
        Binding("space", "mark", "Mark", tooltip=f"Mark or unmark a conversation to compare "
                f"(2 to {MAX_COMPARED})", id="tree.mark", priority=True),  # over the tree's fold
        Binding("c", "compare", "Compare", tooltip="Compare the marked conversations side by "
                "side (none marked: the highlighted one with its parent)", id="tree.compare"),
        Binding("escape", "close", "Back", tooltip="Close the tree", id="tree.close"),
    ]

    @dataclass
    class Loaded(Message):
        families: list[FamilyNode]

    def __init__(self, root: Path, experiment_dir: Path,
                 conversation_id: str | None = None) -> None:
        super().__init__()
        self.root = root
        self.experiment_dir = experiment_dir
        self.conversation_id = conversation_id
        self.marked: list[FamilyNode] = []
        self.families: list[FamilyNode] = []

    def compose(self) -> ComposeResult:
        yield TopBar("Family tree · conversations and their branches")
        tree: Tree[FamilyNode] = Tree(Text(self.experiment_dir.name), id="tree-families")
        tree.show_root = False
        tree.auto_expand = False  # Enter opens the transcript; the tree stays unfolded
        yield tree
        yield Static("Reading the families…", id="tree-status", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="tree-load", exit_on_error=False)
    def load(self) -> None:
        from pidgin_tui.record.lineage import Lineage

        lineage = Lineage.scan(self.root)
        families = [lineage.tree(self.conversation_id)] if self.conversation_id \
            else lineage.families(self.experiment_dir)
        self.post_message(self.Loaded(families))

    def on_tree_screen_loaded(self, message: Loaded) -> None:
        self.families = message.families
        tree = self.query_one(Tree)
        tree.clear()
        for family in self.families:
            self._add(tree.root, family)
        tree.root.expand_all()
        tree.focus()
        count = sum(1 for family in self.families for _ in family.walk())
        families = "1 family" if len(self.families) == 1 else f"{len(self.families)} families"
        self._status(f"{families}, {count} conversations · Enter opens, space marks, "
                     "c compares")
        self.call_after_refresh(self._highlight_start)

    def _add(self, parent: TreeNode[FamilyNode], node: FamilyNode) -> None:
        branch = parent.add(self._label(node), data=node, allow_expand=bool(node.children))
        for child in node.children:
            self._add(branch, child)

    def _label(self, node: FamilyNode) -> Text:
        mark = "● " if node in self.marked else ""
        star = " *" if node.conversation_id == self.conversation_id else ""
        return Text(f"{mark}{node.describe()}{star}")

    def _highlight_start(self) -> None:
        tree = self.query_one(Tree)
        for line in range(tree.last_line + 1):
            found = tree.get_node_at_line(line)
            if found is not None and found.data is not None and \
                    found.data.conversation_id == self.conversation_id:
                tree.cursor_line = line
                return

    @property
    def highlighted(self) -> FamilyNode | None:
        node = self.query_one(Tree).cursor_node
        return None if node is None else node.data

    def _status(self, text: str) -> None:
        self.query_one("#tree-status", Static).update(text)

    def on_tree_node_selected(self, event: Tree.NodeSelected[FamilyNode]) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        node = self.highlighted
        if node is not None and node.record.path is not None:
            self.dismiss(node.record.path)

    def action_mark(self) -> None:
        tree = self.query_one(Tree)
        cursor = tree.cursor_node
        if cursor is None or cursor.data is None:
            return
        node = cursor.data
        if node in self.marked:
            self.marked.remove(node)
        elif len(self.marked) >= MAX_COMPARED:
            self.notify(f"At most {MAX_COMPARED} conversations side by side.",
                        severity="warning")
            return
        else:
            self.marked.append(node)
        cursor.set_label(self._label(node))
        self._status(f"{len(self.marked)} marked: "
                     + (", ".join(n.conversation_id for n in self.marked) or "none"))

    def _parent_of(self, node: FamilyNode) -> FamilyNode | None:
        return next((member for family in self.families for _, member in family.walk()
                     if node in member.children), None)

    def action_compare(self) -> None:
        from pidgin_tui.tui.screens.compare import CompareScreen

        chosen = list(self.marked)
        if not chosen and (node := self.highlighted) is not None:
            parent = self._parent_of(node)
            chosen = [] if parent is None else [parent, node]
        if len(chosen) < 2:
            self.notify("Mark 2 to 4 conversations with space (or highlight a branch).",
                        severity="warning")
            return
        self.app.push_screen(CompareScreen([(n.experiment_dir, n.conversation_id)
                                            for n in chosen]))

    def action_close(self) -> None:
        self.dismiss(None)
