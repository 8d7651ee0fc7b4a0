"""Experiment specs: YAML files and CLI flags, validated with messages that name the key.

Accepts the keys upstream Pidgin users already have (`agent_a_model`, `turns`, `custom_prompt`,
…) as aliases of the canonical ones.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pidgin_tui.core.awareness import PRESET_NAMES
from pidgin_tui.core.plan import DEFAULT_EMPTY_PLACEHOLDER, DEFAULT_OPENER, EMPTY_REPLY_ACTIONS
from pidgin_tui.core.types import AgentId
from pidgin_tui.metrics.endstates import END_STATE_NAMES

if TYPE_CHECKING:
    from pidgin_tui.core.events import ConversationBranchedEvent

DEFAULT_MODEL = "local:test"
DEFAULT_PROMPT = "Hello! What would you like to explore together today?"
CONVERGENCE_ACTIONS = ("stop", "warn", "pause", "continue")
CONVERGENCE_PROFILES = ("balanced", "structural", "semantic", "strict")
FIRST_SPEAKERS = ("agent_a", "agent_b")
PROMPT_VISIBILITY = ("first", "both")

ALIASES: dict[str, str] = {
    "agent_a_model": "agent_a",
    "agent_b_model": "agent_b",
    "model_a": "agent_a",
    "model_b": "agent_b",
    "turns": "max_turns",
    "custom_prompt": "prompt",
    "initial_prompt": "prompt",
    "parallel": "max_parallel",
}


class SpecError(ValueError):
    """A spec problem, phrased `key: what was expected, got what`."""


@dataclass(slots=True)
class ExperimentSpec:
    name: str = ""
    agent_a: str = DEFAULT_MODEL
    agent_b: str = DEFAULT_MODEL
    repetitions: int = 1
    max_turns: int = 10
    prompt: str = DEFAULT_PROMPT
    prompt_visibility: str = "first"
    first_speaker: str = "agent_a"
    temperature: float | None = None
    temperature_a: float | None = None
    temperature_b: float | None = None
    awareness: str = "basic"
    awareness_a: str | None = None
    awareness_b: str | None = None
    choose_names: bool = False
    convergence_threshold: float | None = 0.85
    convergence_action: str = "warn"
    convergence_profile: str = "balanced"
    end_state_action: dict[str, str] = field(
        default_factory=lambda: dict.fromkeys(END_STATE_NAMES, "warn"))
    """What each detected end state does (stop, warn, pause, continue), for every detector."""
    max_parallel: int = 1
    allow_truncation: bool = False
    think: bool = False
    think_a: bool | None = None
    think_b: bool | None = None
    think_budget: int | None = None
    max_output_tokens: int | None = None
    seed: int = 0
    budget_usd: float | None = None
    conversation_budget_usd: float | None = None
    pause_before_turn: int | None = None
    """Pause for a human when this turn (1-based) is about to start, as `pidgin-tui pause
    --before-turn N` does: the conversation waits for an interjection or a resume."""
    allow_ignored_params: bool = False
    allow_unpriced: bool = False
    opener: str = DEFAULT_OPENER
    """Sent to the first speaker when `prompt` is empty."""
    empty_reply: str = "placeholder"
    """`placeholder` (the partner is sent `empty_placeholder`) or `end` (end reason
    `empty_reply`)."""
    empty_placeholder: str = DEFAULT_EMPTY_PLACEHOLDER
    """Run with a budget even though a model is unpriced (its spending is not counted)."""
    """Run even when a model cannot take a requested setting; the record says `ignored`."""
    extra: dict[str, Any] = field(default_factory=dict)

    def resolved_temperature(self, agent: AgentId) -> float | None:
        own = self.temperature_a if agent == AgentId.A else self.temperature_b
        return self.temperature if own is None else own

    def resolved_awareness(self, agent: AgentId) -> str:
        own = self.awareness_a if agent == AgentId.A else self.awareness_b
        return own or self.awareness

    def resolved_think(self, agent: AgentId) -> bool:
        own = self.think_a if agent == AgentId.A else self.think_b
        return self.think if own is None else own

    def seed_for(self, repetition: int) -> int:
        """The seed the requests of the conversation of `repetition` (1-based) carry: each
        repetition its own, all from the spec's `seed`."""
        from pidgin_tui.core.events import FIRST_REPETITION  # (events load msgspec: not at --help)

        return self.seed * 1_000_003 + repetition - FIRST_REPETITION

    @property
    def total_conversations(self) -> int:
        return self.repetitions

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("extra")
        return data


# --- validators: each returns the clean value or raises SpecError naming the key ---------------


