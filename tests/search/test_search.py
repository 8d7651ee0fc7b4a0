"""Full-text search: phrase and prefix queries, ranking, filters, live growth, rebuild, CLI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pidgin_tui.experiments.synthetic import conversation_events, write_experiment, write_jsonl
from pidgin_tui.record.layout import conversation_jsonl_name, search_index_path
from pidgin_tui.search.index import rebuild, refresh
from pidgin_tui.search.query import MATCH_START, QueryError, search, to_fts_query
from tests.conftest import cli_command, cli_env


def _with_phrases(root: Path, exp_id: str, name: str, phrases: dict[int, str],
                  model: str = "local:test") -> Path:
    """An experiment of one conversation whose agent_b says `phrases[turn]` (turns from 1)."""
    path = write_experiment(root, exp_id, name, conversations=0, model=model)
    conv = f"{exp_id}_0001"
    write_jsonl(path / conversation_jsonl_name(conv),
                conversation_events(exp_id, conv, 6, phrases=phrases, model=model))
    return path


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    root = tmp_path / "out"
    _with_phrases(root, "aaa111", "minds", {3: "What is consciousness, really?",
                                            5: "conscious machines: consciousness, consciousness"})
    _with_phrases(root, "bbb222", "rivers", {2: "a river of consciousness flows"},
                  model="local:instant")
    return root


def test_word_query_finds_every_message_ranked_with_turn_agent_and_snippet(root: Path) -> None:
    refresh(root)
    hits = search(root, "consciousness").hits
    assert len(hits) == 3
    assert {(h.experiment_id, h.turn) for h in hits} == {("aaa111", 3), ("aaa111", 5),
                                                        ("bbb222", 2)}
    assert all(h.agent_id == "agent_b" and h.agent_name == "Bo" for h in hits)
    assert all(f"{MATCH_START}consciousness" in h.snippet.lower() for h in hits)
    assert [h.score for h in hits] == sorted(h.score for h in hits)
    assert hits[0].turn == 5  # the message that says it twice ranks first


def test_phrase_and_prefix_queries(root: Path) -> None:
    refresh(root)
    assert [(h.experiment_id, h.turn) for h in search(root, '"river of consciousness"').hits] == [
        ("bbb222", 2)]
    assert search(root, '"consciousness river"').hits == []
    prefixed = {(h.experiment_id, h.turn) for h in search(root, "conscious*").hits}
    assert prefixed == {("aaa111", 3), ("aaa111", 5), ("bbb222", 2)}
    assert {h.turn for h in search(root, "conscious").hits} == {5}


def test_filters_by_experiment_and_model(root: Path) -> None:
    refresh(root)
    only = search(root, "consciousness", experiment_dir=next(
        (root / "experiments").glob("experiment_bbb222_*"))).hits
    assert [h.experiment_id for h in only] == ["bbb222"]
    assert [h.experiment_id for h in search(root, "consciousness",
                                                          model="instant").hits] == ["bbb222"]


def test_a_query_matching_too_many_messages_says_it_is_not_ranked(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pidgin_tui.search.query as query

    refresh(root)
    monkeypatch.setattr(query, "RANKED_MATCHES_MAX", 2)
    results = search(root, "consciousness", limit=2)
    assert (results.total, results.ranked) == (3, False)
    assert [(h.experiment_id, h.turn) for h in results.hits] == [("bbb222", 2), ("aaa111", 5)]
    assert results.describe("consciousness") == (
        "2 of 3 messages match 'consciousness' (not ranked, too many: latest indexed first; "
        "add words to narrow)")


def with_thinking(root: Path, exp_id: str, turn: int, thinking: str) -> Path:
    """An experiment of one conversation whose agent_a thinks `thinking` at `turn` (from 1)."""
    import msgspec

    from pidgin_tui.core.events import MessageCompleteEvent

    path = write_experiment(root, exp_id, "thoughtful", conversations=0)
    conv = f"{exp_id}_0001"
    write_jsonl(path / conversation_jsonl_name(conv), [
        msgspec.structs.replace(event, thinking=thinking)
        if isinstance(event, MessageCompleteEvent) and event.turn_number == turn
        and event.agent_id == "agent_a" else event
        for event in conversation_events(exp_id, conv, 3, thinking=True)])
    return path


def test_thinking_is_searched_only_when_asked(tmp_path: Path) -> None:
    root = tmp_path / "out"
    with_thinking(root, "eee555", 2, "perhaps the pangolin matters here")
    refresh(root)
    assert search(root, "pangolin").hits == []
    hits = search(root, "pangolin", thinking=True).hits
    assert [(h.turn, h.agent_id) for h in hits] == [(2, "agent_a")]
    assert f"{MATCH_START}pangolin" in hits[0].snippet


def test_punctuation_is_literal_and_an_empty_query_is_refused() -> None:
    assert to_fts_query('don\'t (panic) OR "a b" sea*') == '"don\'t" "(panic)" OR "a b" "sea"*'
    with pytest.raises(QueryError):
        to_fts_query('  OR "" * ')


def test_live_run_messages_are_searchable_once_complete(tmp_path: Path) -> None:
    root = tmp_path / "out"
    path = write_experiment(root, "ccc333", "live", conversations=0, status="running")
    jsonl = path / conversation_jsonl_name("ccc333_0001")
    events = list(conversation_events("ccc333", "ccc333_0001", 4, phrases={4: "zebra"},
                                      ended=False))
    cut = next(i for i, e in enumerate(events) if getattr(e, "turn_number", 0) == 4)
    write_jsonl(jsonl, events[:cut])
    refresh(root)
    assert search(root, "zebra").hits == []
    write_jsonl(jsonl, events[cut:])
    with open(jsonl, "ab") as handle:  # a message still being written: not indexed yet
        handle.write(b'{"event_type":"MessageCompleteEvent","content":"okapi')
    refresh(root)
    assert [h.turn for h in search(root, "zebra").hits] == [4]
    assert search(root, "okapi").hits == []


def test_a_rewritten_file_is_indexed_anew_in_small_batches(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The newest file shrinks and is rewritten: its old messages (the highest ids) go, its new
    ones are found, and batches of one message index the same as one batch."""
    import pidgin_tui.search.index as index

    monkeypatch.setattr(index, "BATCH_ROWS", 1)
    root = tmp_path / "out"
    path = write_experiment(root, "fff666", "rewritten", conversations=0, status="running")
    write_jsonl(path / conversation_jsonl_name("fff666_0001"),
                conversation_events("fff666", "fff666_0001", 6, phrases={2: "wombat"}))
    jsonl = path / conversation_jsonl_name("fff666_0002")
    write_jsonl(jsonl, conversation_events("fff666", "fff666_0002", 6,
                                           phrases={5: "wombat numbat"}))
    refresh(root)
    assert sorted(h.turn for h in search(root, "wombat").hits) == [2, 5]
    jsonl.unlink()
    write_jsonl(jsonl, conversation_events("fff666", "fff666_0002", 2, phrases={1: "quokka"}))
    refresh(root)
    assert [h.turn for h in search(root, "wombat").hits] == [2]
    assert search(root, "numbat").hits == []
    assert [(h.conversation_id, h.turn) for h in search(root, "quokka").hits] == \
        [("fff666_0002", 1)]


