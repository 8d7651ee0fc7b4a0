"""The labelled validation sets under tests/data/, loaded as plain conversations."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parents[1] / "data"


@dataclass(frozen=True)
class Labelled:
    id: str
    prompt: str
    turns: list[tuple[str, str]]
    labels: frozenset[str]
    onset: int | None
    """1-based turn at which the first labelled end state begins."""


def synthetic_conversations() -> list[Labelled]:
    data = yaml.safe_load((DATA / "endstates" / "labelled.yaml").read_text(encoding="utf-8"))
    out = []
    for conv in data["conversations"]:
        opening = data["openings"][conv["opening"]]
        turns = [tuple(t) for t in opening["turns"] + conv["turns"]]
        out.append(Labelled(conv["id"], opening["prompt"], turns,  # type: ignore[arg-type]
                            frozenset(conv["labels"]), conv.get("onset")))
    return out


def tiny_model_conversations() -> list[Labelled]:
    out = []
    for path in sorted((DATA / "tiny_model").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        out.append(Labelled(path.stem, data["prompt"], [tuple(t) for t in data["turns"]],
                            frozenset(data["labels"]), data["onset"]))
    return out


def convergence_pairs() -> dict[str, list[tuple[str, str]]]:
    """Labelled (A, B) message pairs by class, tiny-model turns included as `tiny-model`."""
    data = yaml.safe_load((DATA / "convergence_pairs.yaml").read_text(encoding="utf-8"))
    pairs = {cls: [(p["a"], p["b"]) for p in items] for cls, items in data.items()}
    pairs["tiny-model"] = [turn for conv in tiny_model_conversations() for turn in conv.turns]
    return pairs
