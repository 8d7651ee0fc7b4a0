"""Benchmark: CPU to read one 200-turn conversation file (schema version 3, with metrics).

Writes the file with the tracker's writer (the synthetic conversation of
benchmarks/import_rate.py: every message, usage and a TurnCompleteEvent with all metrics of the
current version), then reads it back many times through the one reader and
`ConversationRecord`, and prints the median CPU time per read (process time: steadier than wall
time on a shared machine).

    /work/venv/bin/python benchmarks/read_record.py [turns]

Measured 2026-12-02 on the shared 2-core machine, alternating with the reader before, loads
3.4-6 (ms of CPU per read, before -> after):
- `read_all_events`: 13.3-14.6 -> 10.4-12.3 (a compact line's time is found once and spelled
  out from a per-millisecond cache; the fields it left out are put back after one type check);
- `read_all_events(metrics=False)`: 7.1-8.1 (a turn's positional metrics, ~860 of its ~1,000
  bytes and 2-3 ms of a read, are neither parsed nor unpacked into a dict);
- `ConversationRecord.read` with detail (transcripts, reports): 14.6-17.4 -> 12.8-14.4;
- without detail (the monitor's tails, post-processing's records): 14.9-18.9 -> 9.1-10.5.
Schema version 2 read in ~6 ms at load ~1: a version-3 line leaves its time and model to its
file's first line. What remains with detail is the metrics' unpacking (`core.events`, a dict of
~170 values a turn) and decoding itself.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_rate import write_experiment  # noqa: E402

from pidgin_tui.record.conversation import ConversationRecord  # noqa: E402
from pidgin_tui.record.jsonl import read_all_events  # noqa: E402
from pidgin_tui.record.layout import conversation_files  # noqa: E402

READS = 40


def cpu_ms(read: Callable[[], object]) -> float:
    """The median CPU time of `READS` calls, in milliseconds."""
    times = []
    for _ in range(READS):
        started = time.process_time()
        read()
        times.append(time.process_time() - started)
    return statistics.median(times) * 1000


def main() -> None:
    turns = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as tmp:
        experiment, _ = write_experiment(Path(tmp), 1, turns)
        path = conversation_files(experiment)[0]
        events = len(read_all_events(path).events)
        print(f"one {turns}-turn conversation: {path.stat().st_size:,} bytes, {events} events "
              f"(median CPU of {READS} reads; 1-minute load "
              f"{Path('/proc/loadavg').read_text().split()[0]})")
        for name, read in (
                ("read_all_events", lambda: read_all_events(path)),
                ("read_all_events(metrics=False)", lambda: read_all_events(path, metrics=False)),
                ("ConversationRecord.read (detail)", lambda: ConversationRecord.read(path)),
                ("ConversationRecord.read (no detail)",
                 lambda: ConversationRecord.read(path, detail=False))):
            print(f"  {name:<38} {cpu_ms(read):6.2f} ms")


if __name__ == "__main__":
    main()
