"""PromptBar: a one-line input that appears for a search (`/`) or a jump (`g`) and hides again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class PromptBar(Input):
    """Hidden until `ask(mode, placeholder)`; Enter posts `Submitted`, Escape posts `Cancelled`."""

    DEFAULT_CSS = """
    PromptBar { dock: bottom; display: none; border: tall $accent; }
    PromptBar.-shown { display: block; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close the prompt", id="prompt.cancel"),
    ]

    @dataclass
    class Answered(Message):
        """The user entered a value for `mode` (`search` or `goto`)."""

        mode: str
        value: str

    @dataclass
    class Cancelled(Message):
        """The user closed the prompt without answering."""

        mode: str

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.mode = ""

    def ask(self, mode: str, placeholder: str, value: str = "") -> None:
        self.mode, self.placeholder, self.value = mode, placeholder, value
        self.add_class("-shown")
        self.focus()

    def close(self) -> None:
        self.remove_class("-shown")

    async def action_submit(self) -> None:
        self.close()
        self.post_message(self.Answered(self.mode, self.value))

    def action_cancel(self) -> None:
        self.close()
        self.post_message(self.Cancelled(self.mode))
