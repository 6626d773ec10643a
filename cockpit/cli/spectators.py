"""`cockpit spectators add KEYFILE --name NAME | list | remove NAME`: who may watch the
cockpit over SSH (their public keys, in `.cockpit/spectators` beside the journal)."""

from __future__ import annotations

import argparse
import json

from cockpit.cli.loading import load_config_of


def command(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from cockpit import spectators

    config = load_config_of(args)
    path = config.journal_path.parent / spectators.FILE
    action = args.spectators_command
    if action == "add":
        added = spectators.add(path, args.keyfile, args.name)
        print(f"{added.name} may watch over SSH: {added.key_type} {added.fingerprint}")
        return 0
    if action == "remove":
        gone = spectators.remove(path, args.name)
        print(f"{gone.name} may no longer watch ({gone.fingerprint})")
        return 0
    known = spectators.read(path)
    if args.format == "json":
        print(json.dumps([{"name": s.name, "type": s.key_type, "fingerprint": s.fingerprint}
                          for s in known], indent=2))
        return 0
    if not known:
        print("no spectators yet: `cockpit spectators add KEYFILE --name NAME` allows one")
        return 0
    table = Table("name", "key", "fingerprint", box=None, header_style="bold")
    for s in known:
        table.add_row(s.name, s.key_type, s.fingerprint)
    Console(soft_wrap=True).print(table)
    return 0
