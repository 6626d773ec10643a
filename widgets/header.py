"""The top bar: release, role (controller or spectator), local time, T-offset, next item."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from cockpit.state.timeline import TimelineView, relative_label


def zone_label(timezone: str) -> str:
    """Etc/GMT-9 means UTC+9 (POSIX signs are inverted): say it the way people read it."""
    if timezone.startswith("Etc/GMT") and timezone[7:]:
        return "UTC" + ("+" if timezone[7] == "-" else "-") + timezone[8:]
    return timezone


class CockpitHeader(Static):
    DEFAULT_CSS = """
    CockpitHeader { height: 1; background: $panel; color: $text; padding: 0 1; }
    CockpitHeader.spectator { background: $warning-darken-2; }
    """

    def __init__(self, release: str, role: str, timezone: str = "UTC", *,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.release = release
        self.role = role
        self.timezone = timezone
        self._shown = ""
        self._last: tuple[TimelineView, str | None, int] | None = None

    def show(self, view: TimelineView, *, active: str | None = None, waiting: int = 0) -> None:
        self._last = (view, active, waiting)
        self._render_line()

    def on_resize(self) -> None:
        if self._last is not None:
            self._render_line()

    def _render_line(self) -> None:
        """The longest form whose important part (role, time, badges) fits the width; what
        runs or comes next ends the line, cut with an ellipsis if it must be."""
        assert self._last is not None
        width = self.size.width or 1000
        for level in range(3):
            text, core = self._line(*self._last, level=level)
            if core <= width:
                break
        text.truncate(width, overflow="ellipsis")
        if text.plain != self._shown:  # one line, fixed height: never worth a screen layout
            self._shown = text.plain
            self.update(text, layout=False)

    def _line(self, view: TimelineView, active: str | None, waiting: int, *,
              level: int) -> tuple[Text, int]:
        """level 0: everything; 1: compact (no date, narrow separators); 2: without the
        release's name. Returns the line and the cells of its important part."""
        bar = "  │  " if level == 0 else " │ "
        when = view.now_local if level == 0 else view.now_local.rsplit(" ", 1)[-1]
        text = Text.assemble(("🚀 " if level == 0 else "", ""),
                             (self.release + bar if level < 2 else "", "bold"),
                             (self.role, "bold reverse" if "SPECTATOR" in self.role else "bold"),
                             bar, f"{when} {zone_label(self.timezone)} ",
                             (relative_label(view.now_offset, 0), "bold yellow"))
        if waiting:  # first: a question waits behind the dialog on screen
            text.append(bar)
            text.append(f"⧗ {waiting} question{'s' if waiting > 1 else ''} waiting"
                        if level == 0 else f"⧗ {waiting} waiting", style="bold black on yellow")
        overdue = sum(1 for v in view.items if v.overdue)
        if overdue:  # before the long part, so a narrow terminal still shows it
            text.append(bar)
            text.append(f"{overdue} overdue", style="bold white on dark_red")
        core = text.cell_len
        if active:
            text.append(bar + "running: ", style="")
            text.append(active, style="bold cyan")
        elif view.next_item is not None:
            text.append(bar + "next: ")
            text.append(view.next_item.slot.label, style="bold")
            text.append(f" in {view.countdown()}", style="bold yellow")
        return text, core if level < 2 else 0
