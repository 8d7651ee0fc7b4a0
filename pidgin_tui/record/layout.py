"""The layout of the output root and of an experiment directory: every file and folder name.

Directory names built from user-supplied names are always made safe and always stay inside
`experiments/`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

EXPERIMENTS = "experiments"
DATABASE_NAME = "experiments.duckdb"
SEARCH_INDEX_NAME = "search.sqlite"
MANIFEST_NAME = "manifest.json"
EXPERIMENT_EVENTS_NAME = "experiment_events.jsonl"
TRANSCRIPTS_DIR = "transcripts"
SUMMARY_NAME = "summary.md"
README_NAME = "README.md"
NOTEBOOK_NAME = "analysis.ipynb"
POST_PROCESSING_LOG = "post_processing.log"
METRICS_DOC_NAME = "metrics.md"
STATE_LOG_NAME = "manifest_conversations.ndjson"
"""Append-only per-conversation states: the manifest's detail, one line per change."""
LOCK_NAME = "experiment.lock"
"""Held (flock) by the one process writing the experiment."""
TORN_SUFFIX = ".torn"
RESCORED_DIR = "rescored"
"""Scores recomputed after the run (`pidgin-tui rescore`): `rescored/v<metrics version>/` holds
one `conv_<id>_events.jsonl` of TurnComplete and EndStateDetected events per conversation, and
`rescore.json`, a summary. The original events are never rewritten."""
RESCORE_SUMMARY_NAME = "rescore.json"
CONTROL_DIR = "control"
"""Requests to the process running an experiment (stop, pause, interject, ...) and its replies;
transient, not part of the record."""
UNPROCESSED_MARKER = "post_processing.pending"
"""Present from a run's end until its post-processing finished; the next start finishes it."""
"""The metric definitions written beside each experiment README (so its link works offline)."""
_CONV_PREFIX = "conv_"
_CONV_SUFFIX = "_events.jsonl"


def experiments_dir(root: Path) -> Path:
    return root / EXPERIMENTS


def database_path(root: Path) -> Path:
    return experiments_dir(root) / DATABASE_NAME


def search_index_path(root: Path) -> Path:
    """The full-text index of every message (SQLite FTS5), beside the analysis database."""
    return experiments_dir(root) / SEARCH_INDEX_NAME


def active_dir(root: Path) -> Path:
    return experiments_dir(root) / "active"


def logs_dir(root: Path) -> Path:
    return experiments_dir(root) / "logs"


def pid_file(root: Path, experiment_id: str) -> Path:
    return active_dir(root) / f"exp_{experiment_id}.pid"


def log_file(root: Path, experiment_id: str) -> Path:
    return logs_dir(root) / f"experiment_{experiment_id}.log"


def launch_spec_file(root: Path, experiment_id: str) -> Path:
    """The spec a detached run launched from the app reads (kept beside its log)."""
    return logs_dir(root) / f"experiment_{experiment_id}.spec.yaml"


def conversation_jsonl_name(conversation_id: str) -> str:
    return f"{_CONV_PREFIX}{conversation_id}{_CONV_SUFFIX}"


def conversation_id_of(path: Path) -> str | None:
    """The conversation id a conversation JSONL file is named after, or None for other files
    (and for `conv__events.jsonl`, which names none: the writer then keeps the id in each line,
    as the importer, which reads ids from file names too, expects)."""
    name = path.name
    if name.startswith(_CONV_PREFIX) and name.endswith(_CONV_SUFFIX):
        return name[len(_CONV_PREFIX):-len(_CONV_SUFFIX)] or None
    return None


def torn_path(jsonl: Path) -> Path:
    """Where the torn last lines of a conversation JSONL are kept, next to it."""
    return jsonl.with_name(jsonl.name + TORN_SUFFIX)


def conversation_files(experiment_dir: Path) -> list[Path]:
    """Every conversation JSONL file of an experiment, sorted by name."""
    return sorted(experiment_dir.glob(f"{_CONV_PREFIX}*{_CONV_SUFFIX}"))


def rescore_dir(experiment_dir: Path, metrics_version: int) -> Path:
    """Where a rescore with `metrics_version` writes its files."""
    return experiment_dir / RESCORED_DIR / f"v{metrics_version}"


def _rescore_version(path: Path) -> int:
    name = path.name
    return int(name[1:]) if name[:1] == "v" and name[1:].isdigit() else -1


