"""The selected timeline item: objective, steps with exact commands, gate checks, criteria.

`render_item` is a pure function of the item's view, its playbook's plan and the latest run,
so it is tested without an app.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.rule import Rule
from rich.text import Text
from textual.events import Resize
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import RichLog

from cockpit.clock import local_time
from cockpit.engine.plans import PlaybookPlan
from cockpit.journal.events import StepStatus
from cockpit.runbook.model import SECTION_TITLES
from cockpit.state.gates import GatePolicy, overridable
from cockpit.state.launch import RunState
from cockpit.state.timeline import ItemView, TimelineView
from cockpit.steps.base import StepPlan
from cockpit.steps.checks import Check
from widgets.status import STATUS_STYLES, status_text
from widgets.timeline_table import SECTION_PREFIX


def _heading(text: str) -> Text:
    return Text(text, style="bold underline")


def _last_run(run: RunState) -> list[RenderableType]:
    """How the item's newest run ended; one that stopped short says where, and what it left
    changed in the repository."""
    if run.dry_run:
        return [Text(f"last: a dry run {run.run_id} by {run.operator} (nothing ran)",
                     style="dim")]
    lines: list[RenderableType] = [Text(f"last run {run.run_id} by {run.operator}: {run.status}",
                                        style=STATUS_STYLES.get(run.status, "dim"))]
    stopped = run.stopped_at
    if stopped is not None:
        why = stopped.message.splitlines()[0] if stopped.message else ""
        lines.append(Text(f"  stopped at {stopped.id}: {stopped.status}"
                          + (f" ({why})" if why else ""), style="yellow"))
    if run.left:
        lines.append(Text("  left changed in the repository, not committed: "
                          + ", ".join(line.strip() for line in run.left), style="bold yellow"))
    return lines


def render_item(view: ItemView, plan: PlaybookPlan | None, run: RunState | None, *,
                blocked: str | None = None, can_act: bool = True,
                tz: tzinfo = UTC, gates: GatePolicy = "block-undecided") -> RenderableType:
    """The item, and its playbook's plan when there is one (None while it is being planned
    off the UI thread: the steps then follow)."""
    item = view.item
    parts: list[RenderableType] = []
    title = Text(view.slot.label, style="bold")
    if item.gate:
        title.append("  [GO/NO-GO gate]", style="bold magenta")
    parts.append(title)
    when = Text()
    if view.start is not None:
        when.append(f"{view.local_time}  ({view.relative})  ")
    elif item.schedule:
        when.append(f"{item.schedule}  ")
    when.append_text(status_text(view.status, overdue=view.overdue))
    parts.append(when)
    if item.objective:
        parts.append(Padding(Text(item.objective), (1, 0, 0, 0)))
    if blocked:
        parts.append(Padding(Text(f"⛔ {blocked}", style="bold white on red"), (1, 0, 0, 0)))
    if run is not None and run.waiting is not None:
        what = {"confirm": "your yes", "manual": "you", "gate": "your GO/NO-GO",
                "failure": "your decision (retry, skip, abort)"}.get(run.waiting.question, "you")
        parts.append(Padding(Text(
            f"⏸ {run.waiting.title}: waits for {what}" + (
                " · w or enter answers" if can_act else " (the controller's)"),
            style="bold black on yellow"), (1, 0, 0, 0)))
    if view.decision is not None:
        d = view.decision
        parts.append(Padding(Text.assemble(
            (f"{d.decision}", STATUS_STYLES.get(d.decision, "bold")),
            f" by {d.operator} at {_when(d.at, tz)}: {d.rationale}"), (1, 0, 0, 0)))
    if view.override is not None:
        o = view.override
        word = "PROCEEDING WITHOUT A DECISION" if o.decision == "PROCEED" else "OVERRIDDEN"
        parts.append(Text.assemble((word, "bold yellow"),
                                   f" by {o.operator} at {_when(o.at, tz)}: {o.rationale}"))
    if item.playbook:
        parts.append(Rule(f"playbook {item.playbook}", style="dim"))
        if run is not None:
            parts.extend(_last_run(run))
        if plan is None:
            parts.append(Text("planning… (reading the repository)", style="dim italic"))
        for number, planned in enumerate(plan.steps if plan else (), start=1):
            parts.extend(_render_step(number, planned, run))
        if can_act:
            over = overridable(view, gates)
            parts.append(Padding(Text("enter run · d dry-run" + {
                "no-go": " · o override NO-GO",
                "undecided": " · o proceed without a decision"}.get(over or "", ""),
                style="dim italic"), (1, 0, 0, 0)))
    if item.expected:
        parts += [Padding(_heading("Expected outputs"), (1, 0, 0, 0))]
        parts += [Text(f"  ✓ {line}") for line in item.expected]
    if item.criteria:
        parts += [Padding(_heading("Criteria"), (1, 0, 0, 0))]
        parts += [Text(f"  • {line}") for line in item.criteria]
    if item.go or item.no_go:
        parts += [Padding(_heading("GO/NO-GO decision"), (1, 0, 0, 0))]
        if item.go:
            parts.append(Text.assemble(("  GO: ", "bold green"), item.go))
        if item.no_go:
            parts.append(Text.assemble(("  NO-GO: ", "bold red"), item.no_go))
    if item.troubleshooting:
        parts += [Padding(_heading("Troubleshooting"), (1, 0, 0, 0))]
        for t in item.troubleshooting:
            parts.append(Text.assemble(("  " + t.problem + ": ", "bold"), t.fix))
    return Group(*parts)


def row_help(key: str, view: TimelineView | None) -> Text:
    """What a row that is not an item says: a section's title, or now and what is next."""
    if key.startswith(SECTION_PREFIX):
        title = SECTION_TITLES.get(key.removeprefix(SECTION_PREFIX), key)
        return Text.assemble((title, "bold"), "\n\nA section of the runbook: select one of its "
                             "items (↑ ↓) to see and run it.")
    countdown = view.countdown() if view else None
    nxt = view.next_item.slot.label if view and view.next_item else None
    return Text.assemble(("Now", "bold"), f": {view.now_local if view else ''}",
                         f"\n\nNext: {nxt} in {countdown}" if nxt else "",
                         "\n\nPress n to select the item due now.")


