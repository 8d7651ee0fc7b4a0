"""What a conversation does after a scored turn: the convergence threshold and end states.

Each policy action is `continue`, `warn`, `pause` or `stop`. A pause waits for a human where
someone can answer and otherwise ends the conversation with reason `paused`; a stop ends it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.control import ConversationControl
from pidgin_tui.core.events import ConvergenceWarningEvent
from pidgin_tui.core.outcome import ConversationIds, EndConversation
from pidgin_tui.core.plan import ConversationPlan, EndStateOnset, TurnScorer
from pidgin_tui.core.types import EndReason

SEVERITY = {"continue": 0, "warn": 1, "pause": 2, "stop": 3}
"""Policy actions from the mildest to the most drastic."""


@dataclass(slots=True)
class TurnPolicy:
    """Publishes what a scored turn crossed and acts on it (pause, or end the conversation)."""

    plan: ConversationPlan
    bus: EventBus
    control: ConversationControl
    ids: ConversationIds
    above_threshold: bool = False
    """The last score was at or above the threshold: acting again needs a dip below it."""

    def remember_score(self, score: float | None) -> None:
        """Start from a recorded score (a resumed or branched conversation)."""
        threshold = self.plan.convergence_threshold
        self.above_threshold = None not in (threshold, score) and \
            score >= threshold  # type: ignore[operator]

    async def after_turn(self, turn: int, score: float | None,
                         scorer: TurnScorer | None) -> None:
        """Publish the end states first detected at `turn`, apply the convergence policy, then
        act on the most drastic end-state action."""
        end_state_action = await self._publish_end_states(turn, scorer)
        await self.apply_convergence(turn, score)
        if end_state_action == "stop":
            raise EndConversation(EndReason.END_STATE)
        if end_state_action == "pause":
            self._pause_or_end(turn)

    async def apply_convergence(self, turn: int, score: float | None) -> None:
        """Act when the score crosses the threshold upwards (again after dipping below it)."""
        threshold = self.plan.convergence_threshold
        if score is None or threshold is None:
            return
        was_above, self.above_threshold = self.above_threshold, score >= threshold
        if not self.above_threshold or was_above:
            return
        action = self.plan.convergence_action
        await self.bus.publish(ConvergenceWarningEvent(
            **self.ids, turn_number=turn, convergence_score=score, threshold=threshold,
            action=action))
        if action == "stop":
            raise EndConversation(EndReason.HIGH_CONVERGENCE)
        if action == "pause":
            self._pause_or_end(turn)

    def _pause_or_end(self, turn: int) -> None:
        """A policy's `pause`: wait for a human (an interjection, a resume or a stop) when
        someone can answer, else end with reason `paused` (`resume` continues it)."""
        if turn >= self.plan.max_turns:  # nothing left to pause
            return
        if not self.plan.interactive:
            raise EndConversation(EndReason.PAUSED)
        self.control.wait_for_human()

    async def _publish_end_states(self, turn: int, scorer: TurnScorer | None) -> str | None:
        """Publish the end states the scorer first detected at this turn; returns the most
        drastic of their actions, or None."""
        # A scorer that detects end states is an `EndStateSource`; a plain callable is not.
        take = getattr(scorer, "take_end_states", None)
        if take is None:
            return None
        strongest: str | None = None
        onsets: list[EndStateOnset] = take()
        for onset in onsets:
            action = self.plan.end_state_actions.get(onset.name, "warn")
            await self.bus.publish(onset.event(**self.ids, turn_number=turn, action=action))
            if strongest is None or SEVERITY[action] > SEVERITY[strongest]:
                strongest = action
        return strongest
