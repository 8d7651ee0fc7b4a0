"""Finding one conversation of an experiment from what a person types: an id, a unique part of
it, or a repetition number (1-based)."""

from __future__ import annotations

from pathlib import Path

from pidgin_tui.record.layout import conversation_files, conversation_id_of


class ConversationNotFound(LookupError):
    """No conversation, or more than one, matches the reference; the message says which."""


def conversation_ids(experiment_dir: Path) -> list[str]:
    """Ids of the conversations with a JSONL file in the experiment directory, sorted."""
    return sorted(cid for path in conversation_files(experiment_dir)
                  if (cid := conversation_id_of(path)) is not None)


def pick_conversations(conversations: list[str], ref: str) -> list[str]:
    """The conversations `ref` names: the exact id, else repetition number, else a part of it."""
    if ref in conversations:
        return [ref]
    if ref.isdigit():
        by_number = [c for c in conversations if c.endswith(f"_{int(ref):04d}")]
        if by_number:
            return by_number
    return [c for c in conversations if ref in c]


def resolve_conversation(experiment_dir: Path, ref: str) -> str:
    """The one conversation `ref` names, or ConversationNotFound with examples of real ids."""
    conversations = conversation_ids(experiment_dir)
    found = pick_conversations(conversations, ref)
    if len(found) == 1:
        return found[0]
    known = ", ".join(conversations[:5]) or "none recorded"
    what = "no conversation" if not found else f"{len(found)} conversations"
    raise ConversationNotFound(f"{what} of {experiment_dir.name} match {ref!r} (e.g. {known})")


def find_conversation(root: Path, ref: str) -> tuple[Path, str]:
    """(experiment directory, conversation id) of a conversation in any experiment of `root`.

    `ref` is `EXPERIMENT:CONVERSATION` (each as its own command takes it) or a conversation id
    or unique part of one, searched in every experiment.
    """
    from pidgin_tui.record.layout import experiment_dirs
    from pidgin_tui.record.lookup import resolve_experiment

    experiment, sep, conversation = ref.rpartition(":")
    if sep and experiment:
        experiment_dir = resolve_experiment(root, experiment)
        return experiment_dir, resolve_conversation(experiment_dir, conversation)
    owners = {cid: directory for directory in experiment_dirs(root)
              for cid in conversation_ids(directory)}
    found = [ref] if ref in owners else [cid for cid in owners if ref in cid]
    if len(found) == 1:
        return owners[found[0]], found[0]
    what = "no conversation" if not found else f"{len(found)} conversations"
    raise ConversationNotFound(f"{what} in {root} match {ref!r}; give EXPERIMENT:CONVERSATION "
                               "or a conversation id")


def repetition_of(conversation_id: str) -> int:
    """The repetition (1-based) in a conversation id (`<experiment id>_0003` → 3)."""
    return int(conversation_id.rpartition("_")[2])


def added_conversations(experiment_dir: Path, experiment_id: str,
                         planned: list[str]) -> list[str]:
    """Conversations of the experiment on disk that its spec does not plan (branches written
    into it), in the order of their numbers."""
    prefix = f"{experiment_id}_"
    return sorted((cid for cid in conversation_ids(experiment_dir)
                   if cid not in planned and cid.startswith(prefix)
                   and cid[len(prefix):].isdigit()), key=repetition_of)
