"""Costs, token counts and durations read the same on every screen, command and report."""

from __future__ import annotations

import re

import pytest

from pidgin_tui.views.format import format_clock, format_cost, format_duration, format_tokens
from tests.conftest import REPO_ROOT


@pytest.mark.parametrize(("cost", "unpriced", "text"), [
    (1234.5678, False, "$1,234.57"),
    (1.0, False, "$1.00"),
    (0.01234, False, "$0.0123"),
    (0.0, False, "$0.00"),
    (None, False, "unpriced"),
    (12.5, True, "unpriced"),
    (12.5, 3, "unpriced"),
])
def test_cost(cost: float | None, unpriced: bool | int, text: str) -> None:
    assert format_cost(cost, unpriced) == text


@pytest.mark.parametrize(("tokens", "full", "compact"), [
    (950, "950", "950"), (1234, "1,234", "1.2k"), (12_345, "12,345", "12k"),
    (1_234_567, "1,234,567", "1.2M"),
])
def test_tokens(tokens: int, full: str, compact: str) -> None:
    assert (format_tokens(tokens), format_tokens(tokens, compact=True)) == (full, compact)


@pytest.mark.parametrize(("seconds", "text"), [
    (None, "-"), (45.7, "45s"), (305, "5m05s"), (3720, "1h02m"),
])
def test_duration(seconds: float | None, text: str) -> None:
    assert format_duration(seconds) == text


def test_clock() -> None:
    assert format_clock(3723.9) == "01:02:03"


MONEY = re.compile(r"""f["'][^"'\n]*\$\{|["']\$["']\s*\+|:[,]?\.[0-9]f\}["'][^\n]*\$""")
RATES = {"pidgin_tui/providers/pricing.py", "pidgin_tui/commands/models.py"}
"""Prices per million tokens (`$3 in / $15 out`) are rates of the price table, not costs."""


def test_no_module_formats_a_cost_of_its_own() -> None:
    """Every dollar figure goes through `format_cost`, so it cannot print differently."""
    offenders = []
    for path in sorted((REPO_ROOT / "pidgin_tui").rglob("*.py")):
        relative = path.relative_to(REPO_ROOT).as_posix()
        if relative == "pidgin_tui/views/format.py" or relative in RATES:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if MONEY.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []
