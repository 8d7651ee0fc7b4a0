"""The setup form's values: validation into an ExperimentSpec with a reason per field.

Pure (no Textual): the form widget hands over a mapping of strings and switches, and gets back a
spec or a message for each field that is wrong. The spec module's own validators phrase the
messages, so the form and `pidgin-tui run` say the same thing about the same mistake.
"""

from __future__ import annotations

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

FIELDS: tuple[str, ...] = (
    "name", "agent_a", "agent_b", "prompt", "max_turns", "repetitions", "max_parallel",
    "temperature_a", "temperature_b", "awareness_a", "awareness_b", "think", "think_budget",
    "first_speaker", "convergence_threshold", "convergence_action", "convergence_profile",
    "end_state_action", "budget_usd",
)
"""Every spec key the form edits, in form order."""
OPTIONAL_FIELDS = frozenset({"temperature_a", "temperature_b", "think_budget",
                             "convergence_threshold", "budget_usd"})
"""Fields where an empty box means "not set" (model default, off, or no limit)."""


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
            value = value.strip() if key != "prompt" else value
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
    """Form values for a spec (per-agent settings resolved), for loading a spec file."""
    return {
        "name": spec.name, "agent_a": spec.agent_a, "agent_b": spec.agent_b,
        "prompt": spec.prompt, "max_turns": _text(spec.max_turns),
        "repetitions": _text(spec.repetitions), "max_parallel": _text(spec.max_parallel),
        "temperature_a": _text(spec.resolved_temperature("agent_a")),
        "temperature_b": _text(spec.resolved_temperature("agent_b")),
        "awareness_a": spec.resolved_awareness("agent_a"),
        "awareness_b": spec.resolved_awareness("agent_b"),
        "think": spec.think or bool(spec.think_a) or bool(spec.think_b),
        "think_budget": _text(spec.think_budget), "first_speaker": spec.first_speaker,
        "convergence_threshold": _text(spec.convergence_threshold),
        "convergence_action": spec.convergence_action,
        "convergence_profile": spec.convergence_profile,
        "end_state_action": format_end_state_action(spec.end_state_action),
        "budget_usd": _text(spec.budget_usd),
    }


def default_values() -> dict[str, Any]:
    """A fresh form: local:test × local:test, so ctrl+r works straight away."""
    values = spec_to_values(ExperimentSpec())
    values["name"] = ""
    return values
