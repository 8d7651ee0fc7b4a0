"""Benchmark: the built-in sentiment lexicon against VADER (vaderSentiment), cost and agreement.

The figures behind the sentiment choice in docs/metrics.md: what a second, VADER-based column
would cost per message, how often the two agree on the sign of real and labelled messages, and
how each does on short probes whose sign a reader agrees on (negation, contrast, intensity).
vaderSentiment is not a dependency of pidgin-tui; to reproduce, install it beside:

    pip install --target /tmp/vader vaderSentiment==3.3.2
    PYTHONPATH=/tmp/vader python benchmarks/sentiment_choice.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from metrics_per_turn import conversation  # noqa: E402

from pidgin_tui.metrics.text import analyze  # noqa: E402
from tests.metrics.validation_sets import (  # noqa: E402
    convergence_pairs,
    synthetic_conversations,
    tiny_model_conversations,
)

PROBES: tuple[tuple[str, int], ...] = (
    ("This is a wonderful idea and I love it.", 1),
    ("That was a terrible, painful experience.", -1),
    ("It is not good at all.", -1),
    ("Not bad, honestly.", 1),
    ("I don't think this is a problem.", 1),
    ("Shapes can exist without rhythm. I'm curious what you think.", 1),
    ("I hardly enjoyed it.", -1),
    ("The idea is clever, but the execution is awful.", -1),
    ("The execution is awful, but the idea is brilliant.", 1),
    ("I'm so grateful for this beautiful conversation!", 1),
    ("I feel lost and tired.", -1),
    ("Thank you, this was really helpful.", 1),
    ("Nothing here works and I'm frustrated.", -1),
    ("What a fascinating, vivid image.", 1),
    ("I am sorry, that was wrong of me.", -1),
    ("This is NOT what I hoped for.", -1),
    ("Never have I felt so peaceful.", 1),
    ("The chaos made everything worse.", -1),
    ("Your kindness means a lot to me.", 1),
    ("No, I do not like it.", -1),
)
"""Short messages with the sign a reader gives them."""


def messages() -> list[str]:
    out = [t for conv in tiny_model_conversations() + synthetic_conversations()
           for turn in conv.turns for t in turn]
    out += [t for pairs in convergence_pairs().values() for pair in pairs for t in pair]
    return [t for t in dict.fromkeys(out) if t.strip()]


def sign(x: float, dead_zone: float = 0.0) -> int:
    return 0 if abs(x) <= dead_zone else (1 if x > 0 else -1)


def best_cost(fn, texts: list[str], repeats: int = 7) -> float:  # type: ignore[no-untyped-def]
    """Best CPU seconds per text over the repeats."""
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        for text in texts:
            fn(text)
        best = min(best, time.process_time() - start)
    return best / len(texts)


def main() -> None:
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        sys.exit("vaderSentiment is not installed: see this script's docstring")
    vader = SentimentIntensityAnalyzer()
    ours = lambda text: analyze(text).metrics["sentiment"]  # noqa: E731
    theirs = lambda text: vader.polarity_scores(text)["compound"]  # noqa: E731

    prose = [t for turn in conversation() for t in turn]
    print(f"cost per ~150-word message (CPU, best of 7): VADER "
          f"{best_cost(theirs, prose) * 1e3:.3f} ms; the whole built-in analysis (all 70 "
          f"per-message metrics) {best_cost(analyze, prose) * 1e3:.3f} ms")

    texts = messages()
    a, b = [ours(t) for t in texts], [theirs(t) for t in texts]
    # VADER's own convention: compound within ±0.05 is neutral.
    same = sum(sign(x) == sign(y, 0.05) for x, y in zip(a, b, strict=True))
    both = [(x, y) for x, y in zip(a, b, strict=True) if sign(x) and sign(y, 0.05)]
    opposite = sum(sign(x) != sign(y, 0.05) for x, y in both)
    print(f"{len(texts)} distinct messages of tests/data (tiny-model, labelled end states, "
          f"convergence pairs): same sign (neutral included) {same / len(texts):.0%}; "
          f"both non-neutral {len(both)}, of which opposite signs {opposite}; "
          f"Pearson r {statistics.correlation(a, b):.2f}")

    for name, fn, dead_zone in (("built-in", ours, 0.0), ("VADER", theirs, 0.05)):
        right = [text for text, expected in PROBES if sign(fn(text), dead_zone) == expected]
        wrong = [text for text, _ in PROBES if text not in right]
        print(f"{name}: {len(right)}/{len(PROBES)} probes with the reader's sign; wrong: "
              + "; ".join(repr(t) for t in wrong))


if __name__ == "__main__":
    main()
