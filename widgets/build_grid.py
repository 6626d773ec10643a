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
        text.append(f"{target.compiled}{total} compiled", style="cyan")
    elif stage.duration is not None:
        text.append(f"{stage.duration:.1f}s", style="dim")
    return text


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

    def on_mount(self) -> None:
        self.add_column("target", key="target")
        self.add_column("builder", key="builder")
        for stage in BUILD_STAGES:
            self.add_column(stage, key=stage, width=16 if stage == "build" else 8)
        self.add_column("status", key="status", width=28)

    def show(self, state: BuildState) -> None:
        """Update only the cells that changed; add rows for new targets."""
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
            if name not in self._rows:
                self.add_row(*cells, key=name)
            else:
                for key, cell in zip(("target", "builder", *BUILD_STAGES, "status"), cells, strict=True):
                    self.update_cell(name, key, cell)
            self._rows[name] = plain

    @property
    def selected_target(self) -> str | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return str(key.value) if key.value is not None else None
