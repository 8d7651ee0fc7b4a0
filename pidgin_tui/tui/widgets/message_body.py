"""A message's Markdown: built with its widget in one mount, refilled in place when reused."""

from __future__ import annotations

from markdown_it import MarkdownIt
from textual import on
from textual.app import ComposeResult
from textual.events import Mount
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownBlock, MarkdownParagraph

_parser: MarkdownIt | None = None


def shared_parser() -> MarkdownIt:
    """One Markdown parser for every message: Textual builds a new one per append otherwise,
    which costs about a millisecond each time."""
    global _parser
    if _parser is None:
        _parser = MarkdownIt("gfm-like")
    return _parser


class MessageBody(Markdown):
    """Textual's `Markdown`, except that its text is parsed on the event loop and its blocks
    composed with it (`Markdown` parses on a worker thread and mounts the blocks in a second
    pass), and that `replace` rewrites paragraphs in place instead of mounting new ones: a
    message shown, or a view reused for another conversation, costs one mount and one layout.

    Later text arrives as with `Markdown` (`Markdown.get_stream`).
    """

    def __init__(self, text: str, *, classes: str | None = None) -> None:
        super().__init__(None, classes=classes, parser_factory=shared_parser)
        self._text = text

    def compose(self) -> ComposeResult:
        text, self._text = self._text, ""
        yield from self._blocks_of(text)

    @on(Mount)
    def _keep_composed_blocks(self, event: Mount) -> None:
        """The blocks were composed: `Markdown`'s own mount handler (which this one keeps from
        running) would replace them by the blocks of its (empty) initial text."""
        event.prevent_default()

    def _blocks_of(self, text: str) -> list[MarkdownBlock]:
        """The blocks of `text`, leaving the state `Markdown.update` leaves (so appends that
        follow parse from the same line)."""
        self._markdown = text
        self._table_of_contents = None
        lines = text.splitlines()
        self._last_parsed_line = len(lines) - (1 if lines and lines[-1] else 0)
        return list(self._parse_markdown(shared_parser().parse(text))) if text else []

    async def replace(self, text: str) -> None:
        """Show `text` instead of what is shown: paragraphs where paragraphs were are
        rewritten in place, anything else is mounted anew."""
        async with self.lock:
            blocks = self._blocks_of(text)
            shown = list(self.query_children(MarkdownBlock))
            if len(shown) == len(blocks) and all(
                    type(old) is MarkdownParagraph and type(new) is MarkdownParagraph
                    for old, new in zip(shown, blocks, strict=True)):
                for old, new in zip(shown, blocks, strict=True):
                    old.source_range = new.source_range
                    await old._update_from_block(new)
                return
            with self.app.batch_update():
                await self.remove_children()
                if blocks:
                    await self.mount_all(blocks)
