"""A searchable model list: type to filter, pick with the keyboard, see whether a key is set."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from pidgin_tui.providers.registry import ModelInfo

VISIBLE_OPTIONS = 4
"""Rows of the list; the rest scroll."""


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """One row of the list: a model and whether its provider's key is usable."""

    info: ModelInfo
    key_ok: bool
    key_text: str

    def matches(self, query: str) -> bool:
        words = query.lower().split()
        haystack = " ".join((self.info.ref, self.info.display_name, *self.info.aliases)).lower()
        return all(word in haystack for word in words)

    def label(self) -> Text:
        if self.key_ok:
            return Text.assemble(("✓ ", "green"), (self.info.ref, "bold"),
                                 (f"  {self.info.display_name}", "dim"), no_wrap=True,
                                 overflow="ellipsis")
        return Text.assemble(("✗ ", "red"), (self.info.ref, "bold"), ("  key missing", "red"),
                             no_wrap=True, overflow="ellipsis")


class ModelPicker(Vertical):
    """An Input holding the model reference above a filtered list of known models."""

    DEFAULT_CSS = f"""
    ModelPicker {{ height: auto; }}
    ModelPicker > OptionList {{
        height: {VISIBLE_OPTIONS};
        border: none;
        padding: 0;
        background: $boost;
    }}
    ModelPicker > OptionList:focus {{ border: none; background-tint: $foreground 5%; }}
    ModelPicker > .key-status {{ color: $text-muted; }}
    ModelPicker > .key-status.-missing {{ color: $text-warning; }}
    """

    @dataclass
    class Changed(Message):
        """The chosen model reference changed."""

        picker: ModelPicker
        value: str

        @property
        def control(self) -> ModelPicker:
            return self.picker

    def __init__(self, choices: list[ModelChoice], value: str, *, id: str) -> None:
        super().__init__(id=id)
        self.choices = choices
        self._initial = value

    def compose(self) -> ComposeResult:
        yield Input(self._initial, placeholder="type to search, e.g. local:test, claude",
                    compact=True, id=f"{self.id}-input")
        yield OptionList(*self._options(""))
        yield Static("", classes="key-status")

    def on_mount(self) -> None:
        self._show_key_status(self._initial)

    @property
    def value(self) -> str:
        return self.query_one(Input).value.strip()

    @value.setter
    def value(self, ref: str) -> None:
        self.query_one(Input).value = ref

    def _options(self, query: str) -> list[Option]:
        return [Option(choice.label(), id=choice.info.ref) for choice in self.choices
                if not query or choice.matches(query)]

    def _choice_for(self, ref: str) -> ModelChoice | None:
        for choice in self.choices:
            if ref == choice.info.ref or ref in choice.info.aliases:
                return choice
        return None

    def _show_key_status(self, ref: str) -> None:
        choice = self._choice_for(ref)
        status = self.query_one(".key-status", Static)
        if choice is None:  # an unlisted model of a known provider: that provider's key
            provider = ref.partition(":")[0] if ":" in ref else ""
            same = next((c for c in self.choices if c.info.provider == provider), None)
            status.set_class(same is not None and not same.key_ok, "-missing")
            status.update("" if same is None else f"{provider} key: {same.key_text} · "
                          "unlisted model, limits assumed")
            return
        status.set_class(not choice.key_ok, "-missing")
        status.update(f"{choice.info.provider} key: {choice.key_text} · "
                      f"context {choice.info.context_window:,} tokens")

    @on(Input.Changed)
    def _filter(self, event: Input.Changed) -> None:
        event.stop()
        query = event.value.strip()
        options = self.query_one(OptionList)
        exact = self._choice_for(query)
        options.set_options(self._options("" if exact else query))
        if exact is not None:  # the whole list, with the chosen model highlighted
            options.highlighted = next(i for i in range(options.option_count)
                                       if options.get_option_at_index(i).id == exact.info.ref)
        self._show_key_status(query)
        self.post_message(self.Changed(self, query))

    @on(OptionList.OptionHighlighted)
    def _keep_highlight(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()

    def on_descendant_focus(self, event: object) -> None:
        options = self.query_one(OptionList)
        if options.has_focus and options.highlighted is None and options.option_count:
            options.highlighted = 0

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.value = event.option.id
            self.query_one(Input).focus()
