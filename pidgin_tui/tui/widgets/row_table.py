"""RowTable: a DataTable updated in place from keyed rows, keeping the cursor on its row."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from rich.style import Style
from rich.text import Text
from textual.color import Color, ColorParseError
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, ColumnKey, RowKey

from pidgin_tui.core.types import ExperimentStatus

Cell = str | Text

@lru_cache(maxsize=64)
def _style_for(colour: str) -> Style:
    """A foreground style from a theme colour (which may carry an alpha channel)."""
    try:
        return Style(color=Color.parse(colour).rich_color)
    except ColorParseError:
        return Style()


STATUS_COLOURS: dict[str, str] = {
    "running": "accent", "created": "foreground-muted", "completed": "success",
    "failed": "error", "interrupted": "warning", "damaged": "error",
}
"""Theme variable used for each lifecycle word."""


class RowTable(DataTable[Cell]):
    """A row-cursor DataTable whose content is replaced by `set_rows` without flicker.

    When the keys keep their order, only cells that changed are updated; otherwise the table is
    rebuilt and the cursor returns to the row it was on.
    """

    DEFAULT_CSS = """
    RowTable { height: 1fr; }
    """

    def __init__(self, columns: Sequence[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self._column_spec = list(columns)
        self._rows: dict[str, tuple[Cell, ...]] = {}

    def on_mount(self) -> None:
        self._ensure_columns()

    def _ensure_columns(self) -> None:
        if not self.columns:
            for label, key in self._column_spec:
                self.add_column(label, key=key)

    @property
    def current_key(self) -> str | None:
        """The key of the row under the cursor."""
        if not self.row_count:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except Exception:  # noqa: BLE001 - an empty or shrinking table has no cell there
            return None
        return None if row_key.value is None else str(row_key.value)

    @staticmethod
    def as_cells(cells: Sequence[Cell]) -> tuple[Text, ...]:
        """Cells as Text: plain strings are shown as they are, never parsed as markup."""
        return tuple(Text(c) if isinstance(c, str) else c for c in cells)

    def set_rows(self, rows: Sequence[tuple[str, Sequence[Cell]]]) -> None:
        """Show `rows` (key, cells). Cells given as a list are converted with `as_cells`; a tuple
        must come from `as_cells`. Passing the very same tuple as last time for a row skips
        comparing it, which keeps large tables cheap to refresh."""
        self._ensure_columns()
        rows = [(key, cells if isinstance(cells, tuple) else self.as_cells(cells))
                for key, cells in rows]
        keys = [key for key, _ in rows]
        if keys == list(self._rows):
            columns = [key for _, key in self._column_spec]
            for key, cells in rows:
                old = self._rows[key]
                if old is cells:
                    continue
                for index, cell in enumerate(cells):
                    if old[index] != cell:  # a longer value widens its column
                        self.update_cell(key, columns[index], cell, update_width=True)
                self._rows[key] = tuple(cells)
            return
        current = self.current_key
        self.clear()
        self._rows = {}
        for key, cells in rows:
            self.add_row(*cells, key=key)
            self._rows[key] = tuple(cells)
        if current in self._rows:
            self.move_cursor(row=keys.index(current), animate=False)

    def mark_sorted(self, key: str | None, reverse: bool) -> None:
        """Show ▲ (ascending) or ▼ after the label of the column the rows are sorted by."""
        self._ensure_columns()
        for index, (label, column_key) in enumerate(self._column_spec):
            column = self.columns.get(ColumnKey(column_key))
            if column is None:
                continue
            arrow = (" ▼" if reverse else " ▲") if column_key == key else ""
            column.label = Text(label + arrow)
            widest = max((Text(c).cell_len if isinstance(c, str) else c.cell_len
                          for cells in self._rows.values() for c in cells[index:index + 1]),
                         default=0)
            column.content_width = max(widest, column.label.cell_len)
        self._redraw_with_new_widths()

    def _redraw_with_new_widths(self) -> None:
        """DataTable measures new rows on idle but keeps lines rendered at the old column
        widths (header included); drop those so the widened columns show."""
        self._clear_caches()
        self.refresh()

    def _update_column_widths(self, updated_cells: set[CellKey]) -> None:
        """DataTable measures updated cells on idle, but a line drawn between the update and
        that measure stays cached at the old width: redraw when a width moved."""
        widths = self._content_widths()
        super()._update_column_widths(updated_cells)
        if self._content_widths() != widths:
            self._redraw_with_new_widths()

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """The same for the widths measured from new rows."""
        widths = self._content_widths()
        super()._update_dimensions(new_rows)
        if self._content_widths() != widths:
            self._redraw_with_new_widths()

    def _content_widths(self) -> list[int]:
        return [column.content_width for column in self.columns.values()]

    def status_text(self, status: ExperimentStatus, label: str | None = None) -> Text:
        return Text(label or status, style=self.theme_style(STATUS_COLOURS.get(status, "")))

    def theme_style(self, variable: str) -> Style:
        """A Rich style in the colour of a theme variable (so cells follow the theme)."""
        colour = self.app.theme_variables.get(variable) if variable else None
        return _style_for(colour) if colour else Style()