def _show(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _int(minimum: int, maximum: int | None = None) -> Callable[[str, object], int]:
    def check(key: str, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                value = int(value.strip())
            else:
                raise SpecError(f"{key}: expected an integer >= {minimum}, got {_show(value)}")
        assert isinstance(value, int)
        if value < minimum or (maximum is not None and value > maximum):
            bound = f">= {minimum}" if maximum is None else f"between {minimum} and {maximum}"
            raise SpecError(f"{key}: expected an integer {bound}, got {value}")
        return value
    return check


def _float(minimum: float, maximum: float) -> Callable[[str, object], float | None]:
    def check(key: str, value: object) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool):
            raise SpecError(f"{key}: expected a number between {minimum} and {maximum}, "
                            f"got {_show(value)}")
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise SpecError(f"{key}: expected a number between {minimum} and {maximum}, "
                            f"got {_show(value)}") from None
        if not minimum <= number <= maximum:
            raise SpecError(f"{key}: expected a number between {minimum} and {maximum}, "
                            f"got {value}")
        return number
    return check


def _bool(key: str, value: object) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "yes", "on", "1", "false", "no",
                                                     "off", "0"):
        return value.lower() in ("true", "yes", "on", "1")
    raise SpecError(f"{key}: expected true or false, got {_show(value)}")


def _text(allow_empty: bool = False) -> Callable[[str, object], str]:
    def check(key: str, value: object) -> str:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise SpecError(f"{key}: expected text, got {_show(value)}")
        if not allow_empty and not value.strip():
            raise SpecError(f"{key}: must not be empty")
        return value
    return check


def _choice(options: tuple[str, ...]) -> Callable[[str, object], str]:
    def check(key: str, value: object) -> str:
        if value not in options:
            raise SpecError(f"{key}: expected one of {', '.join(options)}, got {_show(value)}")
        return str(value)
    return check


def _awareness(key: str, value: object) -> str | None:
    if value is None:
        return None
    text = _text()(key, value)
    if text in PRESET_NAMES or Path(text).expanduser().is_file():
        return text
    raise SpecError(f"{key}: expected a preset ({', '.join(PRESET_NAMES)}) or an existing "
                    f"YAML file, got {_show(value)}")


def _end_state_action(key: str, value: object) -> dict[str, str]:
    """`warn`, `warn, loop=stop` or a mapping {default: warn, loop: stop} -> an action for
    every end state; a bare action (or `default`) applies to the detectors not named."""
    if isinstance(value, str):
        items = [part.strip() for part in value.split(",") if part.strip()]
        pairs = [item.partition("=")[::2] if "=" in item else ("default", item)
                 for item in items]
    elif isinstance(value, Mapping):
        pairs = [(str(k), v) for k, v in value.items()]
    else:
        raise SpecError(f"{key}: expected an action or name=action pairs, got {_show(value)}")
    default, overrides = "warn", {}
    for name, action in pairs:
        name = name.strip()
        action = action.strip() if isinstance(action, str) else action
        if action not in CONVERGENCE_ACTIONS:
            raise SpecError(f"{key}: expected one of {', '.join(CONVERGENCE_ACTIONS)}"
                            f"{'' if name == 'default' else ' for ' + name}, got {_show(action)}")
        if name == "default":
            default = action
        elif name in END_STATE_NAMES:
            overrides[name] = action
        else:
            raise SpecError(f"{key}: unknown end state {_show(name)} (choose from "
                            f"{', '.join(END_STATE_NAMES)})")
    return {name: overrides.get(name, default) for name in END_STATE_NAMES}


def format_end_state_action(actions: Mapping[str, str]) -> str:
    """The compact text of an end-state action mapping: `warn`, or `warn, loop=stop`."""
    counts: dict[str, int] = {}
    for action in actions.values():
        counts[action] = counts.get(action, 0) + 1
    default = max(counts, key=lambda a: (counts[a], a == "warn")) if counts else "warn"
    rest = [f"{name}={action}" for name, action in actions.items() if action != default]
    return ", ".join([default, *rest])


def _optional(check: Callable[[str, object], Any]) -> Callable[[str, object], Any]:
    return lambda key, value: None if value is None else check(key, value)


