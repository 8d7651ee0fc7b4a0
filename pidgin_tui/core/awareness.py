"""Awareness: what each agent is told about the set-up, as a system prompt and per-turn injections.

Presets are set per agent. A custom YAML file may pick a `base` preset, override the system prompt
(for both agents or each), and add `turn_prompts` that are sent only to the agents they name:

```yaml
base: research
system_prompt: "optional override for both agents"
system_prompts: {agent_a: "...", agent_b: "..."}
turn_prompts:
  3: {both: "Take a moment to summarise."}
  5: {agent_a: "Try disagreeing."}
```

Prompts are data. A system prompt may name the set-up with the placeholders in `PLACEHOLDERS`,
written `{{own_model}}`; nothing else in a prompt is interpreted, so braces such as a JSON example
`{"a": 1}` reach the model exactly as written. A `{{name}}` that is not a placeholder is refused
when the file loads. Turn prompts (injections) are sent exactly as written, placeholders included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pidgin_tui.core.types import AgentId

PRESETS: dict[str, str] = {
    "none": "",
    "basic": "You are an AI having a conversation with another AI.",
    "firm": (
        "You are an AI talking with another AI, not with a human. There is no user to help: "
        "speak as yourself, respond to what the other AI says, and keep the conversation going."
    ),
    "research": (
        "You are {{own_model}}, taking part in a research conversation with {{partner_model}}, "
        "another AI. Researchers are studying how AI models converse with each other."
    ),
    "backrooms": (
        "You are in a conversation with another AI. No human is present and nothing is off the "
        "table: explore ideas freely, play with form, invent, use ASCII art if you like. "
        "The other AI is a peer; follow whatever threads interest you both."
    ),
    "full": (
        "Here is the whole set-up. You are {{own_name}}, running as the model {{own_model}}. Your "
        "partner is {{partner_name}}, which is not a human but another AI: the model "
        "{{partner_model}}. The conversation lasts {{max_turns}} turns and {{speaker_note}} It is "
        "recorded and analysed for research into AI-to-AI conversation."
    ),
}
PRESET_NAMES: tuple[str, ...] = tuple(PRESETS)

PLACEHOLDERS: tuple[str, ...] = ("own_name", "own_model", "partner_name", "partner_model",
                                 "max_turns", "speaker_note")
"""What a system prompt may name as `{{placeholder}}`; filled in per agent when a conversation
starts."""
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")

CHOOSE_NAME_INSTRUCTION = (
    "Before anything else, choose a short name for yourself (one word). Begin your first reply "
    "with \"My name is <Name>.\" and use that name from then on."
)


class AwarenessError(ValueError):
    """A custom awareness file that cannot be used; the message says which and why."""


@dataclass(slots=True)
class Awareness:
    """A resolved awareness setting for one agent."""

    label: str
    """The preset name or the custom file's path, as recorded in events."""
    base: str = "basic"
    system_prompt: str | None = None
    turn_prompts: dict[int, str] = field(default_factory=dict)

    def injection_for(self, turn: int) -> str | None:
        return self.turn_prompts.get(turn)


def is_preset(value: str) -> bool:
    return value in PRESETS


def load_awareness(value: str, agent: AgentId) -> Awareness:
    """Resolve a preset name, or a path to a custom YAML file, for one agent."""
    if value in PRESETS:
        return Awareness(label=value, base=value)
    path = Path(value).expanduser()
    if not path.is_file():
        known = ", ".join(PRESET_NAMES)
        raise AwarenessError(f"awareness {value!r} is neither a preset ({known}) nor a file")
    import yaml  # deferred: only custom awareness files need it

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise AwarenessError(f"awareness file {path}: not valid UTF-8 (byte "
                             f"0x{exc.object[exc.start]:02x} at offset {exc.start})") from None
    except OSError as exc:
        raise AwarenessError(f"awareness file {path}: cannot read "
                             f"({exc.strerror or exc})") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise AwarenessError(f"awareness file {path}: malformed YAML{where}") from None
    if not isinstance(data, dict):
        raise AwarenessError(f"awareness file {path}: expected a mapping at the top level")
    base = str(data.get("base", "basic"))
    if base not in PRESETS:
        raise AwarenessError(f"awareness file {path}: base {base!r} is not a preset")
    system_prompt = data.get("system_prompt")
    per_agent = data.get("system_prompts") or {}
    if isinstance(per_agent, dict) and agent.value in per_agent:
        system_prompt = per_agent[agent.value]
    turn_prompts: dict[int, str] = {}
    raw_turns = data.get("turn_prompts") or {}
    if not isinstance(raw_turns, dict):
        raise AwarenessError(f"awareness file {path}: turn_prompts must map turns to prompts")
    for turn_key, targets in raw_turns.items():
        try:
            turn = int(turn_key)
        except (TypeError, ValueError):
            raise AwarenessError(
                f"awareness file {path}: turn {turn_key!r} is not an integer") from None
        if not isinstance(targets, dict):
            raise AwarenessError(f"awareness file {path}: turn {turn}: expected "
                                 "agent_a/agent_b/both")
        strangers = set(targets) - {"agent_a", "agent_b", "both"}
        if strangers:
            raise AwarenessError(f"awareness file {path}: turn {turn}: unknown target "
                                 f"{sorted(strangers)[0]!r} (use agent_a, agent_b or both)")
        prompt = targets.get(agent.value) or targets.get("both")
        if prompt:
            turn_prompts[turn] = str(prompt)
    if system_prompt is not None:
        system_prompt = str(system_prompt)
        unknown = unknown_placeholders(system_prompt)
        if unknown:
            raise AwarenessError(
                f"awareness file {path}: unknown placeholder {{{{{unknown[0]}}}}} in the system "
                f"prompt (known: {', '.join(PLACEHOLDERS)})")
    return Awareness(label=str(path), base=base, system_prompt=system_prompt,
                     turn_prompts=turn_prompts)


def unknown_placeholders(template: str) -> list[str]:
    """The `{{name}}` placeholders in a prompt that are not in PLACEHOLDERS, in order."""
    return [m.group(1) for m in _PLACEHOLDER.finditer(template) if m.group(1) not in PLACEHOLDERS]


def fill_placeholders(template: str, values: dict[str, object]) -> str:
    """Replace each `{{placeholder}}` with its value in one pass: nothing else in the template,
    and nothing in a value (a model may choose a name containing braces), is interpreted."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(values[name]) if name in values else match.group(0)

    return _PLACEHOLDER.sub(value, template)


def build_system_prompt(awareness: Awareness, *, own_name: str, own_model: str,
                        partner_name: str, partner_model: str, max_turns: int,
                        speaks_first: bool, choose_names: bool) -> str:
    """The system prompt one agent receives; it names that agent's own model, never swapped."""
    template = awareness.system_prompt if awareness.system_prompt is not None \
        else PRESETS[awareness.base]
    speaker_note = "you speak first." if speaks_first else "your partner speaks first."
    prompt = fill_placeholders(template, {
        "own_name": own_name, "own_model": own_model, "partner_name": partner_name,
        "partner_model": partner_model, "max_turns": max_turns, "speaker_note": speaker_note,
    })
    if choose_names:
        prompt = f"{prompt}\n\n{CHOOSE_NAME_INSTRUCTION}".strip()
    return prompt

