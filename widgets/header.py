"""The top bar: release, role (controller or spectator), local time, T-offset, next item."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from cockpit.clock import zone_label
from cockpit.state.timeline import TimelineView, relative_label


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

    def show(self, view: TimelineView, *, active: str | None = None, waiting: int = 0,
             asks: tuple[str, ...] = (), gone: str | None = None) -> None:
        """`gone`: a spectator's word that the controller died (who held the journal last):
        said beside the role (a narrow terminal still shows it), and what it was running is
        no longer called running."""
        text = Text.assemble(("🚀 ", ""), (self.release, "bold"), "  │  ",
                             (self.role, "bold reverse" if "SPECTATOR" in self.role else "bold"))
        if gone is not None:
            text.append("  ")
            text.append(f"⚠ CONTROLLER GONE ({gone})", style="bold white on dark_red")
        text.append_text(Text.assemble("  │  ", f"{view.now_local} {zone_label(self.timezone)} ",
                                       (relative_label(view.now_offset, 0), "bold yellow")))
        if gone is not None and active:
            text.append(f"  │  stopped mid-run: {active}", style="bold")
            active = None
        if asks:  # first: a run waits for a person
            who = "the controller" if "SPECTATOR" in self.role else "you"
            text.append("  │  ")
            runs = asks[0].split(":")[0] if len(asks) == 1 else f"{len(asks)} runs"
            text.append(f"⏸ {runs} wait{'s' if len(asks) == 1 else ''} for {who}"
                        + (" (w)" if who == "you" else ""), style="bold black on yellow")
        if waiting:  # a question waits behind the dialog on screen
            text.append("  │  ")
            text.append(f"⧗ {waiting} question{'s' if waiting > 1 else ''} waiting",
                        style="bold black on yellow")
        overdue = sum(1 for v in view.items if v.overdue)
        if overdue:  # before the long part, so a narrow terminal still shows it
            text.append("  │  ")
            text.append(f"{overdue} overdue", style="bold white on dark_red")
        if active:
            text.append("  │  running: ", style="")
            text.append(active, style="bold cyan")
        elif view.next_item is not None:
            text.append("  │  next: ")
            text.append(view.next_item.slot.label, style="bold")
            text.append(f" in {view.countdown()}", style="bold yellow")
        if text.plain != self._shown:  # one line, fixed height: never worth a screen layout
            self._shown = text.plain
            self.update(text, layout=False)
