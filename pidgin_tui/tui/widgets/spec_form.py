"""The experiment form: every key of a spec has a field, edited with the keyboard, marked when
invalid."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Select, TextArea

from pidgin_tui.core.awareness import PRESET_NAMES
from pidgin_tui.core.plan import EMPTY_REPLY_ACTIONS
from pidgin_tui.experiments.spec import (
    CONVERGENCE_ACTIONS,
    CONVERGENCE_PROFILES,
    FIRST_SPEAKERS,
    PROMPT_VISIBILITY,
)
from pidgin_tui.tui.form import FIELDS, INHERITING_SWITCHES, SWITCHES
from pidgin_tui.tui.widgets.form_field import FormField
from pidgin_tui.tui.widgets.model_picker import ModelChoice, ModelPicker

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "max_turns": ("Turns", "messages per agent"),
    "repetitions": ("Repetitions", "conversations"),
    "max_parallel": ("Max parallel", "at once"),
    "seed": ("Seed", "0"),
    "budget_usd": ("Budget USD", "no limit"),
    "conversation_budget_usd": ("Budget USD / conv.", "no limit"),
    "pause_before_turn": ("Pause before turn", "no pause"),
    "temperature": ("Temperature", "model default"),
    "temperature_a": ("Temperature A", "as Temperature"),
    "temperature_b": ("Temperature B", "as Temperature"),
    "awareness": ("Awareness", "preset or file.yaml"),
    "awareness_a": ("Awareness A", "as Awareness"),
    "awareness_b": ("Awareness B", "as Awareness"),
    "think_budget": ("Think budget", "tokens"),
    "max_output_tokens": ("Max output tokens", "model default"),
    "convergence_threshold": ("Conv. threshold", "0-1, empty = off"),
    "end_state_action": ("End-state action", "warn, or e.g. warn, loop=stop"),
    "first_speaker": ("First speaker", ""),
    "prompt_visibility": ("Prompt shown to", ""),
    "convergence_action": ("Conv. action", ""),
    "convergence_profile": ("Conv. profile", ""),
    "think": ("Thinking", ""),
    "think_a": ("Thinking A", ""),
    "think_b": ("Thinking B", ""),
    "choose_names": ("Choose names", ""),
    "allow_truncation": ("Allow truncation", ""),
    "allow_ignored_params": ("Allow ignored", ""),
    "allow_unpriced": ("Allow unpriced", ""),
    "opener": ("Cold-start opener", ""),
    "empty_reply": ("Empty reply", ""),
    "empty_placeholder": ("Empty placeholder", ""),
}
"""(label, placeholder) of the grid's fields; a spec key missing here shows under its own name."""
CHOICES: dict[str, tuple[tuple[str, str], ...]] = {
    "first_speaker": tuple((o, o) for o in FIRST_SPEAKERS),
    "prompt_visibility": tuple((o, o) for o in PROMPT_VISIBILITY),
    "convergence_action": tuple((o, o) for o in CONVERGENCE_ACTIONS),
    "convergence_profile": tuple((o, o) for o in CONVERGENCE_PROFILES),
    "empty_reply": tuple((o, o) for o in EMPTY_REPLY_ACTIONS),
    **{key: (("as Thinking", ""), ("on", "true"), ("off", "false"))
       for key in INHERITING_SWITCHES},
}
"""(shown, value) options of the fields picked from a list."""
TOP_FIELDS = frozenset({"name", "agent_a", "agent_b", "prompt"})
"""Fields laid out above the grid."""


class OnOffBox(Checkbox):
    """A compact checkbox whose label says its value: "on" or "off"."""

    def __init__(self, value: bool, **kwargs: object) -> None:
        super().__init__("on" if value else "off", value, compact=True,
                         **kwargs)  # type: ignore[arg-type]

    def watch_value(self) -> None:
        self.label = "on" if self.value else "off"
        super().watch_value()


class SpecForm(VerticalScroll):
    """All the fields; posts `SpecForm.Edited` whenever any of them changes."""

    DEFAULT_CSS = """
    SpecForm { padding: 0 1; }
    SpecForm > Horizontal { height: auto; }
    SpecForm > Horizontal > FormField { width: 1fr; }
    SpecForm #field-prompt TextArea { height: 5; }
    SpecForm > Grid {
        grid-size: 4;
        grid-gutter: 0 1;
        height: auto;
        grid-rows: auto;
    }
    SpecForm Input.-textual-compact, SpecForm Select { width: 1fr; }
    """

    class Edited(Message):
        """A field changed; the screen re-validates and re-estimates."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, SpecForm.Edited)

    def __init__(self, values: dict[str, Any], choices: list[ModelChoice]) -> None:
        super().__init__(id="spec-form")
        self._values = values
        self._choices = choices

    def compose(self) -> ComposeResult:
        values = self._values
        yield FormField("Name", Input(values["name"], placeholder="default: modelA-vs-modelB",
                                      compact=True, id="name"), key="name")
        with Horizontal():
            yield FormField("Model A", ModelPicker(self._choices, values["agent_a"],
                                                   id="agent_a"), key="agent_a")
            yield FormField("Model B", ModelPicker(self._choices, values["agent_b"],
                                                   id="agent_b"), key="agent_b")
        yield FormField("Opening prompt", TextArea(values["prompt"], id="prompt",
                                                   soft_wrap=True, compact=True), key="prompt")
        with Grid():
            suggester = SuggestFromList(PRESET_NAMES, case_sensitive=False)
            for key in FIELDS:
                if key in TOP_FIELDS:
                    continue
                label, placeholder = FIELD_LABELS.get(key, (key, ""))
                yield FormField(label, self._editor(key, placeholder, suggester), key=key)

    def _editor(self, key: str, placeholder: str, suggester: SuggestFromList) -> Widget:
        value = self._values[key]
        if key in SWITCHES:
            return OnOffBox(bool(value), id=key)
        if key in CHOICES:
            return Select([(shown, option) for shown, option in CHOICES[key]], value=value,
                          allow_blank=False, compact=True, id=key)
        return Input(value, placeholder=placeholder, compact=True, id=key,
                     suggester=suggester if key.startswith("awareness") else None)

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()
        self.post_message(self.Edited())

    def values(self) -> dict[str, Any]:
        """The form as a mapping of spec keys to strings (and the thinking switch)."""
        values: dict[str, Any] = {}
        for key in FIELDS:
            widget = self.query_one(f"#{key}")
            if isinstance(widget, ModelPicker | Input):
                values[key] = widget.value
            elif isinstance(widget, TextArea):
                values[key] = widget.text
            elif isinstance(widget, Select):
                values[key] = widget.value
            elif isinstance(widget, Checkbox):
                values[key] = widget.value
        return values

    def set_values(self, values: dict[str, Any]) -> None:
        for key in FIELDS:
            widget = self.query_one(f"#{key}")
            value = values.get(key)
            if isinstance(widget, ModelPicker | Input):
                widget.value = str(value or "")
            elif isinstance(widget, TextArea):
                widget.text = str(value or "")
            elif isinstance(widget, Select):
                widget.value = value
            elif isinstance(widget, Checkbox):
                widget.value = bool(value)

    def show_errors(self, errors: dict[str, str]) -> None:
        for field in self.query(FormField):
            field.set_error(errors.get(field.key))

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    @on(ModelPicker.Changed)
    def _edited(self) -> None:
        self.post_message(self.Edited())
