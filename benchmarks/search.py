"""Full-text search over 10,000 conversations of 10 turns (200,000 messages).

Lays out the experiments as JSONL (synthetic text from a 33-word vocabulary, so each of those
words matches most messages; "consciousness" is planted in every message of one conversation in
five, "axolotl" in one message of one conversation in fifty), builds the index from the files
(`refresh`, what post-processing and `pidgin-tui index` do), then times queries (each opens the
index, counts, ranks, makes snippets) and a refresh with nothing new (what each search pays to
pick up live runs).

    python benchmarks/search.py [--experiments 100] [--conversations 100] [--turns 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pidgin_tui.experiments.synthetic import (  # noqa: E402
    conversation_events,
    write_experiment,
    write_jsonl,
)
from pidgin_tui.record.layout import conversation_jsonl_name  # noqa: E402
from pidgin_tui.search.index import refresh  # noqa: E402
from pidgin_tui.search.query import search  # noqa: E402


def timed(label: str, call: object, repeat: int = 7) -> float:
    times = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    median = statistics.median(times)
    matched = f"{result.total} matches" if hasattr(result, "total") else ""
    print(f"{label:<52} median {median:7.1f} ms  (min {min(times):.1f}, max {max(times):.1f})"
          f"  {matched}")
    return median


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--experiments", type=int, default=100)
    parser.add_argument("--conversations", type=int, default=100)
    parser.add_argument("--turns", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "out"
        started = time.perf_counter()
        for number in range(args.experiments):
            exp_id = f"b{number:05d}"
            path = write_experiment(root, exp_id, "bench", conversations=0, turns=args.turns)
            for conv in range(args.conversations):
                conv_id = f"{exp_id}_{conv + 1:04d}"
                planted = {turn: "consciousness" for turn in range(args.turns)} \
                    if conv % 5 == 0 else {}
                if conv % 50 == 1:
                    planted[3] = "axolotl"
                write_jsonl(path / conversation_jsonl_name(conv_id),
                            conversation_events(exp_id, conv_id, args.turns, phrases=planted))
        total = args.experiments * args.conversations
        print(f"{total} conversations x {args.turns} turns written in "
              f"{time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        report = refresh(root)
        print(f"index built: {report.summary()} in {time.perf_counter() - started:.1f} s")
        for label, query in (("word in 10% of messages", "consciousness"),
                             ("word in 1 message in 1,000", "axolotl"),
                             ("word in ~70% of messages (not ranked)", "signal"),
                             ("two words", "consciousness lantern"),
                             ("phrase", '"lantern map"'), ("prefix", "consc*")):
            timed(f"{label} ({query})", lambda q=query: search(root, q))
        timed("refresh with nothing new", lambda: refresh(root), repeat=3)


if __name__ == "__main__":
    main()
