"""Finding an experiment in the output root from what a person types: a path, an id, a unique id
prefix, a name or a directory name (it reads each experiment's manifest)."""

from __future__ import annotations

from pathlib import Path

from pidgin_tui.record.layout import (
    MANIFEST_NAME,
    ExperimentNotFound,
    experiment_dirs,
    experiment_id_of_dir,
    experiments_dir,
)
from pidgin_tui.record.manifest import Manifest, read_manifest


def resolve_experiment(root: Path, reference: str) -> Path:
    """Find an experiment by directory path, id, unique id prefix, name or directory name."""
    candidate = Path(reference).expanduser()
    if candidate.is_dir() and (candidate / MANIFEST_NAME).exists():
        from pidgin_tui.record.upstream import upstream_hint

        hint = upstream_hint(candidate)  # never read (or write beside) upstream data as ours
        if hint:
            raise ExperimentNotFound(hint)
        return candidate.resolve()
    matches: list[Path] = []
    prefix_matches: list[Path] = []
    for path in experiment_dirs(root):
        manifest = read_manifest(path, conversations=False) or Manifest()  # damaged: by its dir
        exp_id = manifest.experiment_id or experiment_id_of_dir(path)
        if reference in (exp_id, manifest.name, path.name):
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
