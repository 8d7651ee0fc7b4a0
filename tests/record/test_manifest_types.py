"""The typed manifest: old manifests read in the one numbering, a wrongly typed field is damage."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from pidgin_tui.experiments.discovery import list_experiments
from pidgin_tui.experiments.synthetic import write_experiment
from pidgin_tui.record.damage import load_manifest
from pidgin_tui.record.layout import MANIFEST_NAME, STATE_LOG_NAME
from pidgin_tui.record.manifest import new_manifest, read_manifest, write_manifest
from pidgin_tui.record.manifest_types import MANIFEST_SCHEMA_VERSION, ConversationEntry

RELEASE1 = Path(__file__).resolve().parents[1] / "data" / "record_release1"
EXP = "experiment_20400339_release-1_20261201"


def test_a_release_1_manifest_reads_with_repetitions_and_onsets_from_1(tmp_path: Path) -> None:
    directory = shutil.copytree(RELEASE1 / EXP, tmp_path / EXP)
    with (directory / STATE_LOG_NAME).open("a", encoding="utf-8") as log:  # as release 1 wrote
        log.write(json.dumps({"conversation_id": "20400339_0002", "status": "completed",
                              "started_at": "2026-12-01T18:41:58.771Z", "repetition": 1,
                              "end_states": [["loop", 0], ["silence", 2]]}) + "\n")
    manifest = read_manifest(directory)
    assert manifest is not None and manifest.schema_version == 2
    assert manifest.status == "completed" and manifest.total_turns == 6
    conversations = manifest.conversations
    assert {cid: c.repetition for cid, c in conversations.items()} == {
        "20400339_0001": 1, "20400339_0002": 2}
    assert conversations["20400339_0002"].end_states == [("loop", 1), ("silence", 3)]
    assert conversations["20400339_0001"].turns_completed == 3
    assert manifest.config["max_turns"] == 3  # the rest of the file as written


def test_a_manifest_written_now_is_read_back_unchanged(tmp_path: Path) -> None:
    manifest = new_manifest("e1", "now", {"max_turns": 2}, 1, "2026-12-01T00:00:00Z")
    manifest.conversations["e1_0001"] = ConversationEntry(
        status="completed", repetition=1, started_at="2026-12-01T00:00:01Z",
        end_states=[("loop", 1)])
    write_manifest(tmp_path / MANIFEST_NAME, manifest)
    read = read_manifest(tmp_path)
    assert read == manifest and read.schema_version == MANIFEST_SCHEMA_VERSION


def _damage(directory: Path, change: dict[str, object]) -> None:
    path = directory / MANIFEST_NAME
    path.write_text(json.dumps({**json.loads(path.read_text()), **change}), encoding="utf-8")


def test_a_field_of_the_wrong_type_damages_only_its_experiment(tmp_path: Path) -> None:
    healthy = write_experiment(tmp_path, "aaaa1111", "healthy")
    bad_pid = write_experiment(tmp_path, "bbbb2222", "badpid")
    bad_entry = write_experiment(tmp_path, "cccc3333", "badentry")
    _damage(bad_pid, {"pid": "twelve"})
    with (bad_entry / STATE_LOG_NAME).open("a", encoding="utf-8") as log:
        log.write(json.dumps({"conversation_id": "cccc3333_0001",
                              "turns_completed": "three"}) + "\n")

    assert read_manifest(bad_pid) is None and read_manifest(bad_entry) is None
    assert load_manifest(bad_pid)[1] == "manifest.json: pid: expected int | null, got str"
    reason = load_manifest(bad_entry)[1]
    assert reason is not None and "turns_completed" in reason and "cccc3333_0001" in reason
    status = {info.name or info.path.name: info.status for info in list_experiments(tmp_path)}
    assert status == {"healthy": "completed", bad_pid.name: "damaged",
                      bad_entry.name: "damaged"}
    assert read_manifest(healthy) is not None
