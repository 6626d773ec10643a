"""An event as the journal stores it: one row of the `events` table, its payload decoded on
first use."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from cockpit.journal.events import PAYLOADS, Payload


@dataclass(frozen=True)
class Event:
    id: int
    ts: datetime
    session: str
    kind: str
    run_id: str | None
    step: str | None
    data: dict[str, Any]

    def lines(self) -> list[str]:
        """An output event's lines (stored as one text: cheap to encode, scan and decode);
        none when it was read without its text."""
        text = self.data.get("text")
        return text.split("\n") if isinstance(text, str) else list(self.data.get("lines", []))

    @property
    def unread(self) -> int:
        """How many lines an output event holds that were not read (see `Journal.events`)."""
        return 0 if "text" in self.data else int(self.data.get("count", 0))

    @cached_property
    def payload(self) -> Payload | None:
        """The typed content; None for a kind this version does not know, or an event that
        lacks a field its kind needs (it stays in the journal; the folds pass it by)."""
        kind = PAYLOADS.get(self.kind)
        if kind is None:
            return None
        try:
            return kind.load(self.data)
        except TypeError:  # a required field missing
            return None

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Event:
        id_, ts, session, kind, run_id, step, data, text = row
        payload = json.loads(data)
        if text is not None:
            payload["text"] = text
        return cls(id_, datetime.fromisoformat(ts), session, kind, run_id, step, payload)


SELECT = "SELECT id, ts, session, kind, run_id, step, data, text FROM events"


def table_columns(conn: sqlite3.Connection) -> set[str]:
    return {row[1] for row in conn.execute("PRAGMA table_info(events)")}
