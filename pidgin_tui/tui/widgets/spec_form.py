"""The experiment form: every field of a spec, edited with the keyboard, marked when invalid."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Checkbox, Input, Select, TextArea

from pidgin_tui.core.awareness import PRESET_NAMES
from pidgin_tui.experiments.spec import CONVERGENCE_ACTIONS, CONVERGENCE_PROFILES, FIRST_SPEAKERS
from pidgin_tui.tui.form import FIELDS
from pidgin_tui.tui.widgets.form_field import FormField
from pidgin_tui.tui.widgets.model_picker import ModelChoice, ModelPicker

SMALL_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("max_turns", "Turns", "messages per agent"),
    ("repetitions", "Repetitions", "conversations"),
    ("max_parallel", "Max parallel", "at once"),
    ("budget_usd", "Budget USD", "no limit"),
    ("temperature_a", "Temperature A", "model default"),
    ("temperature_b", "Temperature B", "model default"),
    ("awareness_a", "Awareness A", "preset or file.yaml"),
    ("awareness_b", "Awareness B", "preset or file.yaml"),
    ("think_budget", "Think budget", "tokens"),
    ("convergence_threshold", "Conv. threshold", "0-1, empty = off"),
    ("end_state_action", "End-state action", "warn, or e.g. warn, loop=stop"),
)
"""(key, label, placeholder) of the one-line text fields."""
SELECTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("first_speaker", "First speaker", FIRST_SPEAKERS),
    ("convergence_action", "Conv. action", CONVERGENCE_ACTIONS),
    ("convergence_profile", "Conv. profile", CONVERGENCE_PROFILES),
)


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
            for key, label, placeholder in SMALL_FIELDS:
                is_awareness = key.startswith("awareness")
                yield FormField(label, Input(
                    values[key], placeholder=placeholder, compact=True, id=key,
                    suggester=suggester if is_awareness else None), key=key)
            for key, label, options in SELECTS:
                yield FormField(label, Select([(o, o) for o in options], value=values[key],
                                              allow_blank=False, compact=True, id=key), key=key)
            yield FormField("Thinking", Checkbox("on", values["think"], compact=True, id="think"),
                            key="think")

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
                values[key] = str(widget.value)
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
