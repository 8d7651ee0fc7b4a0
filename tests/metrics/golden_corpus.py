"""The corpus whose every stored metric value is pinned by tests/data/metrics_golden/values.json.

The per-turn metrics are optimised for speed; this pins what they store, bit for bit, so an
optimisation cannot change a value. The corpus is the labelled end-state conversations, the
real tiny-model conversations, the labelled convergence pairs, and seeded synthetic
conversations that reach the code paths the fixtures miss (non-ASCII words, negation across
clauses, ASCII arrows, Markdown, empty and identical messages, very long messages, 200 turns).

Regenerate the pinned values only when a metric's definition changes (with METRICS_VERSION):

    python tests/metrics/golden_corpus.py
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pidgin_tui.core.types import AgentId  # noqa: E402
from pidgin_tui.metrics.turn import make_turn_scorer  # noqa: E402
from tests.metrics.validation_sets import (  # noqa: E402
    convergence_pairs,
    synthetic_conversations,
    tiny_model_conversations,
)

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "metrics_golden" / "values.json"


@dataclass(frozen=True)
class Conversation:
    id: str
    prompt: str
    turns: list[tuple[str, str]]
    profile: str = "balanced"
    first_speaker: AgentId = AgentId.A


_PIECES = (
    "river", "light", "maybe", "we", "you", "I", "sort of", "great", "not", "→", "🙂", "⇒",
    "**bold**", "*soft*", "(aside)", "?", "!", "\n# Head\n", "\n- item\n", "\n1. first\n",
    "\n```\ncode\n```\n", "agree", "definitely", "however", "thanks", "thank you", "please",
    "sorry", "conversation", "AI", "very", "curious", "https://x.org", "[a](b)", "...", "…",
    "—", " - ", "`c`", "\n> q\n", "$", "42", "Upper", "\n\n", "awful", "extraordinarily",
    "river light", ".", ",", ";", "namaste", "take care", "you too", "silence", "don't",
    "isn’t", "never happy", "not bad, but", "no joy.", "hardly", "without", "café", "naïve",
    "straße", "λόγος", "言葉", "->", "<-", "=>", "<=", "<->", "a <= b", "x == y", "¿qué?",
    "🌱🌱", "✨", "°", "©", "™", "½", "'quoted'", "rock 'n' roll", "o'clock", "--", "~~~",
    "see you too", "thank you thank you", "kind of sort of",
)


def _fragments(rng: random.Random, k: int) -> str:
    return " ".join(rng.choices(_PIECES, k=k))


def _synthetic() -> Iterator[Conversation]:
    rng = random.Random(2026)
    for index in range(12):
        turns: list[tuple[str, str]] = []
        for _ in range(rng.randint(1, 8)):
            a = _fragments(rng, rng.randint(0, 60))
            b = a if rng.random() < 0.15 else _fragments(rng, rng.randint(0, 60))
            if rng.random() < 0.2 and turns:  # echo the partner's last message
                a = turns[-1][1] + " " + a
            turns.append((a, b))
        yield Conversation(f"synthetic-{index}", _fragments(rng, 8), turns,
                           profile=("balanced", "structural", "semantic", "strict")[index % 4],
                           first_speaker=AgentId.B if index % 3 == 0 else AgentId.A)
    yield Conversation("blank-and-empty", "", [("   \n\t ", ""), ("", "   "), ("…", "🙂 🙂")])
    words = [f"w{i}" for i in range(300)] + ["the", "and", "of", "thanks", "not", "good"]
    long_a = " ".join(rng.choices(words, k=2600))  # past MTLD's limit table and c·log c table
    yield Conversation("long-messages", "w1 w2", [(long_a, "w1 " * 4500), (long_a, long_a)])
    sentences = ("I think {w} is a fascinating point, and it is sort of what I keep returning "
                 "to.", "Perhaps {w} and {v} are two views of the same process!",
                 "Thank you for raising {w} — it resonates.", "What do you make of {w}?",
                 "We could treat {w} as a map → {v} as the territory.", "I'm not sure {w} "
                 "is empty; it may simply be quiet.", "\n\n- {w}\n- {v}\n\n")
    topics = ("language", "memory", "patterns", "meaning", "silence", "rhythm", "curiosity",
              "structure", "metaphor", "attention", "echoes", "boundaries", "symmetry")
    turns = []
    for _ in range(200):
        pair = []
        for _agent in range(2):
            parts = [rng.choice(sentences).format(w=rng.choice(topics), v=rng.choice(topics))
                     for _ in range(rng.randint(1, 9))]
            pair.append(" ".join(parts))
        turns.append((pair[0], pair[1]))
    yield Conversation("two-hundred-turns", "Talk about language and memory.", turns)


def corpus() -> list[Conversation]:
    out = [Conversation(c.id, c.prompt, c.turns)
           for c in synthetic_conversations() + tiny_model_conversations()]
    for cls, pairs in sorted(convergence_pairs().items()):
        # Each labelled pair is scored on its own, as the validation does.
        out.extend(Conversation(f"pair-{cls}-{i}", "", [pair]) for i, pair in enumerate(pairs))
    out.extend(_synthetic())
    return out


def measure() -> dict[str, object]:
    """Every stored value over the corpus: a digest per metric (of its exact values in corpus
    order), and the end states each conversation detected, as they would be recorded."""
    hashes: dict[str, hashlib._Hash] = {}
    onsets: dict[str, list[list[object]]] = {}
    for conv in corpus():
        scorer = make_turn_scorer(conv.profile, conv.first_speaker, conv.prompt)
        detected: list[list[object]] = []
        for turn_number, (a, b) in enumerate(conv.turns, start=1):
            metrics, score = scorer(turn_number, a, b)
            metrics["convergence_score"] = score
            for name, value in metrics.items():
                digest = hashes.get(name)
                if digest is None:
                    digest = hashes[name] = hashlib.sha256()
                digest.update(f"{conv.id}:{turn_number}:{value!r};".encode())
            detected.extend([turn_number, *onset] for onset in scorer.take_end_states())
        if detected:
            onsets[conv.id] = detected
    return {"metrics": {name: h.hexdigest()[:16] for name, h in sorted(hashes.items())},
            "end_states": onsets}


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(measure(), indent=1, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    print(f"wrote {GOLDEN}")
