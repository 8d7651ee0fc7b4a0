"""Spending limits in USD, per conversation and per experiment."""

from __future__ import annotations


class Budget:
    """Accumulates cost and says when a limit is reached. A limit of None never trips."""

    def __init__(self, limit_usd: float | None) -> None:
        self.limit_usd = limit_usd
        self.spent_usd = 0.0
        self.unpriced_requests = 0
        """Requests whose cost is unknown; they cannot count towards the limit."""

    def add(self, cost_usd: float | None) -> None:
        if cost_usd is None:
            self.unpriced_requests += 1
        else:
            self.spent_usd += cost_usd

    @property
    def exceeded(self) -> bool:
        return self.limit_usd is not None and self.spent_usd >= self.limit_usd
