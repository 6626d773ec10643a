"""Runs that need the same thing take turns: two playbooks never switch branches, commit or
upload in the same work tree at once. A run waits for what another holds, and says who holds
it; everything is taken in one order, so two runs never wait on each other."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager


class Resources:
    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self.holders: dict[str, str] = {}
        """Resource -> the playbook holding it."""
        self.queued: dict[str, str] = {}
        """Playbook -> the resource it waits for."""

    def waits(self) -> tuple[str, ...]:
        """The runs waiting their turn, each with who holds what it waits for."""
        return tuple(f"{who} (behind {self.holders.get(resource, '?')})"
                     for who, resource in self.queued.items())

    @asynccontextmanager
    async def hold(self, who: str, needs: Iterable[str],
                   say: Callable[[str], None]) -> AsyncIterator[list[str]]:
        """Yields the runs it waited for (none: it started at once)."""
        taken: list[str] = []
        waited: list[str] = []
        try:
            for resource in sorted(set(needs)):
                lock = self._locks.setdefault(resource, asyncio.Lock())
                if lock.locked():
                    holder = self.holders.get(resource, "?")
                    say(f"{who} waits for {resource}: {holder} holds it; it starts when that "
                        "run ends (the header says so until then)")
                    self.queued[who] = resource
                    waited.append(holder)
                await lock.acquire()
                self.queued.pop(who, None)
                taken.append(resource)
                self.holders[resource] = who
            yield waited
        finally:
            self.queued.pop(who, None)
            for resource in reversed(taken):
                self.holders.pop(resource, None)
                self._locks[resource].release()
