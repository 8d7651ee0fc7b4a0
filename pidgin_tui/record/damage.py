"""Damage reports: what is wrong with one experiment directory, said in one line per problem.

Damage is contained to its experiment: a reader that meets a damaged manifest or file reports
the experiment as `damaged` (with the first reason) and carries on with the others. Two depths:

- `quick_damage`: the manifest, a `stat` of each conversation file the manifest lists, and the
  event lines written since the last look (`line_problem` remembers how far it read, and
  `line_scans` keeps that for the next process while the file is unchanged); cheap enough for
  `list`, `monitor` and the app on every refresh.
- `diagnose`: also reads every event line (`pidgin-tui doctor`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from pidgin_tui.record import line_scans
from pidgin_tui.record.jsonl import read_all_events, read_events
from pidgin_tui.record.layout import MANIFEST_NAME, conversation_jsonl_name
from pidgin_tui.record.manifest import decode_manifest, with_conversations
from pidgin_tui.record.manifest_types import Manifest, validation_line

_EXPECTED: dict[str, tuple[type, ...]] = {
    "experiment_id": (str,), "name": (str,), "status": (str,), "config": (dict,),
    "total_conversations": (int,), "completed_conversations": (int,),
    "failed_conversations": (int,), "interrupted_conversations": (int,),
    "total_turns": (int,), "conversations": (dict,),
}
"""Manifest fields every reader relies on, with the JSON types they must have (every other
field is checked against its type in `Manifest`, and may be absent)."""
_JSON_TYPE = {dict: "an object", list: "an array", str: "a string", int: "an integer",
              float: "a number", bool: "true/false", type(None): "null"}


def _kind(value: object) -> str:
    return _JSON_TYPE.get(type(value), type(value).__name__)


def manifest_problem(data: object) -> str | None:
    """Why a decoded manifest cannot be used, or None when it can."""
    if not isinstance(data, dict):
        return f"{MANIFEST_NAME}: {_kind(data)}, not an object"
    for key, types in _EXPECTED.items():
        value = data.get(key)
        if key not in data:
            return f"{MANIFEST_NAME}: the field {key} is missing"
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            return f"{MANIFEST_NAME}: {key} is {_kind(value)}, expected {_kind(types[0]())}"
    return None


def load_manifest(experiment_dir: Path) -> tuple[Manifest | None, str | None]:
    """(manifest, None) when usable, else (None, the reason in one line)."""
    path = experiment_dir / MANIFEST_NAME
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, f"{MANIFEST_NAME}: missing"
    except OSError as exc:
        return None, f"{MANIFEST_NAME}: cannot be read ({exc.strerror or exc})"
    if not raw.strip():
        return None, f"{MANIFEST_NAME}: empty file"
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        return None, f"{MANIFEST_NAME}: not valid JSON ({exc})"
    if isinstance(data, dict):
        data = with_conversations(data, experiment_dir)
    problem = manifest_problem(data)
    if problem:
        return None, problem
    try:
        return decode_manifest(data), None
    except msgspec.ValidationError as exc:
        return None, f"{MANIFEST_NAME}: {validation_line(exc)}"


def file_problem(path: Path) -> str | None:
    """A conversation file that is missing or empty (one `stat`)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return f"{path.name}: missing (the manifest says the conversation started)"
    except OSError as exc:
        return f"{path.name}: cannot be read ({exc.strerror or exc})"
    return f"{path.name}: empty file" if size == 0 else None


@dataclass(slots=True)
class _LineScan:
    """How far `line_problem` has read one file, and the first bad line it met."""

    identity: tuple[int, int]
    offset: int = 0
    next_line: int = 1
    problem: str | None = None


_SCANNED: dict[Path, _LineScan] = {}
"""Per conversation file: a file only grows, so each look reads just the bytes appended since."""


