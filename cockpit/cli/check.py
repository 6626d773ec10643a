"""`cockpit check`: preflight of the config, runbook and playbooks against the repository,
the builders and the forge, as a table of problems with the fix for each."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from cockpit.cli.loading import config_path, unknown_metrics
from cockpit.errors import CockpitError, Problem

if TYPE_CHECKING:
    from cockpit.builds.probe_lines import ProbeLine
    from cockpit.config import Config


def command(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from cockpit.config import load_config
    from cockpit.engine.preflight import preflight
    from cockpit.runbook.loader import load_runbook

    problems: list[Problem] = []
    code = 0
    config = runbook = None
    try:
        config = load_config(config_path(args))
    except CockpitError as exc:
        problems += exc.problems
        code = 2
    try:
        override = config.resolve(config.playbooks) if config and config.playbooks else None
        runbook = load_runbook(override)
    except CockpitError as exc:
        problems += exc.problems
        code = 2
    # piped (CI logs, `| less`): wide enough that the fixes stay readable
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    failed = 0
    if config is not None and runbook is not None:
        from cockpit.metricsconfig import metric_problems

        unknown = unknown_metrics(config, runbook)
        problems += unknown
        code = 2 if unknown else code
        found = preflight(config, runbook) + metric_problems(config.metrics)
        problems += found
        code = max(code, 1 if found else 0)
        failed = _probe_builders(config, console)
        if failed:
            code = max(code, 1)
    if config is not None and runbook is not None:
        from cockpit.engine.preflight import dirty_tree

        if warning := dirty_tree(config):
            console.print(Text(f"warning: {warning}", style="yellow"))
    builders = (f"; [bold red]{failed} builder check(s) failed[/] (the fix for each is in the "
                "table above)" if failed else "")
    if not problems:
        assert runbook is not None
        console.print(f"[green]ok[/]: config, {len(runbook.timeline.items)} timeline items and "
                      f"{len(runbook.playbooks)} playbooks check out{builders}")
        return 0 if not failed else 1
    table = Table(title=f"{len(problems)} problem(s)", show_lines=True)
    table.add_column("where", overflow="fold")
    table.add_column("problem", overflow="fold")
    table.add_column("fix", overflow="fold")
    for p in problems:
        table.add_row(Text(p.where()), Text(p.message), Text(p.fix or ""))
    console.print(table)
    if builders:
        console.print(builders.lstrip("; "))
    return code


def _probe_builders(config: Config, console: object) -> int:
    """Probe every builder, print the table; return how many checks failed."""
    import asyncio

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from cockpit.builds.probe import probe_all

    assert isinstance(console, Console)
    reports = asyncio.run(probe_all(config))
    text = config.source.read_text()
    table = Table(title="builders", title_justify="left")
    for column in ("builder", "check", "result", "fix"):
        table.add_column(column, overflow="fold")
    for report in reports:
        for line in report.lines:
            table.add_row(Text(report.builder), Text(line.check),
                          Text(("ok  " if line.ok else "FAIL  ") + line.detail,
                               style="green" if line.ok else "bold red"),
                          Text("" if line.ok else _located(config, text, line)))
    console.print(table)
    return sum(not line.ok for r in reports for line in r.lines)


def _located(config: Config, text: str, line: ProbeLine) -> str:
    """A failed check's fix, after the file, line and field it concerns (when it has one)."""
    from cockpit.tomlsource import line_of

    if not line.where:
        return line.fix
    where = Problem("", file=config.source, line=line_of(text, line.where),
                    field=".".join(str(k) for k in line.where)).where()
    return f"{where}: {line.fix}"
