"""PayloadScreen: exactly what one agent was sent at one turn, rebuilt and checked against the
record's hash (`experiments.payload` does the work; this screen only shows it).

Model text is shown as plain text (`markup=False`), never interpreted as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from pidgin_tui.core.types import AgentId
from pidgin_tui.experiments.payload import Payload
from pidgin_tui.providers.registry import Registry
from pidgin_tui.tui.widgets.top_bar import TopBar


class PayloadScreen(Screen[None]):
    """The request agent `agent` was sent at 1-based `turn` of one conversation."""

    CSS_PATH = "payload.tcss"
    BINDING_GROUP_TITLE = "Payload"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "agent('agent_a')", "Agent A", tooltip="Show what agent A was sent",
                id="payload.agent_a"),
        Binding("b", "agent('agent_b')", "Agent B", tooltip="Show what agent B was sent",
                id="payload.agent_b"),
        Binding("left_square_bracket", "turn(-1)", "Prev turn",
                tooltip="The same agent's request one turn earlier", id="payload.prev"),
        Binding("right_square_bracket", "turn(1)", "Next turn",
                tooltip="The same agent's request one turn later", id="payload.next"),
        Binding("escape", "close", "Back", tooltip="Close the payload inspector",
                id="payload.close"),
    ]

    @dataclass
    class Rebuilt(Message):
        payload: Payload | None
        problem: str = ""

    def __init__(self, experiment_dir: Path, conversation_id: str, turn: int, agent: AgentId,
                 *, registry: Registry | None = None) -> None:
        super().__init__()
        self.experiment_dir = experiment_dir
        self.conversation_id = conversation_id
        self.turn = max(1, turn)
        self.agent = agent
        self.registry = registry

    def compose(self) -> ComposeResult:
        yield TopBar("Payload inspector")
        yield Static("", id="payload-header", markup=False)
        yield Static("", id="payload-facts", markup=False)
        yield VerticalScroll(id="payload-messages")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.rebuild()

    @work(thread=True, exclusive=True, group="payload", exit_on_error=False)
    def rebuild(self) -> None:
        from pidgin_tui.experiments.payload import rebuild_payload

        try:
            payload = rebuild_payload(self.experiment_dir, self.conversation_id, self.turn,
                                      self.agent, registry=self.registry)
        except (LookupError, ValueError, OSError) as exc:
            self.post_message(self.Rebuilt(None, str(exc)))
            return
        self.post_message(self.Rebuilt(payload))

    async def on_payload_screen_rebuilt(self, message: Rebuilt) -> None:
        header = self.query_one("#payload-header", Static)
        facts = self.query_one("#payload-facts", Static)
        messages = self.query_one("#payload-messages", VerticalScroll)
        await messages.remove_children()
        payload = message.payload
        if payload is None:
            header.update(f"{self.conversation_id} · turn {self.turn} · agent "
                          f"{self.agent.letter}")
            facts.update(message.problem)
            header.set_class(False, "-verified")
            return
        mark = "✓ verified" if payload.verified else "✗ differs"
        header.update(f"{payload.conversation_id} · turn {payload.turn} · agent "
                      f"{payload.agent.letter} ({payload.model}) · attempt {payload.attempt}"
                      f" · {mark}")
        header.set_class(payload.verified, "-verified")
        header.set_class(not payload.verified, "-differs")
        facts.update("\n".join([*payload.parameter_lines(), f"Truncation: {payload.truncation}",
                                f"Hash: recorded {payload.recorded_hash[:16]}… rebuilt "
                                f"{payload.rebuilt_hash[:16]}…",
                                *(f"Note: {note}" for note in payload.notes)]))
        blocks = [self._block("system", payload.system or "(none)")]
        blocks += [self._block(f"{number} · {m.role}", m.content, m.role)
                   for number, m in enumerate(payload.messages, 1)]
        await messages.mount_all(blocks)

    @staticmethod
    def _block(title: str, text: str, role: str = "system") -> Static:
        block = Static(text, markup=False, classes=f"payload-message -{role}")
        block.border_title = title
        return block

    def action_agent(self, agent: str) -> None:
        self.agent = AgentId(agent)
        self.rebuild()

    def action_turn(self, step: int) -> None:
        self.turn = max(1, self.turn + step)
        self.rebuild()

    def action_close(self) -> None:
        self.dismiss()
