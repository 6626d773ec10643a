"""How statuses look, everywhere: one place so the timeline, detail and help agree."""

from __future__ import annotations

from rich.text import Text

STATUS_STYLES = {
    "pending": "dim",
    "due": "bold yellow",
    "running": "bold cyan",
    "done": "green",
    "incomplete": "bold yellow",
    "ok": "green",
    "failed": "bold red",
    "timeout": "bold red",
    "declined": "yellow",
    "aborted": "yellow",
    "cancelled": "yellow",
    "unattended": "yellow",
    "skipped": "cyan",
    "interrupted": "bold magenta",
    "GO": "bold green",
    "NO-GO": "bold white on red",
    "no-go": "bold white on red",
}
STATUS_ICONS = {
    "pending": "·", "due": "●", "running": "⟳", "done": "✓", "ok": "✓", "failed": "✗",
    "timeout": "⏱", "declined": "–", "aborted": "–", "cancelled": "⊘", "unattended": "⊘",
    "skipped": "↷",
    "interrupted": "⚡", "incomplete": "◐", "GO": "▲", "NO-GO": "■", "no-go": "■",
}


def status_text(status: str, *, overdue: bool = False, width: int = 0) -> Text:
    label = "OVERDUE" if overdue else status
    icon = "!" if overdue else STATUS_ICONS.get(status, "?")
    style = "bold white on dark_red" if overdue else STATUS_STYLES.get(status, "")
    return Text(f"{icon} {label}".ljust(width), style=style)
