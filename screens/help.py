"""Help, generated from the live bindings: what you see is what the keys do right now."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from widgets.status import STATUS_ICONS, STATUS_STYLES


def bindings_table(rows: list[tuple[str, str, str, bool]]) -> Table:
    table = Table(expand=True, box=None, show_header=True, header_style="bold")
    table.add_column("key", style="bold cyan", no_wrap=True)
    table.add_column("does")
    table.add_column("", style="dim")
    for key, description, tooltip, enabled in rows:
        style = "" if enabled else "dim strike"
        table.add_row(Text(key, style=style), Text(description, style=style), tooltip)
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 100; max-width: 95%; height: 85%; border: thick $accent;
                            background: $surface; padding: 1 2; }
    """
    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help-close",
                        tooltip="Back to the cockpit")]

    def __init__(self, rows: list[tuple[str, str, str, bool]],
                 navigation: list[tuple[str, str, str, bool]], role: str) -> None:
        super().__init__()
        self.rows = rows
        self.navigation = navigation
        self.role = role

    @classmethod
    def of(cls, screen: Screen[object], role: str) -> HelpScreen:
        """Help from a screen's live bindings: the cockpit's own keys first (they have an
        id): the mode's, the app's, then the focused widget's; then Textual's. The keys of
        one action share a row ("g home")."""
        rows: dict[tuple[bool, int, str, str], list[str]] = {}
        enabled: dict[tuple[bool, int, str, str], tuple[str, str, bool]] = {}
        for active in screen.active_bindings.values():
            binding = active.binding
            owner = 0 if active.node is screen else 1 if active.node is screen.app else 2
            group = (not binding.id, owner, binding.id or "", binding.action)
            key = screen.app.get_key_display(binding)
            if key not in rows.setdefault(group, []):
                rows[group].append(key)
            enabled[group] = (binding.description or binding.action, binding.tooltip,
                              active.enabled)
        ordered = sorted(rows, key=lambda g: g[:2])  # stable: each group in binding order
        table = [(" ".join(rows[g]), *enabled[g]) for g in ordered]
        ours = [row for g, row in zip(ordered, table, strict=True) if not g[0]]
        textual = [row for g, row in zip(ordered, table, strict=True) if g[0]]
        return cls(ours, textual, role)

    def compose(self) -> ComposeResult:
        legend = Text()
        for status, icon in STATUS_ICONS.items():
            if status in {"ok", "no-go"}:
                continue
            legend.append(f"{icon} {status}  ", style=STATUS_STYLES.get(status, ""))
        with Vertical():
            yield Label(f"Keys ({self.role}); struck-through keys do nothing right now",
                        classes="modal-title")
            with VerticalScroll():
                yield Static(bindings_table(self.rows))
                yield Static(Text("\nStatuses", style="bold"))
                yield Static(legend)
                yield Static(Text("\nTextual's keys (moving, focus, copy)", style="bold"))
                yield Static(bindings_table(self.navigation))
                yield Static(Text("\nctrl+p opens the command palette: every playbook and "
                                  "screen by name.", style="dim"))