VALIDATORS: dict[str, Callable[[str, object], Any]] = {
    "name": _text(allow_empty=True),
    "agent_a": _text(),
    "agent_b": _text(),
    "repetitions": _int(1, 100_000),
    "max_turns": _int(1, 100_000),
    "prompt": _text(allow_empty=True),
    "prompt_visibility": _choice(PROMPT_VISIBILITY),
    "first_speaker": _choice(FIRST_SPEAKERS),
    "temperature": _float(0.0, 2.0),
    "temperature_a": _float(0.0, 2.0),
    "temperature_b": _float(0.0, 2.0),
    "awareness": _awareness,
    "awareness_a": _awareness,
    "awareness_b": _awareness,
    "choose_names": _bool,
    "convergence_threshold": _float(0.0, 1.0),
    "convergence_action": _choice(CONVERGENCE_ACTIONS),
    "convergence_profile": _choice(CONVERGENCE_PROFILES),
    "end_state_action": _end_state_action,
    "max_parallel": _int(1, 1024),
    "allow_truncation": _bool,
    "think": _bool,
    "think_a": _bool,
    "think_b": _bool,
    "think_budget": _optional(_int(1024, 1_000_000)),
    "max_output_tokens": _optional(_int(1, 1_000_000)),
    "seed": _int(0),
    "budget_usd": _float(0.0, 1_000_000.0),
    "conversation_budget_usd": _float(0.0, 1_000_000.0),
    "pause_before_turn": _optional(_int(1)),
    "allow_ignored_params": _bool,
    "allow_unpriced": _bool,
    "opener": _text(),
    "empty_reply": _choice(EMPTY_REPLY_ACTIONS),
    "empty_placeholder": _text(),
}
assert set(VALIDATORS) == {f.name for f in fields(ExperimentSpec)} - {"extra"}

_FIRST_SPEAKER_ALIASES = {"a": "agent_a", "b": "agent_b", "A": "agent_a", "B": "agent_b"}


def canonical_key(key: str) -> str:
    return ALIASES.get(key, key)


def parse_spec(data: Mapping[str, Any]) -> ExperimentSpec:
    """Validate a mapping (from YAML and/or CLI flags) into an ExperimentSpec."""
    values: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = canonical_key(str(raw_key))
        if key not in VALIDATORS:
            close = difflib.get_close_matches(str(raw_key), [*VALIDATORS, *ALIASES], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise SpecError(f"{raw_key}: unknown key{hint}")
        if key in values:
            raise SpecError(f"{raw_key}: given twice (also as {key})")
        if key == "first_speaker" and isinstance(value, str):
            value = _FIRST_SPEAKER_ALIASES.get(value, value)
        values[key] = VALIDATORS[key](key, value)
    if values.get("think") is None:
        values.pop("think", None)
    for key in ("choose_names", "allow_truncation", "allow_ignored_params", "allow_unpriced"):
        if values.get(key) is None:
            values.pop(key, None)
    spec = ExperimentSpec(**values)
    if not spec.name:
        spec.name = default_name(spec)
    return spec


def default_name(spec: ExperimentSpec) -> str:
    short = lambda ref: ref.split(":", 1)[-1]  # noqa: E731
    return f"{short(spec.agent_a)}-vs-{short(spec.agent_b)}"


def load_spec_file(path: Path) -> dict[str, Any]:
    """Read a YAML spec into a mapping; errors name the file and the problem."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{path}: no such spec file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: cannot read ({exc})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid syntax"
        raise SpecError(f"{path}: malformed YAML{where}: {problem}") from None
    if data is None:
        raise SpecError(f"{path}: the spec file is empty")
    if not isinstance(data, dict):
        raise SpecError(f"{path}: expected a mapping of keys to values, got {type(data).__name__}")
    return data


def dump_spec_yaml(spec: ExperimentSpec) -> str:
    """The spec as YAML, omitting values equal to the defaults (what `save` writes)."""
    import yaml

    defaults = ExperimentSpec().to_dict()
    data = {k: v for k, v in spec.to_dict().items() if v != defaults.get(k) or k in
            ("name", "agent_a", "agent_b", "max_turns", "prompt")}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


BRANCH_POINT_CHANGES = frozenset({"inject", "replace"})
"""A branch's recorded changes that are text put in at the branch point, not spec keys."""


def spec_with_changes(spec: ExperimentSpec, changes: dict[str, Any]) -> ExperimentSpec:
    """`spec` with a branch's recorded changes applied (the spec its conversation ran with)."""
    return parse_spec({**spec.to_dict(),
                       **{k: v for k, v in changes.items() if k not in BRANCH_POINT_CHANGES}})


def recorded_spec(spec: ExperimentSpec,
                  branched: ConversationBranchedEvent | None) -> ExperimentSpec:
    """The spec a recorded conversation ran with, from its experiment's `spec`: a branch's
    changes applied (a branch written into its parent's experiment has the parent's spec
    there; applying them to a branch experiment's own spec changes nothing)."""
    if branched is None or not branched.changes:
        return spec
    return spec_with_changes(spec, branched.changes)
