"""BranchDialog: branch a conversation after a chosen turn, prefilled from the parent's spec.

The fields are the branch command's: the turn, either model, max turns, how many branches,
text put in at the branch point (as the narrator or an agent, to one agent or both) or put in
place of the message that ended that turn (`--replace`), and whether the branches go into the
parent's experiment. The branch is planned here
(`experiments.branching.plan_branch`), so a bad turn or model is shown in the dialog; the
dialog returns the plan and the caller launches it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from pidgin_tui.core.types import AgentId, Speaker
from pidgin_tui.experiments.branching import BranchSource
from pidgin_tui.experiments.spec import ExperimentSpec
from pidgin_tui.tui.app import PidginApp

SPEAKERS = (("narrator", Speaker.NARRATOR), ("agent A", Speaker.A), ("agent B", Speaker.B))
RECIPIENTS = (("both agents", "both"), ("agent A", AgentId.A), ("agent B", AgentId.B))


def chosen_speaker(select: Select[object]) -> Speaker:
    """The speaker a SPEAKERS select names."""
    return Speaker(str(select.value))


def chosen_recipients(select: Select[object]) -> tuple[AgentId, ...]:
    """The agents a RECIPIENTS select names."""
    value = str(select.value)
    return (AgentId.A, AgentId.B) if value == "both" else (AgentId(value),)


@dataclass(slots=True)
class BranchChoice:
    """What the dialog returns: the planned branch and where it is written."""

    source: BranchSource
    into_parent: bool


class BranchDialog(ModalScreen[BranchChoice | None]):
    """Branch `conversation_id` of `experiment_dir` after a turn (1-based, prefilled)."""

    CSS_PATH = "dialog.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without branching",
                id="branch.cancel"),
        Binding("ctrl+s", "branch", "Branch", tooltip="Plan and launch the branch",
                id="branch.launch"),
    ]

    pidgin = getters.app(PidginApp)

    def __init__(self, experiment_dir: Path, conversation_id: str, turn: int,
                 spec: ExperimentSpec) -> None:
        super().__init__()
        self.experiment_dir = experiment_dir
        self.conversation_id = conversation_id
        self.turn = turn
        self.spec = spec

    def compose(self) -> ComposeResult:
        spec = self.spec
        with Vertical(classes="dialog branch-dialog"):
            yield Label(f"Branch {self.conversation_id}", classes="dialog-title")
            yield Static("The branch shares the turns up to the one below, then continues "
                         "with these settings.", classes="branch-hint", markup=False)
            for label, field_id, value in (
                    ("After turn", "branch-turn", str(self.turn)),
                    ("Agent A model", "branch-agent-a", spec.agent_a),
                    ("Agent B model", "branch-agent-b", spec.agent_b),
                    ("Max turns", "branch-max-turns", str(spec.max_turns)),
                    ("Branches", "branch-count", "1")):
                with Horizontal(classes="branch-row"):
                    yield Label(label, classes="branch-label")
                    yield Input(value, id=field_id, classes="branch-input", compact=True)
            with Horizontal(classes="branch-row"):
                yield Label("Put in", classes="branch-label")
                yield Input("", placeholder="text at the branch point (optional)",
                            id="branch-inject", classes="branch-input", compact=True)
            with Horizontal(classes="branch-row"):
                yield Label("As / to", classes="branch-label")
                yield Select(SPEAKERS, value="narrator", allow_blank=False, id="branch-as",
                             compact=True)
                yield Select(RECIPIENTS, value="both", allow_blank=False, id="branch-to",
                             compact=True)
            yield Checkbox("Replace the turn's last message with this text (as its sender)",
                           id="branch-replace", compact=True)
            yield Checkbox("Into the parent's experiment", id="branch-into-parent",
                           compact=True)
            yield Static("", id="branch-problem", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Branch (ctrl+s)", variant="primary", id="branch-go")
                yield Button("Cancel (esc)", id="branch-cancel")

    def on_mount(self) -> None:
        self.query_one("#branch-turn", Input).focus()

    def _value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value.strip()

    def _number(self, field_id: str, what: str) -> int:
        text = self._value(field_id)
        if not text.isdigit():
            raise ValueError(f"{what} must be a whole number, got {text!r}")
        return int(text)

    def plan(self) -> BranchChoice:
        """The branch as filled in; raises ValueError (or a subclass) saying what is wrong."""
        from pidgin_tui.experiments.branching import plan_branch

        turn = self._number("branch-turn", "the turn")
        count = self._number("branch-count", "the number of branches")
        if count < 1:
            raise ValueError("make at least 1 branch")
        overrides: dict[str, object] = {}
        for key, field_id in (("agent_a", "branch-agent-a"), ("agent_b", "branch-agent-b")):
            if self._value(field_id) != getattr(self.spec, key):
                overrides[key] = self._value(field_id)
        max_turns = self._number("branch-max-turns", "max turns")
        if max_turns != self.spec.max_turns:
            overrides["max_turns"] = max_turns
        text = self.query_one("#branch-inject", Input).value
        inject = None if not text.strip() else (
            text, chosen_speaker(self.query_one("#branch-as", Select)),
            chosen_recipients(self.query_one("#branch-to", Select)))
        replace = self.query_one("#branch-replace", Checkbox).value
        if replace and inject is None:
            raise ValueError("replacing a message needs its new text in \"Put in\"")
        source = plan_branch(self.experiment_dir, self.conversation_id, turn, overrides,
                             repetitions=count, inject=inject, replace=replace)
        for model in (source.spec.agent_a, source.spec.agent_b):  # named here, not after launch
            self.pidgin.registry.resolve(model)
        return BranchChoice(source, self.query_one("#branch-into-parent", Checkbox).value)

    def action_branch(self) -> None:
        try:
            choice = self.plan()
        except ValueError as exc:  # BranchError, SpecError, UnknownModelError, AwarenessError
            self.query_one("#branch-problem", Static).update(f"✗ {exc}")
            return
        self.dismiss(choice)

    @on(Button.Pressed, "#branch-go")
    def _go(self) -> None:
        self.action_branch()

    @on(Button.Pressed, "#branch-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
