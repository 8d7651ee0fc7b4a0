"""What is damaged in an experiment, and what `resume` and `import` would do about it.

The body of `pidgin-tui doctor`. It only reads: it never takes the lock, never moves a torn
line, never writes a file.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pidgin_tui.record.damage import Diagnosis, diagnose
from pidgin_tui.record.lock import holder_pid

EXAMPLES = 5
"""Conversations named per kind of resume action; the rest are counted."""


@dataclass(slots=True)
class Checkup:
    diagnosis: Diagnosis
    writer_pid: int | None = None
    resume: list[str] = field(default_factory=list)
    """What resume would do, one line each."""
    import_: str = ""

    @property
    def damaged(self) -> bool:
        return bool(self.diagnosis.damage)

    @property
    def verdict(self) -> str:
        if self.damaged:
            return "damaged"
        if self.writer_pid is not None:
            return f"being written by pid {self.writer_pid}"
        return "needs resume" if self.resume and not self.resume[0].startswith("nothing") \
            else "ok"

    def as_dict(self) -> dict[str, Any]:
        return {"experiment": self.diagnosis.experiment_dir.name, "verdict": self.verdict,
                "damage": self.diagnosis.damage, "writer_pid": self.writer_pid,
                "torn": {r.path.name: r.torn_bytes for r in self.diagnosis.torn},
                "resume": self.resume, "import": self.import_}


def check(experiment_dir: Path, output_root: Path) -> Checkup:
    from pidgin_tui.experiments.runner import ExperimentRunner

    runner = None
    planned: list[str] = []
    why_not: str | None = None
    try:
        runner = ExperimentRunner.for_existing(experiment_dir, output_root)
        planned = runner.conversation_ids()
    except Exception as exc:  # noqa: BLE001 - any unusable manifest or spec is a finding
        why_not = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    checkup = Checkup(diagnose(experiment_dir, planned), holder_pid(experiment_dir))
    manifest_problem = checkup.diagnosis.manifest_problem
    if manifest_problem or runner is None:
        checkup.resume = [f"refuse: {manifest_problem or why_not} (restore or fix the manifest)"]
    elif checkup.writer_pid is not None:
        checkup.resume = [f"refuse: pid {checkup.writer_pid} is writing it now"]
    else:
        checkup.resume = _resume_plan(runner)
    checkup.import_ = _import_plan(checkup.diagnosis)
    return checkup


def _resume_plan(runner: Any) -> list[str]:
    saved = runner.saved_conversations()
    by_kind: dict[str, list[str]] = {}
    for cid, conversation in saved.items():
        if conversation.resumable:
            action = conversation.describe()
            by_kind.setdefault(action.split(" (")[0].split(" at ")[0], []).append(
                f"{cid}: {action}")
    if not by_kind:
        return ["nothing: every conversation ended on purpose"]
    lines = []
    for kind, items in by_kind.items():
        more = f" … and {len(items) - EXAMPLES} more" if len(items) > EXAMPLES else ""
        lines.append(f"{kind} {len(items)}: " + "; ".join(items[:EXAMPLES]) + more)
    torn = sum(1 for s in saved.values() if s.resumable and s.torn_bytes)
    if torn:
        lines.append(f"move {torn} torn last line(s) into .torn files first")
    return lines


def _import_plan(diagnosis: Diagnosis) -> str:
    readable = [r for r in diagnosis.files if r.problem is None]
    events = sum(r.events for r in readable)
    unreadable = sum(len(r.unreadable) for r in readable)
    torn = len(diagnosis.torn)
    text = f"load {events} events from {len(readable)} conversation file(s)"
    skipped = Counter({"unreadable line(s)": unreadable, "torn last line(s)": torn})
    if +skipped:
        text += "; skip " + ", ".join(f"{n} {what}" for what, n in (+skipped).items())
    if diagnosis.manifest_problem:
        text += "; take the experiment id from the events (the manifest is unusable)"
    return text
