"""Which timeline rows show: a `/` search (case-insensitive, in the item's name, id and
playbook) and a status filter that `f` cycles."""

from __future__ import annotations

from dataclasses import dataclass

from cockpit.state.timeline import ItemStatus, ItemView
from widgets.search import matches

STATUSES = ("all", "overdue", "blocked", "running", "done")
"""The status filter's values, in the order `f` cycles them."""


@dataclass(frozen=True)
class RowFilter:
    text: str = ""
    status: str = "all"

    @property
    def active(self) -> bool:
        return bool(self.text.strip()) or self.status != "all"

    def cycled(self) -> RowFilter:
        return RowFilter(self.text, STATUSES[(STATUSES.index(self.status) + 1) % len(STATUSES)])

    def keeps(self, view: ItemView, blocked: frozenset[str]) -> bool:
        """`blocked`: the playbooks a gate blocks now."""
        item = view.item
        if not matches(self.text, view.slot.label, item.id, item.playbook or ""):
            return False
        return {
            "all": True,
            "overdue": view.overdue,
            "blocked": bool(item.playbook) and item.playbook in blocked,
            "running": view.status in {ItemStatus.RUNNING, ItemStatus.INTERRUPTED},
            "done": view.status in {ItemStatus.DONE, ItemStatus.GO},
        }[self.status]

    def words(self, shown: int, total: int) -> str:
        """The table's title while it filters: what it keeps, how many of how many."""
        parts = [self.status] if self.status != "all" else []
        if self.text.strip():
            parts.append(f"/{self.text.strip()}")
        return f"{' '.join(parts)}: {shown} of {total} (f cycles, escape clears)"
