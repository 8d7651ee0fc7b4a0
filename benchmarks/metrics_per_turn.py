"""Benchmark: cost of the full per-turn metrics (both agents + cross metrics) per turn.

Feeds two conversations through `make_turn_scorer` and prints the median and best cost per
turn over several repeats. Goal: ≤ 0.6 ms per turn, end-state detectors included.

- a 30-turn conversation of ~150-word messages (deterministic pseudo-English with some
  markdown, emoji and echoing, like real model output): the demanding case;
- the 200-turn `local:instant` conversation (~30-word messages) that `core_overhead.py` times
  with the whole orchestration, so the two benchmarks can be read together;
- the real SmolLM2-135M conversations of tests/data/tiny_model (they loop: a repeated message
  or pair of messages reuses its analysis).

    /work/venv/bin/python benchmarks/metrics_per_turn.py             # figures
    /work/venv/bin/python benchmarks/metrics_per_turn.py --profile   # and where the time goes
    /work/venv/bin/python benchmarks/metrics_per_turn.py --instructions  # callgrind, per turn

`--profile` adds a cProfile table of the functions with the most own time (cProfile's own
overhead inflates functions called many times; use it to rank, the figures above to measure).

Figures (2026-12-02, 2 cores at load average 5.1–5.7; each turn's fastest, range of several
runs), metrics_version 4, every value bit-identical to before: synthetic 0.79–0.84 ms/turn,
local:instant 0.32–0.33, tiny-model 0.22; at that load the timings of this code and of the
code before these changes (7.00 M instructions) overlap, so the instruction counts are the
figures to compare. Instructions per turn (`--instructions`: callgrind, `PYTHONHASHSEED=0`,
scoring a conversation three times minus once, halved): synthetic 6.39 M
(7.00 M before), local:instant 2.50 M (2.56 M), tiny-model 1.87 M (1.97 M). The goal is met
for short messages, not for ~150-word ones. docs/metrics.md ("Cost per turn") says where the
instructions go.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pidgin_tui.metrics.text import analyze  # noqa: E402
from pidgin_tui.metrics.turn import make_turn_scorer  # noqa: E402

_SENTENCES = (
    "I think that's a fascinating point about {w}, and it is sort of what I keep returning to.",
    "Perhaps {w} and {v} are two views of the same underlying process.",
    "When I think about {w}, I notice how deeply it shapes {v}!",
    "Thank you for raising {w} — it really resonates with me.",
    "You're right that {w} matters here, and I agree it is kind of central.",
    "Maybe the real question is whether {w} can exist without {v}.",
    "We could treat {w} as a map and {v} as the territory → a useful frame.",
    "I'm not sure {w} is empty; it may simply be quiet.",
    "Consider how {w} changes once {v} enters the picture.",
    "What do you make of the silence between {w} and {v}?",
    "In a way, our conversation keeps folding {w} back into {v}. 🌱",
    "I wonder if {v} is what gives {w} its texture (and its rhythm).",
)
_TOPICS = ("language", "memory", "patterns", "meaning", "silence", "rhythm", "curiosity",
           "structure", "metaphor", "attention", "echoes", "boundaries", "symmetry", "emergence")


def message(rng: random.Random, partner: str, words: int = 150) -> str:
    parts: list[str] = []
    partner_sentences = [s for s in partner.split(". ") if len(s.split()) > 5]
    while sum(len(p.split()) for p in parts) < words:
        if partner_sentences and rng.random() < 0.25:
            parts.append(rng.choice(partner_sentences).rstrip(".") + ".")
        else:
            w, v = rng.sample(_TOPICS, 2)
            parts.append(rng.choice(_SENTENCES).format(w=w, v=v))
        if rng.random() < 0.1:
            parts.append(f"\n\n- {rng.choice(_TOPICS)}\n- {rng.choice(_TOPICS)}\n\n")
    return " ".join(parts)


def conversation(turns: int = 30, seed: int = 7) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out, last_b = [], ""
    for _ in range(turns):
        a = message(rng, last_b)
        b = message(rng, a)
        out.append((a, b))
        last_b = b
    return out


def local_instant_conversation(turns: int = 200) -> list[tuple[str, str]]:
    """The messages of a real `local:instant` conversation, as the runner records them."""
    import asyncio
    import tempfile

    from pidgin_tui.experiments.runner import ExperimentRunner
    from pidgin_tui.experiments.spec import parse_spec
    from pidgin_tui.record.experiment import ExperimentRecord

    spec = parse_spec({"agent_a": "local:instant", "agent_b": "local:instant",
                       "max_turns": turns, "convergence_threshold": None})
    with tempfile.TemporaryDirectory() as tmp:
        runner = ExperimentRunner(spec, Path(tmp), scorer_factory=lambda *_: None)
        experiment = ExperimentRecord.load(asyncio.run(runner.run()).experiment_dir)
    (conv,) = experiment.conversations.values()
    texts: dict[int, dict[str, str]] = {}
    for message in conv.messages:
        texts.setdefault(message.turn_number, {})[message.agent_id] = message.content
    return [(texts[t]["agent_a"], texts[t]["agent_b"]) for t in sorted(texts)]


def tiny_model_conversations() -> list[list[tuple[str, str]]]:
    import json

    data = Path(__file__).resolve().parents[1] / "tests" / "data" / "tiny_model"
    return [[(a, b) for a, b in json.loads(path.read_text(encoding="utf-8"))["turns"]]
            for path in sorted(data.glob("*.json"))]


def measure(name: str, conversations: list[list[tuple[str, str]]], repeats: int) -> None:
    turns = [turn for conv in conversations for turn in conv]
    words = statistics.mean(len(t.split()) for pair in turns for t in pair)
    per_turn: list[float] = []
    cpu_per_turn: list[float] = []
    best_call = [float("inf")] * len(turns)  # each turn's fastest scoring over the repeats
    clock = time.perf_counter
    for _ in range(repeats):
        start, cpu_start = clock(), time.process_time()
        index = 0
        for conv in conversations:
            scorer = make_turn_scorer("balanced")
            for i, (a, b) in enumerate(conv, start=1):
                call = clock()
                metrics, _ = scorer(i, a, b)
                best_call[index] = min(best_call[index], clock() - call)
                index += 1
        per_turn.append((clock() - start) / len(turns))
        cpu_per_turn.append((time.process_time() - cpu_start) / len(turns))
    best_analysis = [float("inf")] * len(turns)
    for _ in range(repeats):
        for index, (a, b) in enumerate(turns):
            call = clock()
            analyze(a)
            analyze(b)
            best_analysis[index] = min(best_analysis[index], clock() - call)
    print(f"{name}: {len(turns)} turns, messages ~{words:.0f} words, "
          f"{len(metrics) - 1} values per turn")
    print(f"  wall: median {statistics.median(per_turn) * 1e3:.3f} ms/turn, "
          f"best {min(per_turn) * 1e3:.3f} ms/turn (goal <= 0.6 ms)")
    print(f"  CPU time (robust when other processes share the cores): median "
          f"{statistics.median(cpu_per_turn) * 1e3:.3f} ms/turn, "
          f"best {min(cpu_per_turn) * 1e3:.3f} ms/turn")
    print(f"  each turn's fastest of the repeats (the most robust under load): "
          f"{sum(best_call) / len(turns) * 1e3:.3f} ms/turn; analysing its two messages "
          f"from scratch alone takes {sum(best_analysis) / len(turns) * 1e3:.3f} ms")


_CONVERSATIONS = {
    "synthetic": lambda: [conversation()],
    "local": lambda: [local_instant_conversation()],
    "tiny": tiny_model_conversations,
}


def main() -> None:
    measure("synthetic ~150-word messages", _CONVERSATIONS["synthetic"](), repeats=15)
    measure("local:instant", _CONVERSATIONS["local"](), repeats=5)
    measure("real tiny-model conversations", _CONVERSATIONS["tiny"](), repeats=15)


def score(name: str, times: int) -> None:
    """Score conversation `name` `times` times, each with a fresh scorer (run by
    `instructions` under callgrind)."""
    conversations = _CONVERSATIONS[name]()
    for _ in range(times):
        for conv in conversations:
            scorer = make_turn_scorer("balanced")
            for i, (a, b) in enumerate(conv, start=1):
                scorer(i, a, b)


def instructions() -> None:
    """Instructions per turn counted by callgrind: scoring each conversation three times
    minus once, halved, so start-up, imports and building the conversation cancel out
    (stable under load, unlike the timings)."""
    import shutil

    from callgrind import callgrind_instructions

    if shutil.which("valgrind") is None:
        print("instructions: valgrind is not installed")
        return

    def count(name: str, times: int) -> int:
        return callgrind_instructions([sys.executable, __file__, "--score", name, str(times)])

    for name, make in _CONVERSATIONS.items():
        turns = sum(map(len, make()))
        per_turn = (count(name, 3) - count(name, 1)) / 2 / turns
        print(f"{name}: {per_turn / 1e6:.2f} M instructions per turn (callgrind)")


def profile(turns: list[tuple[str, str]], top: int = 15) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(10):
        scorer = make_turn_scorer("balanced")
        for i, (a, b) in enumerate(turns, start=1):
            scorer(i, a, b)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    print(f"\ncProfile, 10 × {len(turns)} turns: own time per function, largest first")
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:top]  # type: ignore[attr-defined]
    for (path, line, name), (_cc, calls, own, _cum, _callers) in rows:
        where = f"{Path(path).name}:{line}" if line else "builtin"
        print(f"  {own / total:6.1%}  {calls:>8,} calls  {name} ({where})")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--score"]:
        score(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1:2] == ["--instructions"]:
        instructions()
    else:
        main()
        if "--profile" in sys.argv[1:]:
            profile(conversation())
