"""StopConfirmScreen: asks before stopping an experiment (in this app or in another process)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label


class StopConfirmScreen(ModalScreen[bool]):
    """Returns True when the user confirms the stop."""

    CSS_PATH = "stop_confirm.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Stop it", tooltip="Stop the experiment"),
        Binding("n,escape", "cancel", "Keep running", tooltip="Close without stopping"),
    ]

    def __init__(self, name: str, experiment_id: str, where: str) -> None:
        super().__init__()
        self._question = (f"Stop experiment {name} [{experiment_id}] ({where})?\n"
                          "Running conversations end as interrupted; finished ones are kept "
                          "and post-processing still runs.")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._question, markup=False)
            with Horizontal():
                yield Button("Stop (y)", variant="error", id="stop")
                yield Button("Keep running (n)", id="keep")

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "stop")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
