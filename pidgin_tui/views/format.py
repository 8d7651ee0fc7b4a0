"""How a person sees a cost, a token count or a duration: one function each, used everywhere.

Every screen, command, README and transcript writes these figures through here, so the same
cost reads the same in the app, in `show`, in `monitor` and in an experiment's README.
"""

from __future__ import annotations

UNPRICED = "unpriced"
"""A total with any unpriced response in it: never shown as a partial sum."""


def format_cost(cost_usd: float | None, unpriced: bool | int = False) -> str:
    """US dollars: `$0.0123` below one dollar, `$1,234.56` from one dollar, `$0.00` for none.

    `unpriced` (a flag or a count of unpriced responses) or a None cost gives "unpriced".
    """
    if cost_usd is None or unpriced:
        return UNPRICED
    if cost_usd == 0:
        return "$0.00"
    return f"${cost_usd:,.4f}" if cost_usd < 1 else f"${cost_usd:,.2f}"


def format_tokens(tokens: int, *, compact: bool = False) -> str:
    """A token count: `12,345`; compact (for table columns) `950`, `1.2k`, `12k`, `1.2M`."""
    if not compact:
        return f"{tokens:,}"
    if tokens >= 1_000_000:
        return f"{tokens / 1_000_000:.1f}M"
    if tokens >= 10_000:
        return f"{tokens / 1000:.0f}k"
    if tokens >= 1000:
        return f"{tokens / 1000:.1f}k"
    return str(tokens)


def format_duration(seconds: float | None) -> str:
    """A length of time: `45s`, `5m05s`, `1h02m`; `-` when unknown."""
    if seconds is None:
        return "-"
    whole = int(seconds)
    if whole >= 3600:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
    if whole >= 60:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole}s"


def format_clock(seconds: float) -> str:
    """Time elapsed as a running clock, `01:02:03` (the app's experiment line)."""
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def fmt_end_state_badge(name: str, onset: int) -> str:
    """One end state as the live screen's badge text: `loop since turn 8` (1-based)."""
    return f"{name} since turn {onset}"
