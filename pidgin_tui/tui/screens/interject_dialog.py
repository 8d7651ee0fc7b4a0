"""InterjectDialog: text for the conversation on the live screen, as the narrator or an agent,
to one agent or both. It returns the interjection; the live screen queues it on the
conversation's control, which delivers it at the next safe point (a conversation paused for a
human carries on with it)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from pidgin_tui.core.control import Interjection
from pidgin_tui.tui.screens.branch_dialog import (
    RECIPIENTS,
    SPEAKERS,
    chosen_recipients,
    chosen_speaker,
)


class InterjectDialog(ModalScreen[Interjection | None]):
    """Enter sends, Escape cancels."""

    CSS_PATH = "dialog.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without interjecting",
                id="interject.cancel"),
    ]

    def __init__(self, conversation_id: str) -> None:
        super().__init__()
        self.conversation_id = conversation_id

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog branch-dialog"):
            yield Label(f"Interject in {self.conversation_id}", classes="dialog-title")
            yield Input(placeholder="what to say (Enter sends, Esc cancels)",
                        id="interject-text", compact=True)
            with Horizontal(classes="branch-row interject-row"):
                yield Label("As / to", classes="branch-label")
                yield Select(SPEAKERS, value="narrator", allow_blank=False, id="interject-as",
                             compact=True)
                yield Select(RECIPIENTS, value="both", allow_blank=False, id="interject-to",
                             compact=True)
            yield Static("As the narrator the agents see it marked [Narrator]; as an agent it "
                         "is routed as that agent's words. It is delivered at the next safe "
                         "point.", classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#interject-text", Input).focus()

    @on(Input.Submitted, "#interject-text")
    def _send(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            return
        self.dismiss(Interjection(event.value,
                                  chosen_speaker(self.query_one("#interject-as", Select)),
                                  chosen_recipients(self.query_one("#interject-to", Select))))

    def action_cancel(self) -> None:
        self.dismiss(None)
