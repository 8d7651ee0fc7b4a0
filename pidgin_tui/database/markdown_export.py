"""Markdown export of one experiment, read back from DuckDB (conversations, then messages)."""

from __future__ import annotations

from pathlib import Path

import duckdb


def _cell(value: object) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def write_markdown(con: duckdb.DuckDBPyConnection, experiment_id: str, out_dir: Path) -> Path:
    """Write `<out_dir>/<experiment_id>.md`: an outcomes table and every message."""
    exp = con.execute("SELECT name, status FROM experiments WHERE experiment_id = ?",
                      [experiment_id]).fetchone()
    name, status = exp if exp else (experiment_id, "?")
    cursor = con.execute(
        "SELECT conversation_id, agent_a_model, agent_b_model, status, end_reason, total_turns, "
        "total_tokens, final_convergence FROM conversations WHERE experiment_id = ? "
        "ORDER BY repetition, conversation_id", [experiment_id])
    columns = [d[0] for d in cursor.description or []]
    conversations = cursor.fetchall()
    lines = [f"# {name} ({experiment_id})", "", f"Status: {status}", "",
             "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in conversations]
    messages = con.execute(
        "SELECT conversation_id, turn_number, agent_id, model, content FROM messages "
        "WHERE experiment_id = ? ORDER BY conversation_id, turn_number, timestamp",
        [experiment_id]).fetchall()
    current = None
    for conv_id, turn, agent, model, content in messages:
        if conv_id != current:
            lines += ["", f"## Conversation {conv_id}"]
            current = conv_id
        lines += ["", f"**Turn {turn + 1} · {agent} ({model})**", "", content or "*(empty)*"]
    target = out_dir / f"{experiment_id}.md"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target
