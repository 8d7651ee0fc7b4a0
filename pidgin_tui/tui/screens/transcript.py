"""TranscriptScreen: one conversation, virtualised, with search, jump, export and follow mode.

The JSONL is parsed in a thread worker; the screen shows it through `TranscriptView`, which never
mounts a widget per message. With `follow`, the file is re-read from its last offset twice a
second, so a run in another process appears message by message; a detached run also keeps the
message it is writing, and the thinking before it, on disk (`record.live_text`), shown below the
view as it grows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import getters, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Sparkline, Static
from textual.worker import Worker, WorkerState

from pidgin_tui.core.events import Event
from pidgin_tui.record.conversation import TRANSCRIPT_EVENTS, ConversationRecord, turn_label
from pidgin_tui.record.live_text import LiveText
from pidgin_tui.tui.app import PidginApp
from pidgin_tui.tui.widgets.prompt_bar import PromptBar
from pidgin_tui.tui.widgets.top_bar import TopBar
from pidgin_tui.tui.widgets.transcript_view import TranscriptView

FOLLOW_POLL_S = 0.5
"""How often a followed JSONL file is checked for new lines."""
LIVE_TEXT_LINES = 8
"""The message in progress shows at most its last this many lines."""


class TranscriptScreen(Screen[None]):
    """A transcript read from `path` (a conversation JSONL file)."""

    CSS_PATH = "transcript.tcss"
    BINDING_GROUP_TITLE = "Transcript"
    BINDINGS: ClassVar[list[BindingType]] = [  # hidden ones are in F1 and the palette: the
        # footer fits 120 columns
        Binding("slash", "search", "Search", tooltip="Search the transcript", id="tx.search"),
        Binding("n", "next_hit(1)", "Next", tooltip="Next search hit", id="tx.next"),
        Binding("N", "next_hit(-1)", "Previous", tooltip="Previous search hit", show=False,
                id="tx.prev"),
        Binding("g", "goto", "Go to turn", tooltip="Jump to a turn number", id="tx.goto"),
        Binding("t", "toggle_thinking", "Thinking", tooltip="Fold or unfold thinking",
                id="tx.thinking"),
        Binding("f", "toggle_follow", "Follow", tooltip="Follow new messages", show=False,
                id="tx.follow"),
        Binding("e", "export", "Export .md", tooltip="Export the transcript to Markdown",
                show=False, id="tx.export"),
        Binding("m", "metrics", "Metrics", tooltip="Plot this conversation's metrics",
                id="tx.metrics"),
        Binding("w", "payload", "Payload", tooltip="What this message's agent was sent (the "
                "message at the top, or the current search hit)", show=False, id="tx.payload"),
        Binding("R", "readme", "README", tooltip="Open the experiment's generated README",
                show=False, id="tx.readme"),
        Binding("b", "branch", "Branch", tooltip="Branch the conversation after the message at "
                "the top: same turns up to it, then other settings", id="tx.branch"),
        Binding("T", "tree", "Family tree", tooltip="This conversation's parent, siblings and "
                "branches", id="tx.tree"),
        Binding("c", "compare", "Compare", tooltip="This branch side by side with its parent",
                id="tx.compare"),
        Binding("i", "interject", "Interject", tooltip="Put text into this conversation at its "
                "next safe point, through its run's control channel (any process)",
                id="tx.interject"),
        Binding("escape", "close", "Back", tooltip="Close the transcript", id="tx.close"),
    ]

    pidgin = getters.app(PidginApp)

    @dataclass
    class Loaded(Message):
        """The worker parsed the whole file."""

        log: ConversationRecord

    @dataclass
    class Grew(Message):
        """The followed file has new complete lines."""

        events: list[Event]
        offset: int
        live: LiveText | None = None
        """The message in progress, when the run streams one to the disk."""

    @dataclass
    class Answered(Message):
        """The run answered an interjection sent from this screen (or nobody could)."""

        ok: bool
        line: str

    def __init__(self, path: Path, *, follow: bool = False, log: ConversationRecord | None = None,
                 turn: int | None = None, highlight: str | None = None) -> None:
        super().__init__()
        self.path = path
        self.follow = follow
        self._open_at = turn
        """1-based turn to show first (a search result)."""
        self._highlight = highlight
        """Text to mark, from that turn on, once the transcript is shown."""
        self.transcript = log
        self._reading = False

    def compose(self) -> ComposeResult:
        yield TopBar("Live · following the run's JSONL" if self.follow else "Transcript")
        yield Static(f"Loading {self.path.name}…", id="tx-header", markup=False)
        yield Sparkline([], id="tx-convergence")
        yield Static("", id="tx-live", markup=False)
        yield Static("", id="tx-status", markup=False)
        yield PromptBar(id="tx-prompt")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if self.transcript is None:
            self.load()
        else:
            self._show(self.transcript)
        if self.follow:
            self.set_interval(FOLLOW_POLL_S, self._poll, name="transcript-follow")

    @work(thread=True, exclusive=True, group="transcript-load", exit_on_error=False)
    def load(self) -> None:
        self.post_message(self.Loaded(ConversationRecord.read(self.path,
                                                              types=TRANSCRIPT_EVENTS)))

    def on_transcript_screen_loaded(self, message: Loaded) -> None:
        self._show(message.log)

    def _show(self, log: ConversationRecord) -> None:
        self.transcript = log
        view = TranscriptView(log, follow=self.follow, id="tx-view")
        self.mount(view, before=self.query_one("#tx-live"))
        view.focus()
        self._update_header()
        if self._open_at is not None or self._highlight:
            self.call_after_refresh(self._open_at_hit, view)

    def _open_at_hit(self, view: TranscriptView) -> None:
        """Scroll to the requested turn, then mark the highlight's first hit from there on."""
        if not view.layout_data.lines:  # laid out on its first resize
            self.call_after_refresh(self._open_at_hit, view)
            return
        if self._open_at is not None:
            view.goto_turn(self._open_at)
            self._status(f"turn {self._open_at}")
        if self._highlight:
            view.search_for(self._highlight)
        self._open_at = self._highlight = None

    @property
    def view(self) -> TranscriptView | None:
        found = self.query(TranscriptView)
        return found.first() if found else None

    def _update_header(self) -> None:
        log = self.transcript
        if log is None:
            return
        self.refresh_bindings()  # `i` shows while a followed conversation goes on
        ended = f" · {log.status} ({log.end_reason})" if log.end_reason else f" · {log.status}"
        follow = " · following" if self.follow else ""
        self.query_one("#tx-header", Static).update(
            f"{log.title} · {log.turns_completed}/{log.max_turns} turns{ended}{follow}")
        self.query_one("#tx-convergence", Sparkline).data = [
            t.convergence_score for t in log.turns_in_order if t.convergence_score is not None]

    def _poll(self) -> None:
        if self.transcript is not None and self.follow and not self._reading and self.is_active:
            self._reading = True
            self._read_more(self.transcript.offset)

    @work(thread=True, exclusive=True, group="transcript-follow", exit_on_error=False)
    def _read_more(self, offset: int) -> None:
        from pidgin_tui.record.jsonl import read_events
        from pidgin_tui.record.layout import conversation_id_of
        from pidgin_tui.record.live_text import read_live_text

        result = read_events(self.path, offset, types=TRANSCRIPT_EVENTS)
        conversation_id = conversation_id_of(self.path)
        live = read_live_text(self.path.parent, conversation_id) if conversation_id else None
        self.post_message(self.Grew(result.events, result.offset, live))

    def on_transcript_screen_grew(self, message: Grew) -> None:
        self._reading = False
        if self.transcript is None:
            return
        if message.offset > self.transcript.offset:
            self.transcript.offset = message.offset
            for event in message.events:
                self.transcript.apply(event)
            if self.view is not None:
                self.view.refresh_log()
            self._update_header()
        self._show_live(message.live)

    def _show_live(self, live: LiveText | None) -> None:
        """Show the message in progress (plain text: model output is never markup) until the
        JSONL holds it complete."""
        widget = self.query_one("#tx-live", Static)
        log = self.transcript
        if live is None or log is None or not self.follow or log.ended or any(
                m.agent_id == live.agent_id and m.turn_number == live.turn_number
                for m in log.messages[-4:]):
            widget.display = False
            return
        width = max(self.size.width, 40)

        def tail(text: str, lines: int) -> str:
            return "\n".join(text.splitlines()[-lines:])[-lines * width:]

        turn = turn_label(live.turn_number, log.max_turns)
        parts = [f"{log.name_of(live.agent_id)} · {turn} · "
                 f"{'writing' if live.text else 'thinking'}…"]
        if live.thinking:  # labelled, and shorter once the reply itself streams
            parts.append(f"(thinking) {tail(live.thinking, 3 if live.text else LIVE_TEXT_LINES)}")
        if live.text:
            parts.append(tail(live.text, LIVE_TEXT_LINES))
        widget.update("\n".join(parts))
        widget.display = True

    # --- actions ---------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`i` only while the conversation followed on screen may still take text."""
        if action == "interject":
            return self.follow and self.transcript is not None and not self.transcript.ended
        return True

    def action_interject(self) -> None:
        from pidgin_tui.core.control import Interjection
        from pidgin_tui.tui.screens.interject_dialog import InterjectDialog

        log = self.transcript
        if log is None or log.ended:
            return

        def send(interjection: Interjection | None) -> None:
            if interjection is not None:
                self._send_interjection({
                    "conversation_id": log.conversation_id, "text": interjection.text,
                    "speaker": interjection.speaker, "to": list(interjection.to)})

        self.app.push_screen(InterjectDialog(log.conversation_id), send)

    @work(thread=True, group="interject", exit_on_error=False)
    def _send_interjection(self, payload: dict[str, object]) -> None:
        """Through the experiment's control channel: the process running it (this app, a
        headless or detached run) answers; blocking, so off the app's loop."""
        from pidgin_tui.experiments.run_requests import NotListening, ask
        from pidgin_tui.record.control_channel import BadRequest

        try:
            reply = ask(self.pidgin.output_root, self.path.parent, "interject", payload)
        except (NotListening, BadRequest, OSError) as exc:
            self.post_message(self.Answered(False, str(exc)))
            return
        if reply is None:
            self.post_message(self.Answered(True, "sent; the run has not answered yet (it "
                                                  "delivers it at its next safe point)"))
        else:
            self.post_message(self.Answered(reply.ok, reply.outcome))

    def on_transcript_screen_answered(self, message: Answered) -> None:
        self.notify(message.line, title="Interjection" if message.ok
                    else "Interjection not delivered",
                    severity="information" if message.ok else "warning", markup=False)

    def action_search(self) -> None:
        view = self.view
        self.query_one(PromptBar).ask("search", "Search (Enter to find, Esc to cancel)",
                                      view.query_text if view else "")

    def action_goto(self) -> None:
        self.query_one(PromptBar).ask("goto", "Go to turn number")

    def on_prompt_bar_answered(self, message: PromptBar.Answered) -> None:
        view = self.view
        if view is None:
            return
        view.focus()
        if message.mode == "search":
            if not message.value.strip():
                view.clear_search()
                self._status("")
            elif not view.search_for(message.value):
                self._status(f"“{message.value}” not found")
        elif message.mode == "goto":
            try:
                turn = int(message.value)
            except ValueError:
                self._status(f"not a turn number: {message.value}")
                return
            self._status(f"turn {turn}" if view.goto_turn(turn) else f"no turn {turn}")

    def on_prompt_bar_cancelled(self) -> None:
        if self.view is not None:
            self.view.focus()

    def on_transcript_view_search_moved(self, message: TranscriptView.SearchMoved) -> None:
        view = self.view
        if message.index < 0 or view is None:
            return
        self._status(f"“{view.query_text}” {message.index + 1}/{message.total} · turn "
                     f"{message.turn or 1} · n/N for next/previous")

    def _status(self, text: str) -> None:
        self.query_one("#tx-status", Static).update(text)

    def action_next_hit(self, step: int) -> None:
        if self.view is not None:
            self.view.next_hit(step)

    def action_toggle_thinking(self) -> None:
        if self.view is not None:
            self.view.show_thinking = not self.view.show_thinking

    def action_toggle_follow(self) -> None:
        self.follow = not self.follow
        if self.view is not None:
            self.view.follow = self.follow
            if self.follow:
                self.view.scroll_end(animate=False)
        if self.follow:
            self.set_interval(FOLLOW_POLL_S, self._poll, name="transcript-follow")
        else:
            self.query_one("#tx-live", Static).display = False
        self._update_header()

    def action_export(self) -> None:
        if self.transcript is None:
            return
        from pidgin_tui.reports.transcript import write_transcripts

        try:
            target = write_transcripts(self.path.parent, self.transcript.conversation_id)[0]
        except OSError as exc:
            self.notify(f"Export failed: {exc}", severity="error")
            return
        self.notify(f"Exported to {target}")

    def action_payload(self) -> None:
        from pidgin_tui.core.types import AgentId
        from pidgin_tui.tui.screens.payload import PayloadScreen

        view = self.view
        selected = view.selected_message() if view is not None else None
        if selected is None or self.transcript is None:
            self.notify("No message to inspect yet.", severity="warning")
            return
        turn, agent_id = selected
        self.app.push_screen(PayloadScreen(
            self.path.parent, self.transcript.conversation_id, turn, AgentId(agent_id),
            registry=self.pidgin.registry))

    def action_branch(self) -> None:
        from pidgin_tui.experiments.spec import SpecError, parse_spec
        from pidgin_tui.record.manifest import read_manifest
        from pidgin_tui.tui.screens.branch_dialog import BranchChoice, BranchDialog

        view, log = self.view, self.transcript
        selected = view.selected_message() if view is not None else None
        if selected is None or log is None:
            self.notify("No turn to branch from yet.", severity="warning")
            return
        try:
            manifest = read_manifest(self.path.parent, conversations=False)
            spec = parse_spec(manifest.config if manifest is not None else {})
        except SpecError as exc:
            self.notify(f"Cannot read the experiment's spec: {exc}", severity="error",
                        markup=False)
            return

        def launch(choice: BranchChoice | None) -> None:
            if choice is None:
                return
            try:
                run = self.pidgin.launch_branch(choice.source, into_parent=choice.into_parent)
            except Exception as exc:  # e.g. the parent experiment is running elsewhere
                self.notify(f"{type(exc).__name__}: {exc}", title="Cannot branch",
                            severity="error", markup=False)
                return
            self.app.switch_mode("live")
            self.notify(f"Branching {log.conversation_id} after turn {choice.source.turn} "
                        f"({run.runner.experiment_id}).", title="Launched", markup=False)

        self.app.push_screen(BranchDialog(self.path.parent, log.conversation_id,
                                          selected[0], spec), launch)

    def action_tree(self) -> None:
        from pidgin_tui.tui.screens.tree import TreeScreen

        conversation_id = self.transcript.conversation_id if self.transcript else None
        self.app.push_screen(TreeScreen(self.pidgin.output_root, self.path.parent,
                                        conversation_id or None), self._open_chosen)

    def _open_chosen(self, path: Path | None) -> None:
        """A conversation chosen in the family tree: its transcript, over this one."""
        if path is not None:
            self.app.push_screen(TranscriptScreen(path))

    def action_compare(self) -> None:
        from pidgin_tui.experiments.lookup import ConversationNotFound, find_conversation
        from pidgin_tui.record.layout import ExperimentNotFound
        from pidgin_tui.tui.screens.compare import CompareScreen

        log = self.transcript
        if log is None or log.parent_conversation_id is None:
            self.notify("Not a branch: pick conversations to compare in the family tree (T).",
                        severity="warning")
            return
        try:
            parent = find_conversation(self.pidgin.output_root, log.parent_conversation_id)
        except (ConversationNotFound, ExperimentNotFound) as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.app.push_screen(CompareScreen([parent, (self.path.parent, log.conversation_id)]))

    def action_readme(self) -> None:
        from pidgin_tui.tui.screens.readme import open_readme

        open_readme(self.app, self.path.parent)

    def action_metrics(self) -> None:
        from pidgin_tui.tui.screens.metrics import MetricsScreen

        if self.transcript is not None:
            self.app.push_screen(MetricsScreen(self.path.parent, [self.path]))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self._reading = False  # the next poll tries again
            self.notify(f"Reading {self.path.name}: {event.worker.error}", severity="error")

    def action_close(self) -> None:
        bar = self.query_one(PromptBar)
        if bar.has_class("-shown"):
            bar.action_cancel()
        else:
            self.dismiss()
