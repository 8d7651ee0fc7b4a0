"""Command palette entries: every key binding of the app and of the current screen, and resume/
post-process/README commands for recent experiments.

Built from the bindings themselves, so a new binding is a new command without extra code.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen

from pidgin_tui.core.types import Status

SKIPPED_ACTIONS = frozenset({"command_palette"})
"""Actions that make no sense as commands (the palette itself)."""


def _bindings(node: DOMNode) -> Iterator[Binding]:
    for binding in getattr(type(node), "BINDINGS", []):
        if isinstance(binding, Binding) and binding.action not in SKIPPED_ACTIONS:
            yield binding


def _key_name(app: App[Any], binding: Binding) -> str:
    return app.get_key_display(binding)


def app_commands(app: App[Any], screen: Screen[Any]) -> Iterator[SystemCommand]:
    """The current screen's commands first, then the app's, each labelled with its key."""
    seen: set[str] = set()
    for node, group in ((screen, getattr(screen, "BINDING_GROUP_TITLE", None) or "Screen"),
                        (app, "App")):
        for binding in _bindings(node):
            title = binding.description or binding.action
            if title in seen or title in ("Quit", "Theme"):  # the built-in ones call ours
                continue
            seen.add(title)
            help_text = f"{binding.tooltip or title} · {_key_name(app, binding)} · {group}"
            yield SystemCommand(title, help_text, partial(app.run_action, binding.action, node))


PALETTE_EXPERIMENTS = 20
"""How many of the most recently written experiments get resume/post-process/README commands."""


def experiment_commands(app: Any) -> Iterator[SystemCommand]:
    """`Resume …` for each recent interrupted (or paused) experiment, `Post-process …` for
    each recent ended one, except those running in this app, and `README …` for each one
    post-processing has written a README for."""
    from textual.markup import escape

    from pidgin_tui.experiments.discovery import recent_experiments
    from pidgin_tui.record.layout import README_NAME
    from pidgin_tui.tui.screens.readme import open_readme

    running = {run.runner.experiment_id for run in app.running_runs}
    for info in recent_experiments(app.output_root, PALETTE_EXPERIMENTS):
        label = f"{escape(info.name)} · {info.experiment_id}"
        if (info.path / README_NAME).is_file():
            yield SystemCommand(f"README {label}", "Read the README post-processing wrote",
                                partial(open_readme, app, info.path))
        if info.experiment_id in running or info.damage or \
                info.status in (Status.CREATED, Status.RUNNING):
            continue
        if info.status == Status.INTERRUPTED:
            yield SystemCommand(f"Resume {label}", "Continue its paused or interrupted "
                                "conversations in this app", partial(_resume, app, info.path))
        yield SystemCommand(f"Post-process {label}", "Import, write transcripts, README, "
                            "notebook and search index again",
                            partial(_post_process, app, info.experiment_id, info.path))


def _resume(app: Any, path: Any) -> None:
    app.notify(app.resume_experiment(path), title="Resume", markup=False)


def _post_process(app: Any, experiment_id: str, path: Any) -> None:
    queued = app.post_process_experiment(experiment_id, path)
    app.notify(f"Post-processing {experiment_id}…" if queued else
               f"{experiment_id} is already waiting for post-processing.",
               title="Post-process", markup=False)
