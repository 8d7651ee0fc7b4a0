"""Every path the app uses: output root, experiment directories, config dir.

The output root is `--output`, else `$PIDGIN_OUTPUT_DIR`, else the platformdirs user data dir.
Directory names built from user-supplied names are always made safe and always stay inside
`experiments/`.
"""

from __future__ import annotations

import os
import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

APP_NAME = "pidgin-tui"
EXPERIMENTS = "experiments"
DATABASE_NAME = "experiments.duckdb"
MANIFEST_NAME = "manifest.json"
EXPERIMENT_EVENTS_NAME = "experiment_events.jsonl"
METRICS_DOC_NAME = "metrics.md"
"""The metric definitions written beside each experiment README (so its link works offline)."""


def output_root(cli_value: str | os.PathLike[str] | None = None) -> Path:
    if cli_value:
        return Path(cli_value).expanduser().resolve()
    env = os.environ.get("PIDGIN_OUTPUT_DIR")
    if env:
        return Path(env).expanduser().resolve()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """`$PIDGIN_CONFIG_DIR`, else the platformdirs user config dir."""
    env = os.environ.get("PIDGIN_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False))


def experiments_dir(root: Path) -> Path:
    return root / EXPERIMENTS


def database_path(root: Path) -> Path:
    return experiments_dir(root) / DATABASE_NAME


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
    return f"conv_{conversation_id}_events.jsonl"


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


def resolve_experiment(root: Path, reference: str) -> Path:
    """Find an experiment by directory path, id, unique id prefix, name or directory name."""
    import json

    candidate = Path(reference).expanduser()
    if candidate.is_dir() and (candidate / MANIFEST_NAME).exists():
        return candidate.resolve()
    matches: list[Path] = []
    prefix_matches: list[Path] = []
    for path in experiment_dirs(root):
        try:
            manifest = json.loads((path / MANIFEST_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {}
        if not isinstance(manifest, dict):
            manifest = {}  # JSON but not an object: a damaged manifest matches by directory only
        exp_id = str(manifest.get("experiment_id", ""))
        if reference in (exp_id, manifest.get("name"), path.name):
            matches.append(path)
        elif exp_id.startswith(reference) or path.name.startswith(reference):
            prefix_matches.append(path)
    found = matches or prefix_matches
    if len(found) == 1:
        return found[0]
    if not found:
        raise ExperimentNotFound(f"no experiment matches {reference!r} in {experiments_dir(root)}")
    names = ", ".join(p.name for p in found[:5])
    raise ExperimentNotFound(f"{reference!r} matches {len(found)} experiments ({names}); "
                             "use the id or directory")