def _when(at: datetime, tz: tzinfo) -> str:
    return local_time(at, tz)


def _render_step(number: int, planned: StepPlan, run: RunState | None) -> list[RenderableType]:
    state = run.steps.get(planned.id) if run is not None else None
    status = state.status if state is not None else StepStatus.PENDING
    line = Text(f"{number:>2}. ")
    line.append_text(status_text(status, width=13))
    line.append(planned.title, style="bold" if status == StepStatus.RUNNING else "")
    if planned.tags:
        line.append("  " + " ".join(f"[{t}]" for t in planned.tags), style="dim")
    out: list[RenderableType] = [line]
    ran = status not in {StepStatus.PENDING, StepStatus.RUNNING, StepStatus.INTERRUPTED}
    checks = planned.checks
    preview = planned.preview if not checks and not ran else ""
    for text in preview.splitlines()[:12]:
        out.append(Text("       " + text, style="cyan" if text.startswith("$") else "dim"))
    if checks:
        out.extend(_render_checks(checks, run))
    if planned.expected:
        out.append(Text(f"       expected: {planned.expected}", style="dim italic"))
    if state is not None and state.message and status not in {StepStatus.PENDING,
                                                              StepStatus.RUNNING}:
        first = state.message.splitlines()[0]
        out.append(Text(f"       → {first}", style=STATUS_STYLES.get(status, "")))
    for note in planned.troubleshooting:
        out.append(Text(f"       ? {note}", style="dim"))
    return out


def _render_checks(checks: Sequence[Check], run: RunState | None) -> list[RenderableType]:
    out: list[RenderableType] = []
    for index, check in enumerate(checks):
        result = run.checks.get(index) if run is not None else None
        if result is None:
            mark, style, summary = "  ·  ", "dim", ""
        elif result.ok is True:
            mark, style, summary = " PASS", "green", result.summary
        elif result.ok is False:
            mark, style, summary = " FAIL", "bold red", result.summary
        else:
            mark, style, summary = "  ?  ", "yellow", "awaiting the operator"
        if check.by_hand and result is not None and result.note is not None:
            summary = ("ticked" if result.ok else "NOT ticked") + (
                f": {result.note}" if result.note else "")
        kind = "manual" if check.by_hand else "auto"
        line = Text(f"      {mark} ", style=style)
        line.append(f"[{kind}] {check.title}")
        if summary:
            line.append(f"  {summary}", style="dim")
        out.append(line)
        detail = result.detail if result is not None else ""
        if check.kind == "pii-scan" and detail:
            out += [Text("             " + d, style="dim") for d in detail.splitlines()]
    return out


class ItemDetail(RichLog):
    """The detail pane: scrolls its content, and is drawn again at its new width when the
    terminal is resized. Its size comes from the CSS, so new content only moves its scrollbar:
    moving through the timeline never lays out the screen (as `LogPane`)."""

    DEFAULT_CSS = """
    ItemDetail { border: round $panel-lighten-2; padding: 0 1; height: 1fr;
                 overflow-x: hidden; overflow-y: scroll; background: $background; }
    """

    virtual_size: Reactive[Size] = Reactive(Size(0, 0))

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, wrap=True, markup=False, highlight=False, auto_scroll=False,
                         min_width=1)  # never wider than the pane: it wraps instead
        self.shown: RenderableType = ""
        """What the pane shows (tests read it)."""
        self._width = 0

    def watch_virtual_size(self, size: Size) -> None:
        self._scroll_update(size)  # scrollbar sizes, not the screen's layout

    def show(self, renderable: RenderableType, *, keep_scroll: bool = False) -> None:
        """Show it from its top, or where the operator had scrolled to (the same item)."""
        y = self.scroll_y if keep_scroll else 0
        self.shown = renderable
        self.clear()
        self.write(renderable, expand=True, scroll_end=False)
        self.scroll_to(y=y, animate=False, immediate=True)

    def on_resize(self, event: Resize) -> None:
        super().on_resize(event)
        if event.size.width != self._width:
            redraw = bool(self._width)
            self._width = event.size.width
            if redraw:
                self.show(self.shown, keep_scroll=True)
