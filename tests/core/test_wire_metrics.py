"""Recorded metrics are a positional array in their version's layout, read back by name."""

from __future__ import annotations

import json
import math
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pidgin_tui.core import events as ev
from pidgin_tui.core.metric_layouts import METRIC_DIGITS, METRIC_LAYOUTS
from pidgin_tui.metrics.catalog import metric_names
from pidgin_tui.metrics.turn import METRICS_VERSION, score_turn
from pidgin_tui.record.jsonl import JsonlWriter, read_all_events


def _turn() -> ev.TurnCompleteEvent:
    metrics, score = score_turn(0, "Rivers carry light; what do you make of that?",
                                "Light is a river too. I wonder about memory.")
    version = int(metrics.pop("metrics_version"))
    return ev.TurnCompleteEvent(turn_number=0, metrics=metrics, metrics_version=version,
                                convergence_score=score)


def test_the_current_metrics_version_has_the_catalog_as_its_layout() -> None:
    assert METRIC_LAYOUTS[METRICS_VERSION] == tuple(metric_names())


def test_metrics_are_written_positionally_and_read_back_by_name() -> None:
    turn = _turn()
    line = ev.encode_event(turn)
    written = json.loads(line)["metrics"]
    assert isinstance(written, list) and len(written) == len(METRIC_LAYOUTS[METRICS_VERSION])
    assert b'"a_words"' not in line
    back = ev.decode_event(line)
    assert isinstance(back, ev.TurnCompleteEvent) and back.metrics.keys() == turn.metrics.keys()
    for name, value in turn.metrics.items():
        assert math.isclose(back.metrics[name], value, rel_tol=10.0 ** -(METRIC_DIGITS - 1))
    assert back.convergence_score == turn.convergence_score  # kept to the last digit


def test_a_metric_not_computed_is_null_and_stays_absent() -> None:
    turn = _turn()
    del turn.metrics["a_words"]
    turn.metrics["b_words"] = math.inf
    back = ev.decode_event(ev.encode_event(turn))
    assert isinstance(back, ev.TurnCompleteEvent)
    assert "a_words" not in back.metrics and "b_words" not in back.metrics
    assert len(back.metrics) == len(turn.metrics) - 1


def test_metrics_no_layout_fits_are_written_by_name() -> None:
    unknown = ev.TurnCompleteEvent(turn_number=1, metrics={"custom": 0.5}, metrics_version=3)
    other = ev.TurnCompleteEvent(turn_number=1, metrics={"a_words": 4.0}, metrics_version=99)
    for turn in (unknown, other):
        line = ev.encode_event(turn)
        assert json.loads(line)["metrics"] == turn.metrics
        assert ev.decode_event(line) == turn


def test_an_array_that_does_not_fit_its_layout_is_a_reported_line_error(tmp_path: Path) -> None:
    bad = b'{"event_type":"TurnCompleteEvent","turn_number":0,"metrics_version":3,' \
          b'"metrics":[1,2,3]}'
    with pytest.raises(msgspec.ValidationError, match="do not fit the layout"):
        ev.decode_event(bad)
    path = tmp_path / "conv_x_events.jsonl"
    path.write_bytes(bad + b"\n")
    assert "line 1" in read_all_events(path).errors[0]


def test_a_conversation_file_leaves_its_ids_to_its_name(tmp_path: Path) -> None:
    directory = tmp_path / "experiment_e1_name_20260101"
    directory.mkdir()
    path = directory / "conv_e1_0001_events.jsonl"
    writer = JsonlWriter(path)
    writer.write(ev.TurnStartEvent(experiment_id="e1", conversation_id="e1_0001", turn_number=0,
                                   seq=1))
    writer.write(ev.TurnStartEvent(experiment_id="other", conversation_id="e1_0001",
                                   turn_number=1, seq=2))
    writer.write(ev.TurnStartEvent(experiment_id="e1", conversation_id="e1_0002",
                                   turn_number=2, seq=3))
    writer.close()
    lines = [json.loads(line) for line in path.read_bytes().splitlines()]
    assert "conversation_id" not in lines[0] and "experiment_id" not in lines[0]
    assert lines[1]["experiment_id"] == "other" and "conversation_id" not in lines[1]
    assert lines[2]["conversation_id"] == "e1_0002"  # not this file's: spelled out
    assert all("event_id" not in line for line in lines)
    events = read_all_events(path).events
    assert [(e.experiment_id, e.conversation_id) for e in events] == [
        ("e1", "e1_0001"), ("other", "e1_0001"), ("e1", "e1_0002")]


_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**9, 10**9), st.booleans(),
    st.none(), st.floats(min_value=-1e7, max_value=1e7))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(METRIC_LAYOUTS[METRICS_VERSION]), _values, min_size=1))
def test_each_metric_is_written_with_its_six_digits_or_null(metrics: dict[str, float]) -> None:
    # The array is formatted in one go; each value must read exactly as `format(v, ".6g")`
    # (and non-finite or missing values as null), the text the file format promises.
    layout = METRIC_LAYOUTS[METRICS_VERSION]
    packed = ev.encode_event(ev.TurnCompleteEvent(turn_number=1, metrics=metrics,
                                                  metrics_version=METRICS_VERSION))
    text = packed[packed.index(b'"metrics":[') + 11:packed.index(b"]")].decode()
    expected = ["null" if (value := metrics.get(name)) is None or not math.isfinite(value)
                else format(value, f".{METRIC_DIGITS}g") for name in layout]
    assert text.split(",") == expected
