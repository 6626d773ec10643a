"""`cockpit playbooks`: every playbook, its steps and parameters."""

from __future__ import annotations

import argparse

from cockpit.cli.loading import load_all


def command(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    _, runbook = load_all(args)
    console = Console(highlight=False)
    for name, pb in sorted(runbook.playbooks.items()):
        item = runbook.item_for(name)
        table = Table(title=f"{name}: {pb.title}" + (" [emergency]" if pb.emergency else ""),
                      title_justify="left", caption=(f"timeline: {item.id}" if item else None),
                      caption_justify="left")
        table.add_column("step")
        table.add_column("kind")
        table.add_column("what")
        for step in pb.steps:
            flags = " (confirm)" if step.confirm else ""
            table.add_row(Text(step.id), Text(step.kind + flags),
                          Text(step.headline()))
        console.print(table)
        for pname, spec in pb.params.items():
            default = f" = {spec.default}" if spec.default is not None else " (required)"
            console.print(Text(f"  param {pname}: {spec.type}{default}  {spec.description}"))
    return 0
