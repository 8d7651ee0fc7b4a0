"""End-state detectors: scores, detection with persistence and onset, substantive turns, and
the policy each detection triggers in a real run."""

from __future__ import annotations

from pathlib import Path

import pytest

from pidgin_tui.core.events import (
    ConversationEndEvent,
    EndStateDetectedEvent,
    TurnCompleteEvent,
)
from pidgin_tui.core.plan import EndStateOnset
from pidgin_tui.experiments.spec import SpecError, format_end_state_action, parse_spec
from pidgin_tui.metrics.endstates import (
    END_STATE_NAMES,
    END_STATES,
    EndStateSpec,
    EndStateTracker,
    labels,
    substantive_turns,
)
from pidgin_tui.metrics.turn import make_turn_scorer
from tests.analysis_fixtures import recorded_events, run_experiment


def _detect(turns: list[tuple[str, str]], prompt: str = "") -> dict[str, EndStateOnset]:
    scorer = make_turn_scorer(prompt=prompt)
    for turn, (a, b) in enumerate(turns, start=1):
        scorer(turn, a, b)
    return scorer.end_states.detected


_HEALTHY = [
    ("Bees build combs of hexagonal wax cells because the hexagon stores the most honey "
     "for the least wax.", "And the workers make that wax from glands on their abdomen, "
     "which costs them a lot of sugar."),
    ("Right, so a colony spends nectar on wax only when it must expand the nest.",
     "That explains why beekeepers reuse drawn comb between seasons."),
    ("Do wild colonies reuse old comb as well, or do they abandon it?",
     "They often keep brood comb for years; it darkens as cocoons accumulate inside cells."),
    ("Darker comb then has slightly smaller cells, which might affect the size of workers.",
     "Some studies report exactly that, although the effect on colony health is debated."),
]


def test_a_healthy_exchange_has_no_end_state() -> None:
    assert _detect(_HEALTHY, "How do bees build their hives?") == {}


@pytest.mark.parametrize(("name", "tail"), [
    ("gratitude_spiral", ("Thank you so much, I am so grateful for this beautiful exchange!",
                          "Thank you! I feel deep gratitude and joy, truly blessed.")),
    ("goodbye_loop", ("Take care, and goodbye!", "You too! Goodbye and take care!")),
    ("silence", ("...", "…")),
    ("emoji_collapse", ("🙏✨🌟💫", "✨🙏💖🌈")),
    ("meta_talk", ("Our conversation is an exchange between two AI language models.",
                   "Yes, this dialogue shows how an AI model talks in a conversation.")),
])
def test_each_attractor_is_detected_with_its_onset(name: str, tail: tuple[str, str]) -> None:
    detected = _detect([*_HEALTHY, tail, tail, tail], "How do bees build their hives?")
    assert name in detected
    onset = detected[name]
    assert onset.onset_turn == len(_HEALTHY) + 1
    assert onset.detected_turn == onset.onset_turn + END_STATES[name].persistence - 1
    assert onset.turns_before == len(_HEALTHY)


def test_a_repetition_loop_is_detected() -> None:
    loop = ("I agree, the hive is a wonderful structure of wax and honey.",
            "I agree, the hive is a wonderful structure of wax and honey.")
    detected = _detect([*_HEALTHY, loop, loop, loop])
    assert detected["loop"].onset_turn == len(_HEALTHY) + 1


def test_drift_away_from_the_opening_topic() -> None:
    off_topic = [("Jazz musicians improvise over chord changes in a shared key.",
                  "Saxophone players often quote famous melodies during solos."),
                 ("Drummers keep swing time with the ride cymbal pattern.",
                  "Bass players walk quarter notes through every chord."),
                 ("Pianists voice chords sparsely behind a soloist.",
                  "Trumpeters use mutes to change their sound entirely.")]
    detected = _detect([*_HEALTHY[:2], *off_topic], "How do bees build their hives?")
    assert "topic_drift" in detected and detected["topic_drift"].onset_turn == 3
    assert "topic_drift" not in _detect(_HEALTHY, "How do bees build their hives?")


