"""The setup form's values: validation into an ExperimentSpec with a reason per field.

Pure (no Textual): the form widget hands over a mapping of strings and switches, and gets back a
spec or a message for each field that is wrong. The spec module's own validators phrase the
messages, so the form and `pidgin-tui run` say the same thing about the same mistake.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pidgin_tui.experiments.spec import (
    VALIDATORS,
    ExperimentSpec,
    SpecError,
    format_end_state_action,
    parse_spec,
)
from pidgin_tui.providers.registry import ModelInfo, Registry, UnknownModelError

FIELDS: tuple[str, ...] = tuple(VALIDATORS)
"""Every spec key, each with its own field: the spec module owns the list, so a key added there
gets a field (a text box unless the form knows better) and survives load → save → launch."""
_TYPES = {key: str(spec_field.type) for key, spec_field
          in ExperimentSpec.__dataclass_fields__.items() if key in FIELDS}
SWITCHES = frozenset(key for key, kind in _TYPES.items() if kind == "bool")
"""Yes/no keys shown as a checkbox."""
INHERITING_SWITCHES = frozenset(key for key, kind in _TYPES.items() if kind == "bool | None")
"""Per-agent yes/no keys that may be unset (then the shared switch applies): "", "true", "false"."""
FORMATTERS: dict[str, Callable[[Any], str]] = {"end_state_action": format_end_state_action}
"""Keys whose value is not a single scalar, shown as the text the spec module parses back."""
UNTRIMMED = frozenset({"name", "prompt", "opener", "empty_placeholder"})
"""Text kept exactly as typed (leading spaces can be meant); other boxes are trimmed."""
OPTIONAL_FIELDS = frozenset(key for key, kind in _TYPES.items() if "None" in kind)
"""Fields where an empty box means "not set" (model default, shared value, off, or no limit)."""


@dataclass(slots=True)
class FormResult:
    spec: ExperimentSpec | None
    errors: dict[str, str] = field(default_factory=dict)
    models: tuple[ModelInfo, ModelInfo] | None = None

    @property
    def ok(self) -> bool:
        return self.spec is not None


def _reason(exc: SpecError, key: str) -> str:
    text = str(exc)
    prefix = f"{key}: "
    return text[len(prefix):] if text.startswith(prefix) else text


def _mapping(values: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key in FIELDS:
        value = values.get(key)
        if isinstance(value, str):
            value = value if key in UNTRIMMED else value.strip()
            if value == "" and key in OPTIONAL_FIELDS:
                value = None
        if value is not None or key in OPTIONAL_FIELDS:
            data[key] = value
    return data


def validate_form(values: dict[str, Any], registry: Registry) -> FormResult:
    """Check every field; the spec is returned only when all of them are valid."""
    data = _mapping(values)
    errors: dict[str, str] = {}
    for key, value in data.items():
        try:
            VALIDATORS[key](key, value)
        except SpecError as exc:
            errors[key] = _reason(exc, key)
    models: list[ModelInfo] = []
    for key in ("agent_a", "agent_b"):
        if key in errors:
            continue
        try:
            models.append(registry.resolve(str(data.get(key, ""))))
        except UnknownModelError as exc:
            errors[key] = str(exc)
    if errors:
        return FormResult(None, errors)
    try:
        spec = parse_spec(data)
    except SpecError as exc:
        key = str(exc).partition(":")[0]
        return FormResult(None, {key if key in FIELDS else "name": _reason(exc, key)})
    return FormResult(spec, {}, (models[0], models[1]))


def _text(value: object) -> str:
    return "" if value is None else str(value)


def spec_to_values(spec: ExperimentSpec) -> dict[str, Any]:
    """Form values for every key of a spec: text, a checkbox's bool, or "", "true", "false"."""
    values: dict[str, Any] = {}
    for key in FIELDS:
        value = getattr(spec, key)
        if key in SWITCHES:
            values[key] = bool(value)
        elif key in INHERITING_SWITCHES:
            values[key] = "" if value is None else str(bool(value)).lower()
        elif key in FORMATTERS:
            values[key] = FORMATTERS[key](value)
        else:
            values[key] = _text(value)
    return values


def default_values() -> dict[str, Any]:
    """A fresh form: local:test × local:test, so ctrl+r works straight away."""
    values = spec_to_values(ExperimentSpec())
    values["name"] = ""
    return values
