"""What a run session does with each type of control request (`record.control_channel`).

A handler takes the run the request is for and the request, acts through the runner's control
object (flags the conductors act on at their next safe point), and returns one line saying what
it did; it raises `RequestRefused` for a payload it cannot act on. Conversation ids in payloads
are optional: without one a request applies to every conversation of the experiment. Turns in
payloads are 1-based, as a person counts them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pidgin_tui.core.control import ConversationControl, Interjection
from pidgin_tui.core.types import AgentId, EndReason, Speaker

if TYPE_CHECKING:
    from pidgin_tui.experiments.runner import ExperimentRunner
    from pidgin_tui.record.control_channel import ControlRequest

MAX_INTERJECTION_CHARS = 20_000


class RequestRefused(ValueError):
    """The request cannot be carried out; the message says why in one line."""


class Accepted(str):
    """A handler's line for a request taken but not carried out yet: the reply says it is
    pending, and a final reply (delivered, or not delivered and why) replaces it later."""


Handler = Callable[["ExperimentRunner", "ControlRequest"], str]


def _targets(runner: ExperimentRunner, payload: dict[str, Any]) -> list[ConversationControl]:
    """The controls a request addresses: its `conversation_id`, else every started one."""
    cid = payload.get("conversation_id")
    if cid is None:
        return list(runner.control.conversations.values())
    if not isinstance(cid, str) or cid not in runner.conversation_ids():
        raise RequestRefused(f"{runner.experiment_id} has no conversation {cid!r}")
    return [runner.control.for_conversation(cid)]


def _what(payload: dict[str, Any], runner: ExperimentRunner) -> str:
    return str(payload.get("conversation_id") or runner.experiment_id)


def handle_stop(runner: ExperimentRunner, request: ControlRequest) -> str:
    """Stop the experiment (or one conversation): it ends as `stopped`, never `completed`."""
    if request.payload.get("conversation_id") is None:
        runner.stop()
    else:
        for control in _targets(runner, request.payload):
            control.stop()
    return f"stopping {_what(request.payload, runner)}"


def handle_pause(runner: ExperimentRunner, request: ControlRequest) -> str:
    """Pause now, or with `before_turn` (1-based) when that turn is about to start."""
    before = request.payload.get("before_turn")
    if before is not None and (not isinstance(before, int) or isinstance(before, bool)
                               or before < 1):
        raise RequestRefused("before_turn is a turn number from 1")
    controls = _targets(runner, request.payload)
    for control in controls:
        if before is None:
            control.pause()
        else:
            control.pause_for_human_before(before)
    when = "" if before is None else f" before turn {before}"
    return f"pausing {_what(request.payload, runner)}{when}"


def handle_resume(runner: ExperimentRunner, request: ControlRequest) -> str:
    for control in _targets(runner, request.payload):
        control.resume()
    return f"resuming {_what(request.payload, runner)}"


def handle_interject(runner: ExperimentRunner, request: ControlRequest) -> str:
    """Deliver researcher text at the next safe point: `text`, `speaker`, `to`."""
    payload = request.payload
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        raise RequestRefused("an interjection needs some text")
    if len(text) > MAX_INTERJECTION_CHARS:
        raise RequestRefused(f"an interjection holds at most {MAX_INTERJECTION_CHARS} characters")
    named = payload.get("speaker", Speaker.NARRATOR)
    to = payload.get("to", [AgentId.A, AgentId.B])
    if named not in tuple(Speaker):
        raise RequestRefused(f"speaker is one of {', '.join(Speaker)}")
    if not isinstance(to, list) or not to or any(t not in tuple(AgentId) for t in to):
        raise RequestRefused("to is a list of agent_a and/or agent_b")
    speaker, recipients = Speaker(named), tuple(AgentId(t) for t in to)
    targets = _targets(runner, payload)
    controls = [control for control in targets if control.ended is None]
    if not controls:
        if len(targets) == 1 and targets[0].ended is not None:
            raise RequestRefused(undelivered_line(str(payload["conversation_id"]),
                                                  targets[0].ended))
        raise RequestRefused(f"no conversation of {runner.experiment_id} is running: the "
                             "interjection was not delivered")
    if payload.get("conversation_id") is not None:  # one conversation: the sender hears back
        if not controls[0].interject(Interjection(text, speaker, recipients, request.request_id)):
            raise RequestRefused(undelivered_line(str(payload["conversation_id"]),
                                                  controls[0].ended or EndReason.ERROR))
        return Accepted(f"interjection queued for {payload['conversation_id']}: it is "
                        "delivered at the conversation's next safe point")
    for control in controls:
        control.interject(Interjection(text, speaker, recipients))
    return f"interjecting in {len(controls)} conversation(s) of {runner.experiment_id}"


def delivered_line(conversation_id: str, turn: int) -> str:
    """How a delivered interjection is reported to the request's sender (1-based turn)."""
    return f"interjection delivered to {conversation_id} at turn {turn}"


def undelivered_line(conversation_id: str, end_reason: EndReason) -> str:
    """How an interjection that never reached its conversation is reported (its late reply on
    the control channel, the headless run's output, the app's notice)."""
    return (f"interjection not delivered to {conversation_id}: the conversation ended "
            f"({end_reason}) before its next safe point")


DEFAULT_HANDLERS: dict[str, Handler] = {
    "stop": handle_stop, "pause": handle_pause, "resume": handle_resume,
    "interject": handle_interject,
}
