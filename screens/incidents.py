"""Incident command (`!`): the incidents declared (open first), and the selected one whole:
its phases with their clocks against the runbook's deadlines (amber near one, red past it),
its roles, the next status update, the runs started from it, its notes. The scribe types a
note at the bottom without leaving the screen (`a`, then enter).

A projection like every mode: what it shows comes from the journal's fold; what the keys do
goes to the app as messages (`Act`), which journals it."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Input, Static
from textual.widgets.data_table import CellDoesNotExist

from cockpit.clock import local_time
from cockpit.runbook.incidents import Incidents
from cockpit.state.incidents import Incident, badge, clocks
from cockpit.state.launch import LaunchState
from screens.base import Feed, ModeScreen
from widgets.footer import CockpitFooter
from widgets.header import CockpitHeader
from widgets.incident_clocks import STYLE, clocks_table, standing

NOTES_SHOWN = 12


class IncidentsScreen(ModeScreen):
    DEFAULT_CSS = """
    IncidentsScreen #incidents { height: auto; max-height: 35%; border: round $panel-lighten-2; }
    IncidentsScreen #incidents:focus { border: round $accent; }
    IncidentsScreen #incident { height: 1fr; padding: 0 1; }
    IncidentsScreen #note { dock: bottom; margin: 0 0 1 0; }
    IncidentsScreen #note.hidden { display: none; }
    """

    BINDINGS = [
        Binding("greater_than_sign,full_stop", "act('next')", "Next phase", id="incident-next",
                tooltip="Move the selected incident to its next phase (asked; journaled)"),
        Binding("a", "note", "Note", id="incident-note",
                tooltip="Type a note (timestamped, with your name); enter records it"),
        Binding("o", "act('roles')", "Roles", id="incident-roles",
                tooltip="Name the commander, communications and scribe"),
        Binding("z", "act('resolve')", "Resolve", id="incident-resolve",
                tooltip="Resolve it: the decision, root cause, fix, impact, prevention"),
        Binding("u", "act('post')", "Post", id="incident-post",
                tooltip="Post its next update now (the alert first), due or not: values "
                "filled in, the message asked at once"),
        Binding("p", "act('report')", "Report", id="incident-report",
                tooltip="The post-incident report: Markdown from the journal, written beside it"),
        Binding("H", "act('hotfix')", "Hotfix", id="hotfix",  # kept in the footer like the app's
                tooltip="Start the hotfix from this incident: linked, its reason filled in"),
        Binding("R", "act('rollback')", "Rollback", id="rollback",
                tooltip="Start the rollback from this incident: linked, its reason filled in"),
    ]

    class Act(Message):
        """What a key asks the app to do to an incident (`next`, `roles`, `resolve`,
        `note` with its text)."""

        def __init__(self, action: str, incident: str, text: str = "") -> None:
            super().__init__()
            self.action = action
            self.incident = incident
            self.text = text

    def __init__(self, rules: Incidents, *, release: str = "", role: str = "",
                 timezone: str = "UTC", tz: tzinfo, can_act: bool = True) -> None:
        super().__init__()
        self.rules = rules
        self.release_label, self.role, self.timezone, self.tz = release, role, timezone, tz
        self.can_act = can_act
        self.launch: LaunchState | None = None
        self.now: datetime | None = None
        self._tick: object = None
        self._shown: dict[str, str] = {}
        self._wanted: str | None = None

    def compose(self) -> ComposeResult:
        header = CockpitHeader(self.release_label, self.role, self.timezone, id="header")
        if not self.can_act:
            header.add_class("spectator")
        yield header
        table: DataTable[Text] = DataTable(id="incidents", cursor_type="row")
        yield table
        with VerticalScroll(id="incident"):
            yield Static("", id="summary", markup=False)
            yield Static("", id="clocks")
            yield Static("", id="people", markup=False)
            yield Static("", id="runs", markup=False)
            yield Static("", id="notes", markup=False)
        yield Input(placeholder="a note: enter records it (escape: back)", id="note",
                    classes="hidden")
        yield CockpitFooter()

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one("#incidents", DataTable)
        table.border_title = "incidents"
        for key, label, width in (("id", "#", 3), ("sev", "sev", 4), ("title", "title", 30),
                                  ("clock", "phase / clock", 30)):
            table.add_column(label, key=key, width=width)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The same keys whatever is selected (the footer stays put); a spectator may read
        the report, nothing else."""
        if action == "act":
            return self.can_act or parameters == ("report",)
        if action == "note":
            return self.can_act
        return True

    # state in -------------------------------------------------------------------------------

    def show(self, feed: Feed) -> None:
        """The header and the clocks once a second, or when the journal moved."""
        tick = (feed.launch.version, feed.now.replace(microsecond=0), id(feed.header))
        if tick == self._tick:
            return
        self._tick = tick
        self.query_one(CockpitHeader).show_header(feed.header)
        self.launch, self.now = feed.launch, feed.now
        self.redraw()

    def ordered(self) -> list[Incident]:
        if self.launch is None:
            return []
        found = list(self.launch.incidents.by_id.values())
        return [i for i in reversed(found) if i.open] + [i for i in reversed(found)
                                                         if not i.open]

    def redraw(self) -> None:
        if self.now is None:
            return
        table: DataTable[Text] = self.query_one("#incidents", DataTable)
        shown = self.ordered()
        selected = self.selected()
        if self._wanted in [i.id for i in shown]:  # just declared: now folded, selected
            selected, self._wanted = self._wanted, None
        if [str(k.value) for k in table.rows] != [i.id for i in shown]:
            table.clear()
            for incident in shown:
                table.add_row(*self._cells(incident), key=incident.id)
        else:
            for incident in shown:
                for key, cell in zip(("id", "sev", "title", "clock"), self._cells(incident),
                                     strict=True):
                    table.update_cell(incident.id, key, cell)
        if selected is not None and selected in [i.id for i in shown]:
            table.move_cursor(row=table.get_row_index(selected), animate=False)
        self.show_incident()

    def select(self, incident: str) -> None:
        """Show `incident` (one just declared) as soon as the journal's fold has it."""
        self._wanted = incident
        self._tick = None  # drawn again at the next feed
        if self.is_mounted:
            self.redraw()

    def _cells(self, incident: Incident) -> tuple[Text, ...]:
        assert self.now is not None
        if incident.open:
            text, _, state = badge(incident, self.rules, self.now)
            clock = Text(text.split(" ", 3)[-1], style=STYLE.get(state, ""))
        else:
            clock = Text(f"resolved: {incident.resolution.decision}" if incident.resolution
                         else incident.phase, style="green")
        return (Text(incident.id), Text(incident.severity, style="bold red"
                                        if incident.severity == "P0" else "bold"),
                Text(incident.title), clock)

    # the selected incident ------------------------------------------------------------------

    def selected(self) -> str | None:
        table: DataTable[Text] = self.query_one("#incidents", DataTable)
        if not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except CellDoesNotExist:
            return None
        return str(key.value) if key.value is not None else None

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self.show_incident()

    def show_incident(self) -> None:
        name = self.selected()
        incident = (self.launch.incidents.by_id.get(name or "") if self.launch is not None
                    else None)
        if incident is None or self.now is None:
            self._update("summary", "No incident declared. I declares one (title, severity, "
                         "scenario, who reported it and when: the clocks start at the report)."
                         if self.can_act else "No incident declared.")
            for part in ("clocks", "people", "runs", "notes"):
                self._update(part, "")
            return
        now, tz = self.now, self.tz
        scenario = self.rules.scenario(incident.scenario)
        summary = (f"#{incident.id} {incident.severity} {incident.title}\n"
                   f"scenario: {scenario.title if scenario else 'other'}"
                   + (f" — now: {scenario.now}" if scenario and scenario.now else "")
                   + f"\nreported {local_time(incident.reported_at, tz)}"
                   + (f" by {incident.reporter}" if incident.reporter else "")
                   + f"; declared {local_time(incident.opened_at, tz)} by {incident.operator}")
        self._update("summary", summary)
        self._update("clocks", clocks_table(clocks(incident, self.rules, now), incident, now, tz))
        self._update("people", standing(incident, self.rules, now, tz))
        self._update("runs", self._runs(incident))
        notes = incident.notes[-NOTES_SHOWN:]
        self._update("notes", "notes:\n" + "\n".join(
            f"  {local_time(n.at, tz, '%H:%M')} {n.operator}: {n.text}"
            + (" (late)" if n.late else "") for n in notes) if notes else "notes: none")

    def _runs(self, incident: Incident) -> str:
        """The runs started from it, then what they did: builds, changes beyond this machine."""
        assert self.launch is not None
        tz = self.tz
        runs = [self.launch.runs[r] for r in incident.runs if r in self.launch.runs]
        shown = "runs from it: " + ("; ".join(
            f"{r.playbook} {r.status} ({local_time(r.started, tz, '%H:%M')})" for r in runs)
            if runs else "none yet (H, R from here are linked to it)")
        builds, changes = self.launch.incidents.effects.of(incident.runs)
        if builds:
            shown += "\nbuilds: " + "; ".join(
                (b.said_end() if b.finished else b.said_start()).removeprefix("build ")
                + f" ({local_time(b.finished or b.started, tz, '%H:%M')})" for b in builds)
        if changes:
            shown += "\nchanges: " + "; ".join(
                f"{c.said()} ({local_time(c.at, tz, '%H:%M')})" for c in changes)
        return shown

    def _update(self, name: str, shown: str | Text | Table) -> None:
        key = shown if isinstance(shown, str) else repr(shown) if isinstance(shown, Text) \
            else str(id(shown))
        if isinstance(shown, Table) or self._shown.get(name) != key:
            self._shown[name] = key
            self.query_one(f"#{name}", Static).update(shown)

    # actions --------------------------------------------------------------------------------

    def action_act(self, action: str) -> None:
        """To the app: on the selected incident (H and R without one: not linked)."""
        incident = self.selected()
        if incident is not None or action in {"hotfix", "rollback"}:
            self.post_message(self.Act(action, incident or ""))
        else:
            self.notify("no incident: I declares one", timeout=4)

    def action_note(self) -> None:
        if self.selected() is None:
            self.notify("no incident: I declares one", timeout=4)
            return
        note = self.query_one("#note", Input)
        note.remove_class("hidden")
        note.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        incident = self.selected()
        if event.input.id == "note" and incident is not None and event.value.strip():
            self.post_message(self.Act("note", incident, event.value.strip()))
            event.input.value = ""

    def key_escape(self) -> None:
        note = self.query_one("#note", Input)
        if note.has_focus:
            note.add_class("hidden")
            self.query_one("#incidents", DataTable).focus()