def rescore_versions(experiment_dir: Path) -> list[int]:
    """The metrics versions an experiment was rescored with, oldest first."""
    parent = experiment_dir / RESCORED_DIR
    if not parent.is_dir():
        return []
    return sorted(v for v in map(_rescore_version, parent.iterdir()) if v >= 0)


def rescored_file(conversation_jsonl: Path) -> Path | None:
    """The newest rescore of a conversation (by metrics version), or None when it has none."""
    versions = rescore_versions(conversation_jsonl.parent)
    for version in reversed(versions):
        path = rescore_dir(conversation_jsonl.parent, version) / conversation_jsonl.name
        if path.is_file():
            return path
    return None


def control_dir(experiment_dir: Path) -> Path:
    return experiment_dir / CONTROL_DIR


def control_requests_dir(experiment_dir: Path) -> Path:
    return control_dir(experiment_dir) / "requests"


def control_replies_dir(experiment_dir: Path) -> Path:
    return control_dir(experiment_dir) / "replies"


def control_listener_file(experiment_dir: Path) -> Path:
    """Says which process answers the experiment's control requests while its run lives."""
    return control_dir(experiment_dir) / "listener.json"


LIVE_TEXT_PREFIX = "live_"


def control_live_text_file(experiment_dir: Path, conversation_id: str, *,
                           thinking: bool = False) -> Path:
    """The text (or the thinking) of a conversation's message in progress, while a detached run
    streams it."""
    kind = ".thinking" if thinking else ""
    return control_dir(experiment_dir) / f"{LIVE_TEXT_PREFIX}{conversation_id}{kind}.txt"


def control_live_text_files(experiment_dir: Path) -> list[Path]:
    """Every live-text file in the experiment's control folder."""
    try:
        return sorted(control_dir(experiment_dir).glob(f"{LIVE_TEXT_PREFIX}*.txt"))
    except OSError:
        return []


def unprocessed_marker(experiment_dir: Path) -> Path:
    return experiment_dir / UNPROCESSED_MARKER


def transcripts_dir(experiment_dir: Path) -> Path:
    return experiment_dir / TRANSCRIPTS_DIR


def transcript_path(experiment_dir: Path, conversation_id: str) -> Path:
    return transcripts_dir(experiment_dir) / f"{_CONV_PREFIX}{conversation_id}.md"


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_slug(name: str, max_length: int = 48) -> str:
    """A filesystem-safe form of a user-supplied name: ASCII letters, digits, `.`, `_`, `-`.

    Quotes, slashes, `..`, control characters and emoji are removed or replaced, so the result can
    never climb out of its parent directory. Empty results become `experiment`.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = _UNSAFE.sub("-", ascii_name).strip("-.")
    slug = re.sub(r"\.{2,}", ".", slug)
    slug = re.sub(r"-{2,}", "-", slug)[:max_length].strip("-.")
    return slug or "experiment"


def experiment_dir_name(experiment_id: str, name: str, when: datetime | None = None) -> str:
    stamp = (when or datetime.now(UTC)).strftime("%Y%m%d")
    return f"experiment_{experiment_id}_{safe_slug(name)}_{stamp}"


def experiment_id_of_dir(path: Path) -> str:
    """The experiment id an experiment directory is named after (`experiment_<id>_...`)."""
    parts = path.name.split("_")
    return parts[1] if len(parts) > 2 and parts[0] == "experiment" else path.name


def new_experiment_dir(root: Path, experiment_id: str, name: str) -> Path:
    """Create and return a fresh experiment directory, guaranteed to be inside `experiments/`."""
    parent = experiments_dir(root).resolve()
    path = (parent / experiment_dir_name(experiment_id, name)).resolve()
    if path.parent != parent:
        raise ValueError(f"experiment directory would escape {parent}: {name!r}")
    path.mkdir(parents=True, exist_ok=False)
    return path


class ExperimentNotFound(LookupError):
    """No experiment, or more than one, matches a reference."""


def experiment_dirs(root: Path) -> list[Path]:
    """Every experiment directory under the output root, oldest name first."""
    parent = experiments_dir(root)
    if not parent.is_dir():
        return []
    return sorted(p for p in parent.iterdir() if p.is_dir()
                  and p.name.startswith("experiment_") and (p / MANIFEST_NAME).exists())
