"""Child process for navigation.py: an app in a real terminal (a pty), waiting for keys.

Usage: nav_child.py baseline | nav_child.py cockpit CONFIG
baseline: a minimal Textual app with a table and a detail pane that follows the selected row.
cockpit: the cockpit on the demo release, its clock frozen (no countdown repaints).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROWS = 70
"""About as many rows as the runbook's timeline."""


def baseline() -> None:
    from textual.app import App, ComposeResult
    from textual.containers import Horizontal
    from textual.widgets import DataTable, Footer, Static

    class TableAndDetail(App[None]):
        CSS = "DataTable { width: 3fr; } #detail { width: 2fr; border: round white; }"

        def compose(self) -> ComposeResult:
            yield Static("header")
            with Horizontal():
                yield DataTable(cursor_type="row")
                yield Static(id="detail")
            yield Footer()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("status", "when", "T", "item")
            for i in range(ROWS):
                table.add_row("· pending", f"Fri 15 Jan {i % 24:02d}:00", f"T+{i}h",
                              f"Item number {i} of the launch", key=str(i))
            table.focus()

        def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
            row = event.cursor_row
            self.query_one("#detail", Static).update(
                "\n".join(f"{row}: step {n}, the command it runs and what it expects"
                          for n in range(30)))

    TableAndDetail().run()


def cockpit(config_path: str) -> None:
    from cockpit.app.app import CockpitApp
    from cockpit.app.launch import open_journal
    from cockpit.clock import FrozenClock
    from cockpit.config import load_config
    from cockpit.runbook.loader import load_runbook

    config = load_config(Path(config_path))
    journal, reason = open_journal(config, spectate=False)
    # frozen where it starts (the demo puts that at 10:xx on launch day): no second ticks
    clock = FrozenClock(datetime.now(UTC))
    try:
        CockpitApp(config, load_runbook(), journal, clock=clock, spectator_reason=reason).run()
    finally:
        journal.close()


if __name__ == "__main__":
    if sys.argv[1] == "baseline":
        baseline()
    else:
        cockpit(sys.argv[2])
