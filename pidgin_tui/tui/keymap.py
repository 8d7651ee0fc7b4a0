"""The user's `[keymap]` from config.toml: binding id = keys, applied through Textual's keymap.

`[keymap]` remaps any binding that has an id (`help = "f12"`, `next_conversation = "j,n"`).
F1 lists every id with its effective keys. Ids that no binding has, and keys a remap gives to
two bindings active together, are reported in a warning toast naming config.toml (Textual's own
clash check misses a remap onto a key another binding already has, and drops that binding).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from textual.binding import Binding, BindingType

if TYPE_CHECKING:
    from textual.app import App


def effective_keys(app: App[Any], binding: Binding) -> str:
    """The keys that trigger `binding` now: the user's keymap entry, else its own."""
    keymap: Mapping[str, str] = getattr(app, "_keymap", {})
    return keymap.get(binding.id or "", "") or binding.key


def _with_ids(bindings: Iterable[BindingType]) -> dict[str, Binding]:
    return {b.id: b for b in bindings if isinstance(b, Binding) and b.id}


def unknown_ids_message(keymap: Mapping[str, str], known: Iterable[str], path: object) -> str:
    """One line naming every `[keymap]` id no binding has (with a suggestion), or ""."""
    known = sorted(known)
    unknown = []
    for binding_id in sorted(keymap):
        if binding_id in known:
            continue
        close = difflib.get_close_matches(binding_id, known, n=1)
        unknown.append(f"{binding_id!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    if not unknown:
        return ""
    return (f"{path}: [keymap] has no binding with the id {', '.join(unknown)}; "
            "F1 lists every id")


def clashes(app: App[Any], groups: Iterable[tuple[str, list[BindingType]]],
            keymap: Mapping[str, str]) -> list[str]:
    """Keys a remap gives to two bindings that are active together: the global ones with
    each screen's own. Each clash once, as "f5: search, transcripts"."""
    by_id = [_with_ids(bindings) for _, bindings in groups]
    everywhere = by_id[0] if by_id else {}
    found: dict[str, set[str]] = {}
    for own in by_id:
        users: dict[str, set[str]] = {}
        for binding_id, binding in {**everywhere, **own}.items():
            for key in _normalized(app, effective_keys(app, binding)):
                users.setdefault(key, set()).add(binding_id)
        for key, ids in users.items():
            if len(ids) > 1 and ids & set(keymap):
                found.setdefault(key, set()).update(ids)
    return [f"{key}: {', '.join(sorted(ids))}" for key, ids in sorted(found.items())]


def _normalized(app: App[Any], keys: str) -> list[str]:
    return type(app)._normalize_keymap({"": keys})[""].split(",")


def keymap_problems(app: App[Any], keymap: Mapping[str, str], path: object) -> list[str]:
    """Warnings for the user's keymap: unknown ids, then keys left on two bindings."""
    from pidgin_tui.tui.screens.help import all_binding_groups

    groups = all_binding_groups(app)
    known = {binding_id for _, bindings in groups for binding_id in _with_ids(bindings)}
    problems = [unknown_ids_message(keymap, known, path)]
    shared = clashes(app, groups, keymap)
    if shared:
        problems.append(f"{path}: [keymap] leaves one key on several bindings "
                        f"({'; '.join(shared)}); only one of each works")
    return [problem for problem in problems if problem]


def apply_user_keymap(app: App[Any]) -> None:
    """Apply config.toml's `[keymap]` now, and check its ids in a thread (that imports every
    screen, which start-up does not need)."""
    from pidgin_tui.config import settings

    user = settings()
    if not user.keymap:
        return
    app.set_keymap(dict(user.keymap))

    def check() -> None:
        for message in keymap_problems(app, user.keymap, user.path):
            app.call_from_thread(app.notify, message, title="Keymap", severity="warning",
                                 timeout=15)

    app.run_worker(check, thread=True, group="keymap", exit_on_error=False)