def line_problem(path: Path) -> str | None:
    """`<file>: line N: why` for the first complete event line that is not a valid event.

    A torn last line (no newline yet: a writer mid-line, or a crash) is not a problem here:
    resume moves it aside. Reads only what was appended since the previous call for `path`.
    """
    try:
        st = path.stat()
    except OSError:
        return None  # `file_problem` reports a missing or unreadable file
    identity = (st.st_dev, st.st_ino)
    scan = _SCANNED.get(path)
    if scan is None or scan.identity != identity or st.st_size < scan.offset:
        # New to this process, replaced or cut short: as an earlier process left it, if the
        # file has not changed since, else from the top.
        known = line_scans.recall(path, st)
        scan = _SCANNED[path] = _LineScan(identity) if known is None else \
            _LineScan(identity, known.offset, known.next_line, known.problem)
    if scan.problem is None and st.st_size > scan.offset:
        read = read_events(path, scan.offset, first_line_number=scan.next_line)
        scan.offset, scan.next_line = read.offset, scan.next_line + read.complete_lines
        if read.errors:
            scan.problem = f"{path.name}: {read.errors[0]}"
        if read.complete_lines:
            line_scans.remember(path, st, scan.offset, scan.next_line, scan.problem)
    return scan.problem


def quick_damage(experiment_dir: Path, manifest: Manifest | None,
                 problem: str | None = None) -> str | None:
    """The first reason the experiment is damaged: its manifest, then each conversation file
    (missing or empty, then its first unreadable event line)."""
    if manifest is None:
        return problem or load_manifest(experiment_dir)[1]
    for conversation_id in manifest.conversations:
        path = experiment_dir / conversation_jsonl_name(str(conversation_id))
        found = file_problem(path) or line_problem(path)
        if found:
            return found
    return None


@dataclass(slots=True)
class FileReport:
    """One conversation file, read line by line."""

    path: Path
    events: int = 0
    unreadable: list[str] = field(default_factory=list)
    """`line N: why` for complete lines that are not valid events."""
    torn_bytes: int = 0
    problem: str | None = None
    """Missing or empty."""


@dataclass(slots=True)
class Diagnosis:
    experiment_dir: Path
    manifest: Manifest | None
    manifest_problem: str | None = None
    files: list[FileReport] = field(default_factory=list)

    @property
    def damage(self) -> list[str]:
        """Every problem, one line each (torn last lines are a crash's trace, not damage)."""
        lines = [self.manifest_problem] if self.manifest_problem else []
        for report in self.files:
            if report.problem:
                lines.append(report.problem)
            lines += [f"{report.path.name}: {why}" for why in report.unreadable]
        return lines

    @property
    def torn(self) -> list[FileReport]:
        return [r for r in self.files if r.torn_bytes]


def diagnose(experiment_dir: Path, conversation_ids: list[str] | None = None) -> Diagnosis:
    """Read the whole experiment: its manifest and every conversation file.

    `conversation_ids` are the planned conversations (from the spec); files of unplanned ids
    found on disk are read too.
    """
    manifest, problem = load_manifest(experiment_dir)
    diagnosis = Diagnosis(experiment_dir, manifest, problem)
    started = set(manifest.conversations) if manifest else set()
    names = {conversation_jsonl_name(cid) for cid in (conversation_ids or [])} | \
        {conversation_jsonl_name(str(cid)) for cid in started} | \
        {p.name for p in experiment_dir.glob(conversation_jsonl_name("*"))}
    for name in sorted(names):
        path = experiment_dir / name
        report = FileReport(path)
        if not path.exists() and not any(name == conversation_jsonl_name(str(c))
                                          for c in started):
            continue  # planned but never begun: nothing to report
        report.problem = file_problem(path)
        if report.problem is None:
            read = read_all_events(path)
            report.events, report.unreadable = len(read.events), list(read.errors)
            report.torn_bytes = read.partial_tail_bytes
        diagnosis.files.append(report)
    return diagnosis
