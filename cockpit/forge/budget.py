"""GitHub's rate budget belongs to the token, not to a client: the metrics' polls, an Actions
builder following its run and a publish all spend the same hourly requests. Every client of one
API with one token reads and writes one `RateBudget`, so what one spent the others see (the
metrics wait below their reserve, an Actions builder slows its polls)."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

_BUDGETS: dict[tuple[str, str], RateBudget] = {}
_LOCK = threading.Lock()  # the metrics poll on a thread of their own, builds on another


@dataclass
class RateBudget:
    remaining: int | None = None
    """Requests left this hour, as the API's latest answer said (None: not said yet)."""
    reset: int | None = None
    """When the budget is whole again (epoch seconds)."""

    def note(self, remaining: int | None, reset: int | None) -> None:
        if remaining is not None:
            self.remaining = remaining
        if reset is not None:
            self.reset = reset


def shared(api_url: str, token: str) -> RateBudget:
    """The budget of this token at this API (the token kept only as a digest)."""
    key = (api_url.rstrip("/"), hashlib.sha256(token.encode()).hexdigest())
    with _LOCK:
        return _BUDGETS.setdefault(key, RateBudget())
