"""`cockpit playbooks [NAME]`: every playbook, its steps and parameters; or one playbook in
full: what it is for, where it sits on the timeline, each step and what it asks of a person,
each parameter."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from cockpit.cli.loading import load_all
from cockpit.errors import CockpitError, Problem

if TYPE_CHECKING:
    from rich.console import Console

    from cockpit.config import Config
    from cockpit.runbook.model import Playbook, Runbook
    from cockpit.steps.base import PlanContext

ASKS: dict[str | None, str] = {"confirm": "a yes",
                               "answer": "an answer", None: ""}


def command(args: argparse.Namespace) -> int:
    from rich.console import Console

    config, runbook = load_all(args)
    console = Console(highlight=False)
    name = getattr(args, "name", None)
    if name is not None:
        if name not in runbook.playbooks:
            raise CockpitError([Problem(f"no playbook named {name!r}", field="playbooks NAME",
                                        fix="one of: " + ", ".join(sorted(runbook.playbooks)))])
        show_one(console, config, runbook, runbook.playbooks[name])
        return 0
    for _, pb in sorted(runbook.playbooks.items()):
        _steps(console, config, runbook, pb, asks=False)
        _params(console, pb)
    return 0


def show_one(console: Console, config: Config, runbook: Runbook, pb: Playbook) -> None:
    from rich.text import Text

    if pb.description:
        console.print(Text(pb.description.strip()))
    _steps(console, config, runbook, pb, asks=True)
    _params(console, pb)
    asking = [s for s in pb.steps if s.asks(_plan(config))]
    console.print(Text(f"\nasks a person at {len(asking)} of {len(pb.steps)} steps"
                       + (": " + ", ".join(s.id for s in asking) if asking else "")
                       + "; `cockpit run " + pb.name + " --headless` needs a terminal for "
                       "the answers (--yes gives only the confirmations)"))


def _plan(config: Config) -> PlanContext:
    from cockpit.steps.base import PlanContext

    return PlanContext(config, {})


def _steps(console: Console, config: Config, runbook: Runbook, pb: Playbook, *,
           asks: bool) -> None:
    from rich.table import Table
    from rich.text import Text

    item = runbook.item_for(pb.name)
    title = f"{pb.name}: {pb.title}" + (" [emergency]" if pb.emergency else "")
    table = Table(title=Text(title, style="bold"),  # Text: "[emergency]" is not markup
                  title_justify="left", caption=(f"timeline: {item.id}" if item else None),
                  caption_justify="left")
    table.add_column("step")
    table.add_column("kind")
    table.add_column("what")
    if asks:
        table.add_column("asks")
    plan = _plan(config)
    for step in pb.steps:
        flags = " (confirm)" if step.confirm else ""
        what = step.headline() + (f" (when {step.when})" if asks and step.when else "")
        row = [Text(step.id), Text(step.kind + flags), Text(what)]
        if asks:
            row.append(Text(ASKS[step.asks(plan)]))
        table.add_row(*row)
    console.print(table)


def _params(console: Console, pb: Playbook) -> None:
    from rich.text import Text

    for pname, spec in pb.params.items():
        default = f" = {spec.default}" if spec.default is not None else (
            " (required)" if spec.required else " (optional)")
        choices = f" one of {', '.join(spec.choices)}" if spec.choices else ""
        console.print(Text(f"  param {pname}: {spec.type}{default}{choices}  "
                           f"{spec.description}"))
