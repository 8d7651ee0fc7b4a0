"""Following a detached run's transcript shows the message in progress, and the thinking before
it, as they grow."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.events import MessageChunkEvent, MessageCompleteEvent, ThinkingChunkEvent
from pidgin_tui.experiments.synthetic import conversation_events, write_jsonl
from pidgin_tui.record.layout import conversation_jsonl_name, experiments_dir
from pidgin_tui.record.live_text import LiveTextWriter
from pidgin_tui.record.lock import ExperimentLock
from pidgin_tui.tui.screens.transcript import TranscriptScreen
from pidgin_tui.tui.widgets.transcript_view import TranscriptView

from .helpers import static_text, wait_until
from .host import HostApp

SIZE = (100, 30)


def _chunk(text: str) -> MessageChunkEvent:
    return MessageChunkEvent(experiment_id="live01", conversation_id="live01_0001",
                             agent_id="agent_a", turn_number=3, chunk=text)


def _view_text(screen: TranscriptScreen) -> str:
    view = screen.query_one(TranscriptView)
    return "\n".join(line.text for line in view.layout_data.lines)


async def test_follow_mode_shows_the_partial_message_until_the_jsonl_holds_it(
        tmp_path: Path) -> None:
    experiment = experiments_dir(tmp_path) / "experiment_live01_talk_20260101"
    experiment.mkdir(parents=True)
    jsonl = experiment / conversation_jsonl_name("live01_0001")
    write_jsonl(jsonl, conversation_events("live01", "live01_0001", 2, max_turns=4, ended=False))
    bus, writer = EventBus(), LiveTextWriter(lambda: experiment)
    writer.attach(bus)
    screen = TranscriptScreen(jsonl, follow=True)
    app = HostApp(tmp_path, lambda: screen)
    with ExperimentLock.acquire(experiment):  # the run writing the experiment holds its lock
        await _follow(app, bus, jsonl, screen)


async def _follow(app: HostApp, bus: EventBus, jsonl: Path, screen: TranscriptScreen) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await bus.publish(ThinkingChunkEvent(
            experiment_id="live01", conversation_id="live01_0001", agent_id="agent_a",
            turn_number=3, chunk="Should I [i]agree[/]?"))
        await wait_until(pilot, lambda: "Should I [i]agree[/]?" in static_text(pilot, "#tx-live"),
                         "the thinking on screen, as plain text")
        assert "Ada · turn 3 / 4 · thinking…" in static_text(pilot, "#tx-live")
        assert "(thinking) Should I" in static_text(pilot, "#tx-live")
        await bus.publish(_chunk("The first words "))
        await wait_until(pilot, lambda: "The first words" in static_text(pilot, "#tx-live"),
                         "the first chunk on screen")
        assert "Ada · turn 3 / 4 · writing…" in static_text(pilot, "#tx-live")
        assert "(thinking) Should I" in static_text(pilot, "#tx-live"), "still labelled"
        await bus.publish(_chunk("[bold]then more[/]"))
        await wait_until(pilot, lambda: "[bold]then more[/]" in static_text(pilot, "#tx-live"),
                         "the next chunk, shown as plain text")
        assert "The first words" not in _view_text(screen)

        final = MessageCompleteEvent(experiment_id="live01", conversation_id="live01_0001",
                                     seq=500, agent_id="agent_a", turn_number=3,
                                     content="The first words [bold]then more[/] and the end.")
        write_jsonl(jsonl, [final])
        await bus.publish(final)
        await wait_until(pilot, lambda: "and the end." in _view_text(screen),
                         "the complete message in the transcript")
        await wait_until(pilot, lambda: not screen.query_one("#tx-live", Static).display,
                         "the partial message gone")
