"""The top bar: release, role (controller or spectator), local time, T-offset, what waits for a
person, what is overdue, what runs or comes next; in the longest form the terminal's width
takes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from rich.text import Text
from textual.widgets import Static

from cockpit.clock import zone_label
from cockpit.state.incidents import DECLARE_KEY
from cockpit.state.timeline import TimelineView, relative_label
from cockpit.state.updates import UPDATE_KEY, UpdateDue

SOON = timedelta(minutes=15)
"""The next update this close is worth the compact form, to show its countdown."""
INCIDENT_STYLE = {"amber": "bold black on dark_orange", "red": "bold white on red",
                  "running": "bold white on dark_red"}
WORST = ("red", "amber", "running")
"""Which open incident's clock the compact header shows when several are open."""
TAIL = 24
"""Cells worth keeping for what runs or comes next, before a shorter form is taken."""


@dataclass(frozen=True)
class Header:
    """The top line, the same on every mode: where the launch stands in time, what runs."""

    view: TimelineView
    active: str | None = None
    """What is running (with an emergency's clock), or None."""
    waiting: int = 0
    """Questions raised while another dialog was open, waiting their turn."""
    asks: tuple[str, ...] = ()
    """What the runs wait for a person to answer ("hotfix: Publish v1.1.1")."""
    blocked: frozenset[str] = frozenset()
    """The playbooks a gate blocks now (the timeline's "blocked" filter)."""
    gone: str | None = None
    """A spectator's word that the controller died (who held the journal's lock last)."""
    queued: tuple[str, ...] = ()
    """Runs waiting their turn behind another ("rollback (behind hotfix)")."""
    alerts: tuple[str, ...] = ()
    """Thresholds the metrics crossed ("P0: 1", a "zero P0" target breached): a banner on
    every mode, offering the key that declares an incident."""
    update: UpdateDue | None = None
    """The update due now or next (its countdown; `u` starts it)."""
    incidents: tuple[tuple[str, str, str], ...] = ()
    """Each open incident's badge: (full, short, its clock's state: running, amber, red...)."""
    watching: int = 0
    """How many spectators watch (besides whoever this header is for)."""
    replay: tuple[str, str] = ("", "")
    """A replay's word in place of the role, full and compact: "REPLAY <moment> ▶ 60x"."""


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
        self._last: Header | None = None

    def show(self, view: TimelineView, *, active: str | None = None, waiting: int = 0,
             asks: tuple[str, ...] = (), gone: str | None = None,
             queued: tuple[str, ...] = (), alerts: tuple[str, ...] = (),
             update: UpdateDue | None = None) -> None:
        """`asks`: the runs waiting for a person ("hotfix: Publish …"); `gone`: a spectator's
        word that the controller died (who held the journal last): said beside the role, and
        what it was running is no longer called running; `alerts`: thresholds the metrics
        crossed ("p0: 1"), a banner offering the key that declares an incident."""
        self.show_header(Header(view, active, waiting, asks, frozenset(), gone, queued, alerts,
                                update))

    @property
    def _watching(self) -> bool:
        """A spectator or a replay: nothing here acts."""
        return "SPECTATOR" in self.role or "REPLAY" in self.role

    def show_header(self, header: Header) -> None:
        """What the app fed every mode (`Feed.header`)."""
        self._last = header
        self._render_line()

    def on_resize(self) -> None:
        if self._last is not None:
            self._render_line()

    def _render_line(self) -> None:
        """The full or compact form, if it fits whole; else the longest form that leaves what
        runs or comes next TAIL cells (cut with an ellipsis); else the shortest."""
        assert self._last is not None
        width = self.size.width or 1000
        lines = [self._line(self._last, level=level) for level in range(3)]
        later = [self._next_update(self._last, level) for level in range(3)]
        update = self._last.update
        soon = update is not None and not update.due and update.left <= SOON
        level = next((i for i in (0, 1) if soon and lines[i][0].cell_len
                      + later[i].cell_len <= width), None)  # soon: worth the compact form
        if level is None:
            level = next((i for i, (t, _) in enumerate(lines[:2]) if t.cell_len <= width),
                         next((i for i, (_, core) in enumerate(lines) if core + TAIL <= width),
                              2))
        text = lines[level][0]
        if text.cell_len + later[level].cell_len <= width:  # the next update, where it fits
            text.append_text(later[level])
        text.truncate(width, overflow="ellipsis")
        if text.plain != self._shown:  # one line, fixed height: never worth a screen layout
            self._shown = text.plain
            self.update(text, layout=False)

    def _line(self, shown: Header, *, level: int) -> tuple[Text, int]:
        """level 0: everything; 1: compact (no date, narrow separators, short badges); 2:
        without the release's name. Returns the line and the cells before what runs or comes
        next."""
        view, active = shown.view, shown.active
        bar = "  │  " if level == 0 else " │ "
        when = view.now_local if level == 0 else view.now_local.rsplit(" ", 1)[-1]
        replay = shown.replay[min(level, 1)]
        text = Text.assemble(("🚀 " if level == 0 else "", ""),
                             (self.release + bar if level < 2 else "", "bold"),
                             (replay, "bold white on magenta") if replay else
                             (self.role, "bold reverse" if self._watching else "bold"))
        if shown.watching and not replay:  # the audience: a spectator's fellows, the
            # controller's watchers
            others = ("" if "SPECTATOR" not in self.role
                      else " other" if shown.watching == 1 else " others")
            text.append(f" 👁 {shown.watching}{others} watching" if level == 0
                        else f" {shown.watching} watching" if level == 1
                        else f" 👁 {shown.watching}", style="bold")
        if shown.gone is not None:
            text.append(" ")
            text.append(("⚠ CONTROLLER GONE" + (f" ({shown.gone})" if level == 0 else ""))
                        if level < 2 else "⚠ GONE", style="bold white on dark_red")
        text.append_text(Text.assemble(bar, "" if replay else f"{when} {zone_label(self.timezone)} ",
                                       (relative_label(view.now_offset, 0), "bold yellow")))
        if shown.alerts:  # first of all: a threshold crossed (a P0 is open); the key to
            # declare an incident is offered to the controller (a spectator has none)
            text.append(bar)
            if self._watching or shown.incidents:  # (one is declared: its badge)
                text.append(f"🚨 {', '.join(shown.alerts) if level == 0 else shown.alerts[0]}",
                            style="bold white on red")
            else:
                text.append((f"🚨 {', '.join(shown.alerts)}: {DECLARE_KEY} declares an incident"
                             if level == 0 else f"🚨 {shown.alerts[0]} ({DECLARE_KEY}: incident)"
                             if level == 1 else f"🚨 {shown.alerts[0]} ({DECLARE_KEY})"),
                            style="bold white on red")
        badges = shown.incidents
        if level > 0 and len(badges) > 1:  # compact: the worst clock, and how many are open
            worst = min(badges, key=lambda b: WORST.index(b[2]) if b[2] in WORST else 9)
            badges = ((worst[0], f"🔥 {len(badges)} open: {worst[1].removeprefix('🔥 ')}",
                       worst[2]),)
        for full, short, state in badges:  # an incident's clock, on every screen
            text.append(bar)
            text.append(full if level == 0 else short, style=INCIDENT_STYLE.get(
                state, "bold white on dark_red"))
        if shown.asks and shown.gone is None:  # then: a run waits for a person (not once
            # its controller died: nobody can answer it there)
            who = "the controller" if self._watching else "you"
            runs = (shown.asks[0].split(":")[0] if len(shown.asks) == 1
                    else f"{len(shown.asks)} runs")
            text.append(bar)
            text.append(f"⏸ {runs} wait{'s' if len(shown.asks) == 1 else ''} for {who}"
                        + (" (w)" if who == "you" else "") if level == 0
                        else f"⏸ {runs} wait{'s' if len(shown.asks) == 1 else ''}"
                        + (" (w)" if who == "you" else ""), style="bold black on yellow")
        if shown.queued:  # a run waits its turn behind another
            text.append(bar)
            text.append(f"⧖ {shown.queued[0]} queued" if len(shown.queued) == 1
                        else f"⧖ {len(shown.queued)} queued", style="bold black on yellow")
        if shown.waiting:  # a question waits behind the dialog on screen
            text.append(bar)
            text.append(f"⧗ {shown.waiting} question{'s' if shown.waiting > 1 else ''} waiting"
                        if level == 0 else f"⧗ {shown.waiting} waiting",
                        style="bold black on yellow")
        update = shown.update
        if update is not None and update.due:  # an update to post now: the key that does
            key = "" if self._watching else f" ({UPDATE_KEY})"
            text.append(bar)
            text.append(update.label(level) + key, style="bold black on cyan")
        overdue = sum(1 for v in view.items if v.overdue)
        if overdue:  # before the long part, so a narrow terminal still shows it
            text.append(bar)
            text.append(f"{overdue} overdue", style="bold white on dark_red")
        core = text.cell_len
        if shown.gone is not None and active:
            text.append(f"{bar}stopped mid-run: {active}", style="bold")
        elif active:
            text.append(bar + "running: ", style="")
            text.append(active, style="bold cyan")
        elif view.next_item is not None:
            text.append(bar + "next: ")
            text.append(view.next_item.slot.label, style="bold")
            text.append(f" in {view.countdown()}", style="bold yellow")
        return text, core

    @staticmethod
    def _next_update(shown: Header, level: int) -> Text:
        """The next update's countdown (unless it is what comes next anyway), at the end."""
        update = shown.update
        if update is None or update.due or update.view is shown.view.next_item:
            return Text()
        return Text.assemble("  │  " if level == 0 else " │ ", (update.label(level), "cyan"))
