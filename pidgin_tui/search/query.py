"""Searching the full-text index: the query language, filters, ranking and snippets.

A query is words (all must match), `"quoted phrases"`, and `prefix*` words; `OR` and `NOT`
between terms work as in FTS5. Every other character is taken literally: user text is turned
into quoted FTS5 strings, never pasted into the query grammar, so punctuation cannot cause a
syntax error or change the query's meaning.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path

from pidgin_tui.core.safe_text import terminal_safe
from pidgin_tui.core.types import AgentId
from pidgin_tui.search.index import connect

MATCH_START, MATCH_END = "\x02", "\x03"
"""Markers around each matched term in `SearchHit.snippet` (control characters: they never occur
in indexed text, so a renderer can split on them safely)."""
SNIPPET_TOKENS = 14
DEFAULT_LIMIT = 50
RANKED_MATCHES_MAX = 50_000
"""Above this many matching messages, BM25 ranking (about 2.5 µs a match on 2 cores) would
take longer than a search should; such a query matches most messages and ranks them almost
equally, so the latest indexed are shown and the user is told to narrow it."""
_OPERATORS = frozenset({"OR", "NOT", "AND"})
_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')
_SPACES = re.compile(r"\s+")


class QueryError(ValueError):
    """The query has no searchable term."""


@dataclass(frozen=True, slots=True)
class SearchHit:
    experiment_id: str
    experiment_name: str
    experiment_dir: str
    conversation_id: str
    path: str
    """The conversation's JSONL file."""
    turn: int
    """1-based, as shown."""
    agent_id: AgentId
    agent_name: str
    model: str
    snippet: str
    """Text around the match, each matched term between `MATCH_START` and `MATCH_END`."""
    score: float
    """BM25 (lower is a better match)."""

    def parts(self) -> list[tuple[str, bool]]:
        """The snippet as (text, is a match) pieces on one line, made safe for a terminal."""
        pieces = self.snippet.replace(MATCH_END, MATCH_START).split(MATCH_START)
        return [(_SPACES.sub(" ", terminal_safe(piece, single_line=True)), number % 2 == 1)
                for number, piece in enumerate(pieces) if piece]

    def plain_snippet(self, start: str = "«", end: str = "»") -> str:
        return "".join(f"{start}{text}{end}" if matched else text
                       for text, matched in self.parts())

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["snippet"] = self.plain_snippet()
        return data


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def to_fts_query(text: str) -> str:
    """Translate a user query into FTS5 syntax, with every term quoted."""
    parts: list[str] = []
    for match in _TOKEN.finditer(text):
        phrase, word = match.group(1), match.group(2)
        if phrase is not None:
            if phrase.strip():
                parts.append(_quoted(phrase))
        elif word in _OPERATORS:
            if parts and parts[-1] not in _OPERATORS:
                parts.append(word)
        elif word.endswith("*") and word.strip("*"):
            parts.append(_quoted(word.rstrip("*")) + "*")
        elif word.strip("*"):
            parts.append(_quoted(word))
    while parts and parts[-1] in _OPERATORS:
        parts.pop()
    if not parts:
        raise QueryError("the query has no words to search for")
    return " ".join(parts)


@dataclass(frozen=True, slots=True)
class SearchResults:
    hits: list[SearchHit]
    total: int
    """Every matching message, before the limit."""
    ranked: bool
    """False when more than `RANKED_MATCHES_MAX` messages match: the latest indexed are shown."""

    def describe(self, text: str) -> str:
        """One line saying how many matched and in what order they are shown."""
        if not self.total:
            return f"no message matches {text!r}"
        shown = f"{len(self.hits)} of {self.total}" if len(self.hits) < self.total \
            else f"{self.total}"
        order = "best first" if self.ranked else \
            "not ranked, too many: latest indexed first; add words to narrow"
        matches = "message matches" if self.total == 1 else "messages match"
        return f"{shown} {matches} {text!r} ({order})"


def search(root: Path, text: str, *, experiment_dir: Path | None = None,
           model: str | None = None, thinking: bool = False,
           limit: int = DEFAULT_LIMIT) -> SearchResults:
    """The best `limit` messages matching `text`, best (lowest BM25) first.

    `experiment_dir` keeps one experiment; `model` keeps conversations with a model whose name
    contains it; `thinking` searches thinking as well as replies.
    """
    columns = "{content thinking}" if thinking else "{content}"
    match = f"{columns} : ({to_fts_query(text)})"
    # Counting, ranking and snippets use the FTS table alone, ordered inside FTS5, so a snippet
    # is made only for the rows shown; names and places are looked up for those rows after.
    where, params = "messages_fts MATCH ?", [match]
    if experiment_dir is not None or model:
        kept, kept_params = [], []
        if experiment_dir is not None:
            kept.append("experiment_dir = ?")
            kept_params.append(str(experiment_dir))
        if model:
            kept.append("instr(lower(models), lower(?)) > 0")
            kept_params.append(model)
        where += (" AND rowid IN (SELECT id FROM messages WHERE path IN (SELECT path FROM"
                  f" sources WHERE {' AND '.join(kept)}))")
        params += kept_params
    db = connect(root)
    try:
        total = int(db.execute(f"SELECT count(*) FROM messages_fts WHERE {where}",
                               params).fetchone()[0])
        ranked = total <= RANKED_MATCHES_MAX
        best = db.execute(
            f"SELECT rowid, {'rank' if ranked else '0.0'}, snippet(messages_fts, -1, char(2),"
            f" char(3), '…', {SNIPPET_TOKENS}) FROM messages_fts WHERE {where}"
            f" ORDER BY {'rank' if ranked else 'rowid DESC'} LIMIT ?",
            [*params, int(limit)]).fetchall() if total else []
        found = {rowid: (score, snippet) for rowid, score, snippet in best}
        rows = db.execute(
            "SELECT m.id, s.experiment_id, s.experiment_name, s.experiment_dir,"
            " s.conversation_id, m.path, m.turn, m.agent_id, s.names, m.model"
            " FROM messages m JOIN sources s ON s.path = m.path"
            f" WHERE m.id IN ({','.join(str(int(rowid)) for rowid in found)})"
            ).fetchall() if found else []
    except sqlite3.OperationalError as exc:
        raise QueryError(f"cannot search for {text!r}: {exc}") from None
    finally:
        db.close()
    position = {rowid: index for index, rowid in enumerate(found)}
    rows.sort(key=lambda row: position[row[0]])
    hits = [SearchHit(exp_id, name, exp_dir, conv, path, turn, AgentId(agent),
                      json.loads(names).get(agent, agent), msg_model, found[rowid][1],
                      found[rowid][0])
            for (rowid, exp_id, name, exp_dir, conv, path, turn, agent, names, msg_model)
            in rows]
    return SearchResults(hits, total, ranked)


def terms(text: str) -> list[str]:
    """The words and phrases of a query (without operators or `*`), to highlight in a view."""
    found = []
    for match in _TOKEN.finditer(text):
        phrase, word = match.group(1), match.group(2)
        term = phrase if phrase is not None else (word or "").rstrip("*")
        if term.strip() and term not in _OPERATORS:
            found.append(term)
    return found
