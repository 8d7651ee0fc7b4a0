"""Benchmark: bytes of JSONL one 200-turn `local:instant` conversation writes, metrics included.

Runs the real ExperimentRunner (per-turn metrics on) and prints the conversation file's size,
its share per event type, and how long the one reader takes to read it back. Goal: <= 0.5 MB.

    /work/venv/bin/python benchmarks/jsonl_size.py [turns]

Measured 2026-12-01 (schema version 2): 648,693 bytes. Of a turn's ~3,240 bytes, the metrics
array is ~860 and the messages' text ~385; the rest is per-line overhead (each line's type,
timestamp, seq and schema version is ~100 bytes, 8 lines a turn). Changes local to a line
(dropping null `effective` entries, a provider the model names, shorter keys) reach ~540 KB;
<= 0.5 MB needs a line to leave to its file's first line what it states (timestamps relative to
the conversation's start, models and effective settings equal to the start's).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pidgin_tui.experiments.runner import ExperimentRunner  # noqa: E402
from pidgin_tui.experiments.spec import parse_spec  # noqa: E402
from pidgin_tui.record.conversation import ConversationRecord  # noqa: E402
from pidgin_tui.record.layout import conversation_files  # noqa: E402


def main() -> None:
    turns = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    spec = parse_spec({"agent_a": "local:instant", "agent_b": "local:instant",
                       "max_turns": turns, "repetitions": 1, "name": "jsonl-size",
                       "convergence_threshold": 1.0})
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(ExperimentRunner(spec, Path(tmp)).run())
        path = conversation_files(result.experiment_dir)[0]
        data = path.read_bytes()
        by_type: Counter[str] = Counter()
        for line in data.splitlines():
            by_type[line[15:line.index(b'"', 15)].decode()] += len(line) + 1
        start = time.perf_counter()
        record = ConversationRecord.read(path)
        read_s = time.perf_counter() - start
    print(f"one {turns}-turn local:instant conversation with metrics: {len(data):,} bytes "
          f"({len(data) / 1e6:.3f} MB; goal <= 0.5 MB for 200 turns)")
    for name, size in by_type.most_common():
        print(f"  {name:<28} {size:>10,} bytes")
    print(f"read back by ConversationRecord in {read_s * 1000:.1f} ms: "
          f"{record.turns_completed} turns, status {record.status}")


if __name__ == "__main__":
    main()
