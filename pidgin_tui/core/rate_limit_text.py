"""How a pending rate-limit wait reads on every screen and in a conversation's last error."""

from __future__ import annotations

import math

RATE_LIMITED_PREFIX = "rate limited · retry in "


def rate_limited_text(wait_s: float) -> str:
    """How a pending rate-limit wait reads everywhere: `rate limited · retry in 8 s`."""
    return f"{RATE_LIMITED_PREFIX}{math.ceil(max(0.0, wait_s))} s"


def after_reply(last_error: str | None) -> str | None:
    """A conversation's last error once a reply arrived: a pending rate-limit wait is over (the
    failure itself stays counted), any other error stays."""
    if last_error is not None and last_error.startswith(RATE_LIMITED_PREFIX):
        return None
    return last_error
