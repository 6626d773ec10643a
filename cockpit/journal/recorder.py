"""Recording a fact: the typed event into the journal, then whoever listens (the headless
printers) is told of it, in that order: nothing is shown that is not journaled."""

from __future__ import annotations

from collections.abc import Callable

from cockpit.journal.events import Payload
from cockpit.journal.row import Event
from cockpit.journal.store import Journal

Listener = Callable[[list[Event]], None]


class Recorder:
    def __init__(self, journal: Journal, listener: Listener | None = None) -> None:
        self.journal = journal
        self.listener = listener

    def __call__(self, payload: Payload, run_id: str | None = None,
                 step: str | None = None) -> Event:
        event = self.journal.record(payload, run_id=run_id, step=step)
        if self.listener is not None:
            self.listener([event])
        return event