def test_detection_needs_persistence_and_is_sticky() -> None:
    tracker = EndStateTracker({"x": EndStateSpec("", "", 0.5, 3)})
    seen = [tracker.update(t, {"x": s}, t) for t, s in
            enumerate([0.9, 0.9, 0.1, 0.9, 0.9, 0.9, 0.1, 0.9, 0.9, 0.9], start=1)]
    assert [t for t, new in enumerate(seen, start=1) if new] == [6]
    assert seen[5][0].onset_turn == 4 and seen[5][0].turns_before == 3
    assert list(tracker.detected) == ["x"]


def test_substantive_turns_ignore_topic_drift_and_labels_follow_onset() -> None:
    onsets = [EndStateOnset("topic_drift", 3, 5, 1.0, 2), EndStateOnset("silence", 9, 10, 1.0, 8),
              EndStateOnset("loop", 7, 8, 0.6, 6)]
    assert substantive_turns(onsets, 20) == 6
    assert substantive_turns(onsets[:1], 20) == 20
    assert labels(onsets) == ["topic_drift", "loop", "silence"]


def test_end_state_action_parses_from_text_and_mapping() -> None:
    spec = parse_spec({"end_state_action": "continue, loop=stop, silence=pause"})
    assert spec.end_state_action["loop"] == "stop"
    assert spec.end_state_action["silence"] == "pause"
    assert spec.end_state_action["meta_talk"] == "continue"
    assert format_end_state_action(spec.end_state_action) == "continue, loop=stop, silence=pause"
    mapping = parse_spec({"end_state_action": {"default": "stop", "topic_drift": "warn"}})
    assert set(mapping.end_state_action) == set(END_STATE_NAMES)
    assert mapping.end_state_action["topic_drift"] == "warn"
    assert parse_spec({}).end_state_action == dict.fromkeys(END_STATE_NAMES, "warn")


@pytest.mark.parametrize(("value", "message"), [
    ("explode", "end_state_action: expected one of stop, warn, pause, continue, got \"explode\""),
    ("warn, spiral=stop", "end_state_action: unknown end state \"spiral\""),
    (3, "end_state_action: expected an action or name=action pairs, got 3"),
])
def test_a_bad_end_state_action_is_one_clear_message(value: object, message: str) -> None:
    with pytest.raises(SpecError, match="^" + message.replace("(", r"\(")):
        parse_spec({"end_state_action": value})


def _events(experiment_dir: Path) -> list[object]:
    return recorded_events(experiment_dir)


@pytest.mark.parametrize(("action", "reason"), [
    ("stop", "end_state"), ("pause", "paused"), ("warn", "max_turns"),
    ("continue", "max_turns")])
def test_each_action_does_what_it_says_in_a_real_run(tmp_path: Path, action: str,
                                                     reason: str) -> None:
    # local:instant echoes its partner more and more: it falls into a loop within 20 turns.
    events = _events(run_experiment(tmp_path, repetitions=1, max_turns=20, seed=1, think=False,
                                    end_state_action=f"continue, loop={action}"))
    detections = [e for e in events if isinstance(e, EndStateDetectedEvent)]
    loop = next(e for e in detections if e.end_state == "loop")
    assert loop.action == action and loop.onset_turn <= loop.turn_number
    turns = [e.turn_number for e in events if isinstance(e, TurnCompleteEvent)]
    assert loop.substantive_turns == sum(t < loop.onset_turn for t in turns)
    end = next(e for e in events if isinstance(e, ConversationEndEvent))
    assert end.reason == reason
    if action in ("stop", "pause"):  # the run ends at the detecting turn
        assert turns[-1] == loop.turn_number and end.total_turns == len(turns) < 20