def test_rebuild_drops_removed_experiments_and_survives_a_damaged_file(root: Path) -> None:
    refresh(root)
    import shutil

    shutil.rmtree(next((root / "experiments").glob("experiment_bbb222_*")))
    broken = next((root / "experiments").glob("experiment_aaa111_*")) / \
        conversation_jsonl_name("aaa111_0002")
    broken.write_bytes(b"not json at all\n")
    report = refresh(root)
    assert report.files_removed == 1
    assert {h.experiment_id for h in search(root, "consciousness").hits} == {"aaa111"}
    report = rebuild(root)
    assert report.files_read == 2 and len(search(root, "consciousness").hits) == 2


def test_post_processing_keeps_the_index_current(tmp_path: Path) -> None:
    from pidgin_tui.experiments.post_processor import run_post_processing_sync

    root = tmp_path / "out"
    path = _with_phrases(root, "ddd444", "after", {1: "platypus"})
    result = run_post_processing_sync(path, steps=["index"])
    assert result.ok, result.failed
    assert search_index_path(root).exists()
    assert [h.turn for h in search(root, "platypus").hits] == [1]


def test_cli_search_json_text_and_bad_input(root: Path) -> None:
    env = cli_env(PIDGIN_OUTPUT_DIR=str(root))
    out = subprocess.run(cli_command("search", "consciousness", "--json", "--model", "test"),
                         capture_output=True, text=True, env=env, check=True)
    found = json.loads(out.stdout)
    assert found["query"] == "consciousness" and found["total"] >= 2 and found["ranked"]
    rows = found["hits"]
    assert [r["turn"] for r in rows] == [5, 3]
    assert "«consciousness»" in rows[0]["snippet"] and rows[0]["conversation_id"] == "aaa111_0001"
    text = subprocess.run(cli_command("search", '"river of"', "--experiment", "rivers"),
                          capture_output=True, text=True, env=env, check=True).stdout
    assert "rivers [bbb222] · bbb222_0001 · turn 2 · Bo" in text
    bad = subprocess.run(cli_command("search", "x", "--experiment", "nope"),
                         capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    rebuilt = subprocess.run(cli_command("index"), capture_output=True, text=True, env=env,
                             check=True).stdout
    assert rebuilt.startswith("24 messages indexed from 2 files")


def test_escape_sequences_in_a_reply_never_reach_the_terminal(tmp_path: Path) -> None:
    root = tmp_path / "out"
    _with_phrases(root, "eee555", "hostile", {1: "quokka \x1b]52;c;ZXZpbA==\x07\x1b[2J here"})
    out = subprocess.run(cli_command("search", "quokka"), capture_output=True, text=True,
                         env=cli_env(PIDGIN_OUTPUT_DIR=str(root)), check=True).stdout
    assert "\x1b" not in out and "«quokka» here" in out
