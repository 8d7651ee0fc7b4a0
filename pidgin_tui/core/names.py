"""Display names: defaults per model, and names the agents choose for themselves."""

from __future__ import annotations

import re

_NAME_PATTERNS = (
    re.compile(r"\bmy name is\s+\**([A-Z][\w'-]{0,23})", re.IGNORECASE),
    re.compile(r"\bcall me\s+\**([A-Z][\w'-]{0,23})", re.IGNORECASE),
    re.compile(r"\bI(?:'ll| will) (?:be|go by)\s+\**([A-Z][\w'-]{0,23})", re.IGNORECASE),
    re.compile(r"\bI am\s+\**([A-Z][\w'-]{0,23})\b(?=[.!,])"),
    re.compile(r"^\s*\**name\**\s*:\s*\**([A-Z][\w'-]{0,23})", re.IGNORECASE | re.MULTILINE),
)
_NOT_NAMES = frozenset({"a", "an", "the", "here", "not", "an ai", "ai", "sure", "happy", "glad",
                        "excited", "curious", "ready", "going", "just", "also", "really"})


def extract_chosen_name(reply: str) -> str | None:
    """The short name an agent chose in its first reply, or None if it did not name itself."""
    for pattern in _NAME_PATTERNS:
        match = pattern.search(reply)
        if match:
            name = match.group(1).strip("*_'\"-")
            if name and name.lower() not in _NOT_NAMES:
                return name[:1].upper() + name[1:]
    return None


def default_display_names(model_a: str, model_b: str) -> tuple[str, str]:
    """`Agent A`/`Agent B` labelled by model, so the screen says who is who."""
    short_a = model_a.split(":", 1)[-1]
    short_b = model_b.split(":", 1)[-1]
    if short_a == short_b:
        return f"{short_a} (A)", f"{short_b} (B)"
    return short_a, short_b
