"""The transcript browser's columns: cells, sort order (missing values last) and filters."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pidgin_tui.core.types import EndReason, Status
from pidgin_tui.experiments.browse_columns import (
    CONVERSATION_COLUMNS,
    EXPERIMENT_COLUMNS,
    SortOrder,
    cells,
    fmt_date,
    fmt_prompt,
    sort_rows,
)
from pidgin_tui.experiments.monitor_rows import ConversationRow
from pidgin_tui.experiments.monitor_state import MonitorState
from pidgin_tui.experiments.row_filter import filter_rows
from pidgin_tui.experiments.synthetic import EPOCH, write_experiment


def _conv(conv_id: str, **fields: object) -> ConversationRow:
    return ConversationRow(conv_id, Status(str(fields.pop("status", "completed"))), 5, 10,
                           **fields)  # type: ignore[arg-type]


def test_experiment_cells_say_date_models_prompt_and_cost(tmp_path: Path) -> None:
    write_experiment(tmp_path, "aa01", "long-run", conversations=2, model="local:test",
                     prompt="Discuss consciousness\nand the nature of minds at length")
    write_experiment(tmp_path, "bb02", "long-run", conversations=1, model="local:instant",
                     start=EPOCH + timedelta(days=1, minutes=5), prompt="")
    rows = {r.experiment_id: r for r in MonitorState(tmp_path, tail_jsonl=False).refresh()}
    assert cells(rows["aa01"], EXPERIMENT_COLUMNS) == [
        "long-run [aa01]", "2026-01-15 09:00", "local:test", "Discuss consciousne…",
        "completed", "2", "10", "$0.00", "jsonl"]
    # Same name, told apart by date.
    assert cells(rows["bb02"], EXPERIMENT_COLUMNS)[:4] == [
        "long-run [bb02]", "2026-01-16 09:05", "local:instant", "(none)"]


def test_conversation_cells_include_end_state_convergence_and_cost() -> None:
    conv = _conv("c1", model_a="openai:gpt-x", model_b="local:test",
                 end_reason=EndReason.HIGH_CONVERGENCE,
                 end_states=[("loop", 8), ("emoji", 10)], convergence=0.876, cost_usd=0.0123,
                 duration_s=75.0)
    assert cells(conv, CONVERSATION_COLUMNS) == [
        "c1", "completed", "5/10", "openai:gpt-x × local:test", "high_convergence", "loop@8 +1",
        "0.88", "$0.0123", "1m15s"]
    assert cells(_conv("c2", unpriced=True), CONVERSATION_COLUMNS)[7] == "unpriced"


def test_sorting_puts_missing_values_last_both_ways() -> None:
    convs = [_conv("a", convergence=0.5), _conv("b"), _conv("c", convergence=0.9),
             _conv("d", convergence=0.1)]
    up = SortOrder("convergence")
    assert [c.conversation_id for c in sort_rows(convs, CONVERSATION_COLUMNS, up)] == \
        ["d", "a", "c", "b"]
    assert [c.conversation_id for c in sort_rows(convs, CONVERSATION_COLUMNS, up.reversed())] \
        == ["c", "a", "d", "b"]
    priced = [_conv("x", cost_usd=2.0), _conv("y", cost_usd=9.0, unpriced=True),
              _conv("z", cost_usd=0.5)]
    assert [c.conversation_id for c in sort_rows(priced, CONVERSATION_COLUMNS,
                                                 SortOrder("cost", reverse=True))] == \
        ["x", "z", "y"]
    assert sort_rows(convs, CONVERSATION_COLUMNS, SortOrder()) == convs


def test_sort_order_cycles_through_every_column_then_back_to_none() -> None:
    order = SortOrder()
    seen = []
    for _ in range(len(EXPERIMENT_COLUMNS) + 1):
        order = order.next_column(EXPERIMENT_COLUMNS)
        seen.append(order.key)
    assert seen == [c.key for c in EXPERIMENT_COLUMNS] + [None]
    assert SortOrder("date", reverse=True).label(EXPERIMENT_COLUMNS) == "Date ▼"


def test_filter_by_prompt_text_and_end_state(tmp_path: Path) -> None:
    write_experiment(tmp_path, "aa01", "one", prompt="Talk about rivers")
    write_experiment(tmp_path, "bb02", "two", prompt="Talk about mountains")
    rows = MonitorState(tmp_path, tail_jsonl=False).refresh()
    assert [r.experiment_id for r, _ in filter_rows(rows, "prompt:rivers")] == ["aa01"]
    assert [r.experiment_id for r, _ in filter_rows(rows, "mountains")] == ["bb02"]
    rows[0].conversations[0].end_states = [("loop", 3)]
    found = filter_rows(rows, "state:loop")
    assert [(r.experiment_id, len(c)) for r, c in found] == [(rows[0].experiment_id, 1)]


def test_dates_and_prompts_are_one_short_line() -> None:
    assert fmt_date("2026-01-15T09:00:00+00:00") == "2026-01-15 09:00"
    assert fmt_date("") == "-"
    assert fmt_prompt("a\x1b[2Jb  \t c", width=10) == "ab c"
    assert fmt_prompt("x" * 40, width=10) == "xxxxxxxxx…"
