"""The build matrix grid: targets (rows) by stages (columns), each cell state and duration."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from cockpit.journal.events import BUILD_STAGES, StageState, TargetStatus
from cockpit.state.builds import BuildState, Stage, TargetState

CELL: dict[str, tuple[str, str]] = {
    StageState.PENDING: ("·", "dim"), StageState.RUNNING: ("⟳", "bold cyan"),
    StageState.OK: ("✓", "green"), StageState.FAILED: ("✗", "bold red"),
    StageState.SKIPPED: ("–", "dim")}
STATUS: dict[str, str] = {
    TargetStatus.OK: "green", TargetStatus.FAILED: "bold red",
    TargetStatus.BUILDER_LOST: "bold white on red", TargetStatus.CANCELLED: "yellow",
    TargetStatus.RUNNING: "bold cyan", TargetStatus.QUEUED: "dim"}


def stage_cell(stage: Stage, target: TargetState, name: str) -> Text:
    icon, style = CELL.get(stage.state, ("?", ""))
    text = Text(icon + " ", style=style)
    if name == "build" and stage.state == StageState.RUNNING:
        # Cargo.lock's packages: build scripts add units, so past it the count stands alone
        total = (f"/{target.total}" if target.total and target.compiled <= target.total
                 else "")
        text.append(f"{target.compiled}{total} {target.unit}", style="cyan")
    elif stage.duration is not None:
        text.append(f"{stage.duration:.1f}s", style="dim")
    return text


GUTTER = 2
"""A cell's padding (one each side); the vertical scrollbar takes as much."""
STATUS_WIDTH, STATUS_MIN = 28, 12
LAYOUTS = ((True, False), (False, False), (True, True), (False, True))
"""(builder shown, stages as icons only), tried in order until the status gets STATUS_MIN
cells: the target and its status are the last to shrink."""


def fit_grid(width: int, target: int, builder: int) -> dict[str, tuple[str, int]]:
    """The grid's columns for `width` cells: key -> (label, width)."""
    room = width - GUTTER
    columns: dict[str, tuple[str, int]] = {}
    for with_builder, icons in LAYOUTS:
        columns = {"target": ("target", target)}
        if with_builder:
            columns["builder"] = ("builder", builder)
        for stage in BUILD_STAGES:
            columns[stage] = ((stage[:3], 3) if icons
                              else (stage, 16 if stage == "build" else 8))
        status = room - sum(w + GUTTER for _, w in columns.values()) - GUTTER
        if status >= STATUS_MIN:
            break
    columns["status"] = ("status", min(STATUS_WIDTH, max(STATUS_MIN, status)))
    return columns


def target_story(target: TargetState) -> str:
    """Why the target failed, and how its earlier attempts went (the last five)."""
    text = f"{target.target}: {target.failure}" if target.failure else ""
    if target.attempts:
        history = ", ".join(f"{b}: {o}" for _, b, o in target.attempts[-5:])
        if len(target.attempts) > 5:
            history = f"{len(target.attempts) - 5} more, then " + history
        text += ("\n" if text else "") + f"earlier attempts: {history}"
    return text


class BuildGrid(DataTable[Text]):
    DEFAULT_CSS = "BuildGrid { height: auto; max-height: 12; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row")
        self._rows: dict[str, tuple[object, ...]] = {}
        self._cells: dict[str, dict[str, Text]] = {}
        self.shown_columns: dict[str, tuple[str, int]] = {}
        """The columns on show (label, width): they follow the grid's width."""

    def on_mount(self) -> None:
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """Columns for this width: rebuilt (rows and selection kept) only when they change."""
        columns = fit_grid(self.size.width or 160, max([6, *map(len, self._cells)]),
                           max([7, *(len(c["builder"].plain) for c in self._cells.values())]))
        if columns == self.shown_columns:
            return
        selected = self.selected_target
        self.shown_columns = columns
        self.clear(columns=True)
        for key, (label, width) in columns.items():
            self.add_column(label, key=key, width=width)
        for name in self._cells:
            self.add_row(*(self._cell(name, key) for key in columns), key=name)
        if selected is not None:
            self.move_cursor(row=self.get_row_index(selected), animate=False)

    def show(self, state: BuildState) -> None:
        """Update only the cells that changed; add rows for new targets."""
        targets = len(self._cells)
        for name, target in state.targets.items():
            status = Text(target.status, style=STATUS.get(target.status, ""))
            if target.stages["build"].state == StageState.RUNNING and target.crate:
                status.append(f" · {target.crate} done", style="cyan")
            if target.attempts:
                status.append(f"  (attempt {len(target.attempts) + 1})", style="dim")
            cells = (Text(name, style="bold"), Text(target.builder),
                     *(stage_cell(target.stages[s], target, s) for s in BUILD_STAGES), status)
            plain = tuple(c.plain for c in cells)
            if self._rows.get(name) == plain:
                continue
            self._cells[name] = dict(zip(("target", "builder", *BUILD_STAGES, "status"), cells,
                                         strict=True))
            if name not in self._rows:
                self.add_row(*(self._cell(name, key) for key in self.shown_columns), key=name)
            else:
                for key in self.shown_columns:
                    self.update_cell(name, key, self._cell(name, key))
            self._rows[name] = plain
        if len(self._cells) != targets:  # a new target: its name may need a wider column
            self._fit()

    def _cell(self, name: str, key: str) -> Text:
        """A stage's cell in a narrow column is its icon alone (a cropped "✓ 12.5s" would
        read "✓ 1")."""
        cell = self._cells[name][key]
        return cell[:1] if key in BUILD_STAGES and self.shown_columns[key][1] < 8 else cell

    @property
    def selected_target(self) -> str | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return str(key.value) if key.value is not None else None
