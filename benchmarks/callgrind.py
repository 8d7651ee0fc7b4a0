"""Instruction counts from callgrind: steady under load, unlike the timings (benchmarks only)."""

from __future__ import annotations

import os
import re
import subprocess
import sys


def callgrind_instructions(command: list[str]) -> int:
    """Instructions a whole process executes (`PYTHONHASHSEED=0`, so set and dict layouts are
    the same from run to run); exits with one line if valgrind fails."""
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                           *command], capture_output=True, text=True,
                          env={**os.environ, "PYTHONHASHSEED": "0"})
    counts = re.findall(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or not counts:
        sys.exit(f"callgrind failed on {' '.join(command[1:3])} (exit {done.returncode})")
    return int(counts[-1])
