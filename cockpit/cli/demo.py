"""`cockpit demo`: a self-contained demo release, then the cockpit on it."""

from __future__ import annotations

import argparse
import sys

from cockpit.cli.loading import open_ui


def command(args: argparse.Namespace) -> int:
    from cockpit.config import load_config
    from cockpit.demo.workspace import create_workspace, ship_previous
    from cockpit.runbook.loader import load_runbook

    path = create_workspace(args.workspace)
    config = load_config(path)
    ship_previous(config, say=lambda line: print(line, file=sys.stderr))
    if args.no_ui:
        print(path)
        return 0
    return open_ui(config, load_runbook(), spectate=False)
