"""The live conversation screen: streaming messages, per-agent figures and run controls."""

from __future__ import annotations

from typing import ClassVar

from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static

from pidgin_tui.core.control import ConversationControl
from pidgin_tui.core.types import AgentId
from pidgin_tui.record.conversation import LIVE_STATUSES, turn_label
from pidgin_tui.tui.app import PidginApp
from pidgin_tui.tui.messages import (
    ConversationEnded,
    ConversationStarted,
    MessageCompleted,
    MessageRequested,
    TokenStreamed,
)
from pidgin_tui.tui.state import ConversationState, ExperimentState
from pidgin_tui.tui.widgets.agent_panel import AgentPanel
from pidgin_tui.tui.widgets.convergence_panel import ConvergencePanel
from pidgin_tui.tui.widgets.conversation_deck import ConversationDeck
from pidgin_tui.tui.widgets.experiment_header import ExperimentHeader
from pidgin_tui.tui.widgets.top_bar import TopBar
from pidgin_tui.views.format import fmt_end_state_badge

REFRESH_S = 0.2
"""How often the figures are redrawn from the store (only when something changed)."""
PREPARE_AFTER_S = 0.5
"""After a conversation is shown, the views of its neighbours are built out of sight once this
long has passed without another switch, so `n`/`p` flip to a ready view."""
FOCUSED = (MessageRequested, TokenStreamed, MessageCompleted)
"""Messages the screen needs only for the conversation it shows."""
EVERY_CONVERSATION = (ConversationStarted, ConversationEnded)


