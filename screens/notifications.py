"""The notifications log: every toast the cockpit raised, with its time in the release's zone.

A toast goes after a few seconds; what it said (a run's outcome, a refusal, a builder cleaned
up) may matter later. The app keeps each one (`Notice`) and this screen lists them, newest
last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from cockpit.clock import local_time, zone_label

KEPT = 500
"""Notifications kept (the oldest go first)."""
SEVERITY_STYLES = {"information": "", "warning": "yellow", "error": "bold red"}


@dataclass(frozen=True)
class Notice:
    """One toast, as it was raised."""

    at: datetime
    message: str
    title: str = ""
    severity: str = "information"


def notices_table(notices: Sequence[Notice], tz: tzinfo) -> Table:
    table = Table(expand=True, box=None, show_header=True, header_style="bold")
    table.add_column("when", style="dim", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("what", ratio=1)
    for notice in notices:
        style = SEVERITY_STYLES.get(notice.severity, "")
        what = Text()
        if notice.title:
            what.append(f"{notice.title}: ", style="bold")
        what.append(notice.message)
        table.add_row(local_time(notice.at, tz, "%a %d %b %H:%M:%S"),
                      Text(notice.severity if notice.severity != "information" else "",
                           style=style), what)
    return table


class NotificationsScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    NotificationsScreen { align: center middle; }
    NotificationsScreen > Vertical { width: 120; max-width: 95%; height: 85%;
                                     border: thick $accent; background: $surface;
                                     padding: 1 2; }
    """
    BINDINGS = [Binding("escape,q,N", "dismiss", "Close", id="notifications-close",
                        tooltip="Back to the cockpit")]

    def __init__(self, notices: Sequence[Notice], tz: tzinfo) -> None:
        super().__init__()
        self.notices = list(notices)
        self.tz = tz

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Notifications ({len(self.notices)}, newest last; times in "
                        f"{zone_label(self.tz)})", classes="modal-title")
            with VerticalScroll(id="notices"):
                if self.notices:
                    yield Static(notices_table(self.notices, self.tz), id="notices-table")
                else:
                    yield Static(Text("No notifications yet.", style="dim"),
                                 id="notices-table")

    def on_mount(self) -> None:
        self.query_one("#notices", VerticalScroll).scroll_end(animate=False)
