"""Benchmark: bytes of JSONL one 200-turn `local:instant` conversation writes, metrics included.

Runs the real ExperimentRunner (per-turn metrics on) and prints the conversation file's size,
its share per event type, and how long the one reader takes to read it back. Goal: <= 0.5 MB.

    /work/venv/bin/python benchmarks/jsonl_size.py [turns]

Measured 2026-12-02 (schema version 3, load average 6.8): 489,257 bytes (488,154 in another
run: the relative times grow a digit on a slower run). By event type: TurnCompleteEvent
200,681 (the metrics array ~860 bytes a turn), MessageCompleteEvent 133,100 (the text ~385 a
turn), MessageRequestEvent 82,887, TokenUsageEvent 57,799, TurnStartEvent 13,608, the rest
~1,200. Schema version 2 wrote 648,693 bytes: a line repeated its `timestamp` (39 bytes) and
`schema_version` (19), and requests, messages and usages their model, effective settings and
provider; a line now leaves those to its file's first line (`record.compact`).
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
