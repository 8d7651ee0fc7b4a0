"""A fold over a growing list, carried from call to call: O(new items), always exact.

A conversation re-sends its whole history with every request, so anything computed over the
history (the payload hash, a token count) would cost O(history) per request. `PrefixFold`
keeps the running values of its last list: a later list that starts with the same items (the
history grew at its end; its last item may have been merged with a newer one) only folds what
follows them. Whether it does is checked by comparing the lists (C-level, by identity first:
callers pass the same item objects), so any other list is folded whole and the result is
always the one a fold from the start gives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Value = TypeVar("Value")


class PrefixFold(Generic[Item, Value]):
    """`step` folded over a list's items from `start`, reusing the last call's prefix."""

    __slots__ = ("_step", "_items", "_values")

    def __init__(self, start: Value, step: Callable[[Value, Item], Value]) -> None:
        self._step = step
        self._items: list[Item] = []
        self._values: list[Value] = [start]
        """`_values[i]` is the fold over `_items[:i]`."""

    def restart(self, start: Value) -> None:
        """Fold from another start value (nothing kept)."""
        self._items, self._values = [], [start]

    def __call__(self, items: Sequence[Item]) -> Value:
        kept = self._common_prefix(items)
        del self._items[kept:], self._values[kept + 1:]
        value, step = self._values[kept], self._step
        for item in items[kept:]:
            value = step(value, item)
            self._values.append(value)
        self._items.extend(items[kept:])
        return value

    def _common_prefix(self, items: Sequence[Item]) -> int:
        """How many of the remembered items `items` starts with: all of them, all but the
        last (merged since), or none (the list changed otherwise: folded whole)."""
        known = self._items
        for count in (len(known), len(known) - 1):
            if 0 < count <= len(items) and items[:count] == known[:count]:
                return count
        return 0