class LiveScreen(Screen[None]):
    """Follows the newest conversation unless the user picked one with n/p."""

    CSS_PATH = "live.tcss"
    BINDING_GROUP_TITLE = "Live"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_pause", "Pause", tooltip="Pause or resume this "
                "conversation at its next safe point", id="toggle_pause"),
        Binding("s", "stop_conversation", "Stop", tooltip="Stop this conversation",
                id="stop_conversation"),
        Binding("S", "stop_experiment", "Stop all", tooltip="Stop the whole experiment "
                "(asks first)", id="stop_experiment"),
        Binding("n", "cycle(1)", "Next", tooltip="Next conversation of the experiment",
                id="next_conversation"),
        Binding("p", "cycle(-1)", "Prev", tooltip="Previous conversation of the experiment",
                show=False, id="previous_conversation"),
        Binding("i", "interject", "Interject", tooltip="Put text into this conversation at its "
                "next safe point, as the narrator or an agent", id="interject"),
        Binding("w", "payload", "Payload", tooltip="What the agent speaking now was sent "
                "(its system prompt, messages, parameters, truncation)", id="payload"),
        Binding("t", "toggle_thinking", "Thinking", tooltip="Unfold or fold every thinking "
                "section", show=False, id="toggle_thinking"),
        Binding("end", "follow", "Follow", tooltip="Scroll to the bottom and follow new text",
                show=False, id="follow"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.experiment_id: str | None = None
        self.conversation_id: str | None = None
        self.pinned = False
        """True once the user chose a conversation with n/p; new ones then don't steal focus."""
        self._thinking_open = False
        self._drawn: tuple[int, int] = (-1, -1)
        self._panels = (AgentPanel(AgentId.A), AgentPanel(AgentId.B))
        self._convergence = ConvergencePanel()
        """Kept rather than queried: a query walks every kept conversation view first."""
        self._prepare_timer: Timer | None = None

    pidgin = getters.app(PidginApp)
    view = getters.query_one(ConversationDeck)

    def compose(self) -> ComposeResult:
        yield TopBar("Live · conversation")
        yield ExperimentHeader()
        yield Static("", id="conversation-line")
        with Horizontal(id="live-main"):
            yield ConversationDeck(id="conversation", record_file=self.pidgin.store.record_file)
            with Vertical(id="live-side"):
                yield from self._panels
                yield self._convergence
        yield Footer(compact=True)

    async def on_mount(self) -> None:
        self.pidgin.hub.listen(self, FOCUSED, focus=lambda: self.conversation_id)
        self.pidgin.hub.listen(self, EVERY_CONVERSATION)
        self.set_interval(REFRESH_S, self.refresh_figures)
        latest = self._latest_conversation()
        if latest is not None:
            await self.show_conversation(latest)
        self.refresh_figures()

    def on_unmount(self) -> None:
        self.pidgin.hub.forget(self)
        if self._prepare_timer is not None:
            self._prepare_timer.stop()

    # --- what is shown ---------------------------------------------------------------------------

    def _experiment(self) -> ExperimentState | None:
        return self.pidgin.store.experiments.get(self.experiment_id or "")

    def _conversation(self) -> ConversationState | None:
        return self.pidgin.store.conversation(self.conversation_id)

    def _latest_conversation(self) -> ConversationState | None:
        experiments = list(self.pidgin.store.experiments.values())
        if not experiments:
            return None
        conversations = list(experiments[-1].conversations.values())
        running = [c for c in conversations if c.status in LIVE_STATUSES]
        candidates = running or conversations
        return candidates[0] if candidates else None

    async def show_conversation(self, conversation: ConversationState) -> None:
        self.experiment_id = conversation.experiment_id
        self.conversation_id = conversation.conversation_id
        with self.app.batch_update():  # one layout for the new messages and figures, not one each
            await self.view.show(conversation)
            self._drawn = (-1, -1)
            self.refresh_figures()
        if self._prepare_timer is not None:
            self._prepare_timer.stop()
        self._prepare_timer = self.set_timer(PREPARE_AFTER_S, self._prepare_neighbours)

    async def _prepare_neighbours(self) -> None:
        """Build the views `n` and `p` would show, while the user reads this one."""
        experiment = self._experiment()
        if experiment is None or self.conversation_id not in experiment.conversations or \
                not self.is_attached:
            return
        ids = list(experiment.conversations)
        index = ids.index(self.conversation_id)
        for step in (1, -1):
            neighbour = experiment.conversations[ids[(index + step) % len(ids)]]
            if neighbour.conversation_id != self.conversation_id:
                await self.view.prepare(neighbour)

    def refresh_figures(self) -> None:
        """Redraw header, conversation line and panels if the store changed since last time.

        While a run goes on, the header's clock and the line's rate-limit countdown move without
        the store changing: those two are redrawn on every tick, and only when their text
        changed; the panels only when the store did (a redraw lays the screen out again)."""
        experiment, conversation = self._experiment(), self._conversation()
        versions = (experiment.version if experiment else -1,
                    conversation.version if conversation else -1)
        running = experiment is not None and experiment.running
        changed = versions != self._drawn
        if not changed and not running:
            return
        self._drawn = versions
        self.query_one(ExperimentHeader).show_experiment(experiment, self.pidgin.clock())
        line = self.query_one("#conversation-line", Static)
        text = self._conversation_line(experiment, conversation)
        if text != line.content:
            line.update(text, layout=False)  # one line high whatever it says
        if not changed:
            return
        for panel in self._panels:
            panel.show_stats(None if conversation is None
                             else conversation.agents[panel.agent_id])
        self._convergence.show_conversation(conversation)

    def _conversation_line(self, experiment: ExperimentState | None,
                           conversation: ConversationState | None) -> str:
        if experiment is None or conversation is None:
            return "[dim]Nothing running. F2 to set up, ctrl+r to launch.[/dim]"
        names = " × ".join(escape(a.name) for a in conversation.agents.values())
        turn = turn_label(conversation.shown_turn, conversation.max_turns).capitalize()
        status: str = conversation.status
        if conversation.finished:
            status = f"{status} ({conversation.end_reason})"
        waiting = conversation.rate_limit_note(self.pidgin.clock())
        if waiting:
            status = f"{status} · [$warning]{waiting}[/]"
        pinned = " · pinned (n/p)" if self.pinned else ""
        badges = "".join(f" [reverse $warning] {escape(fmt_end_state_badge(name, onset))} [/]"
                         for name, onset in conversation.end_states)
        return (f"Conversation {conversation.index + 1} of {experiment.total} · "
                f"[dim]{conversation.conversation_id}[/dim] · {names} · "
                f"[b]{turn}[/b] · {status}{pinned}{badges}")

    # --- messages from the bridge -------------------------------------------------------------

    @on(ConversationStarted)
    async def _started(self, message: ConversationStarted) -> None:
        current = self._conversation()
        new_experiment = message.experiment_id != self.experiment_id
        if new_experiment or current is None or (current.finished and not self.pinned):
            conversation = self.pidgin.store.conversation(message.conversation_id)
            if conversation is not None:
                if new_experiment:
                    self.pinned = False
                await self.show_conversation(conversation)

    @on(MessageRequested)
    async def _requested(self, message: MessageRequested) -> None:
        conversation = self._shown(message.conversation_id)
        if conversation is not None:
            if message.attempt > 1:
                await self.view.restart_message(message.agent_id, message.turn)
            await self.view.sync(conversation)
            self.refresh_figures()

    @on(TokenStreamed)
    async def _streamed(self, message: TokenStreamed) -> None:
        conversation = self._shown(message.conversation_id)
        if conversation is None:
            message.take()
        if conversation is not None:
            await self.view.add_chunks(conversation, message.agent_id, message.turn,
                                       message.chunk_index, message.take(), message.thinking)

    @on(MessageCompleted)
    async def _completed(self, message: MessageCompleted) -> None:
        conversation = self._shown(message.conversation_id)
        if conversation is not None:
            await self.view.finish_message(conversation, message.agent_id, message.turn)
            self.refresh_figures()

    @on(ConversationEnded)
    async def _ended(self, message: ConversationEnded) -> None:
        conversation = self._shown(message.conversation_id)
        if conversation is not None:
            self.view.show_end(conversation)
            self.refresh_figures()
        elif not self.pinned:
            current = self._conversation()
            if current is not None and current.finished:
                following = self._latest_conversation()
                if following is not None and following is not current:
                    await self.show_conversation(following)

    def _shown(self, conversation_id: str) -> ConversationState | None:
        if conversation_id != self.conversation_id or self.view.conversation_id is None:
            return None
        return self._conversation()

    # --- controls -----------------------------------------------------------------------------

    def _control(self) -> ConversationControl | None:
        run = self.pidgin.runs.get(self.experiment_id or "")
        conversation = self._conversation()
        if run is None or conversation is None or conversation.finished:
            self.notify("No running conversation on screen.", severity="warning")
            return None
        return run.runner.control.for_conversation(conversation.conversation_id)

    def action_toggle_pause(self) -> None:
        control = self._control()
        if control is not None:
            paused = control.toggle_pause()
            self.notify("Pausing at the next safe point…" if paused else "Resumed.",
                        title="Conversation")

    def action_interject(self) -> None:
        from pidgin_tui.core.control import Interjection
        from pidgin_tui.tui.screens.interject_dialog import InterjectDialog

        control = self._control()
        if control is None or self.conversation_id is None:
            return

        def queue(interjection: Interjection | None) -> None:
            if interjection is not None:
                control.interject(interjection)
                self.notify("Delivered at the next safe point.", title="Interjection")

        self.app.push_screen(InterjectDialog(self.conversation_id), queue)

    def action_stop_conversation(self) -> None:
        control = self._control()
        if control is not None:
            control.stop()
            self.notify("Stopping at the next safe point…", title="Conversation")

    def action_stop_experiment(self) -> None:
        from pidgin_tui.tui.screens.confirm import ConfirmScreen

        run = self.pidgin.runs.get(self.experiment_id or "")
        experiment = self._experiment()
        if run is None or experiment is None or not experiment.running:
            self.notify("No running experiment on screen.", severity="warning")
            return

        def stop(confirmed: bool | None) -> None:
            if confirmed:
                run.runner.stop()
                self.notify("Every conversation stops at its next safe point.",
                            title="Stopping experiment")

        self.app.push_screen(ConfirmScreen(
            "Stop the whole experiment?",
            f"{experiment.name}: {experiment.total - experiment.done} conversation(s) not "
            "finished. They end as stopped (status interrupted).",
            yes="Stop experiment", no="Keep running"), stop)

    async def action_cycle(self, step: int) -> None:
        experiment = self._experiment()
        if experiment is None or not experiment.conversations:
            return
        ids = list(experiment.conversations)
        index = ids.index(self.conversation_id) if self.conversation_id in ids else 0
        self.pinned = True
        await self.show_conversation(experiment.conversations[ids[(index + step) % len(ids)]])

    def action_payload(self) -> None:
        from pathlib import Path

        from pidgin_tui.tui.screens.payload import PayloadScreen

        experiment, conversation = self._experiment(), self._conversation()
        if experiment is None or conversation is None or not conversation.turns \
                or not experiment.output_dir:
            self.notify("No request to inspect yet.", severity="warning")
            return
        turn = max(conversation.turns)
        agent_id = list(conversation.turns[turn])[-1]  # the latest speaker of the latest turn
        self.app.push_screen(PayloadScreen(Path(experiment.output_dir),
                                           conversation.conversation_id, turn,
                                           AgentId(agent_id), registry=self.pidgin.registry))

    def action_toggle_thinking(self) -> None:
        self._thinking_open = not self._thinking_open
        self.view.fold_thinking(not self._thinking_open)

    def action_follow(self) -> None:
        self.view.follow()
