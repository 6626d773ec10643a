"""`cockpit demo`: a self-contained demo release, then the cockpit on it."""

from __future__ import annotations

import argparse
import shutil
import sys

from cockpit.cli.loading import open_ui
from cockpit.errors import CockpitError, Problem

RUSTUP = "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh"
"""rustup's own installer, as https://rustup.rs gives it."""


def command(args: argparse.Namespace) -> int:
    from cockpit.config import load_config
    from cockpit.demo.channels import DemoChannels
    from cockpit.demo.users import DemoUsers
    from cockpit.demo.workspace import create_workspace, ship_previous
    from cockpit.runbook.loader import load_runbook

    if shutil.which("cargo") is None:  # said here, never behind the full screen
        raise CockpitError([Problem(
            "the demo builds a real Rust release, and cargo is not installed (not on PATH)",
            fix=f"install a Rust toolchain with rustup: {RUSTUP}; then open a new shell (or "
                '`. "$HOME/.cargo/env"`) and run `make demo` (or `cockpit demo`) again')],
            exit_code=1)
    path = create_workspace(args.workspace, history=True, metrics=True)
    config = load_config(path)
    ship_previous(config, say=lambda line: print(line, file=sys.stderr))
    if args.no_ui:
        print(path)
        return 0
    print(f"demo workspace: {path.parent} (reopen it with `cockpit demo --workspace "
          f"{path.parent}`, or `make demo WORKSPACE={path.parent}`)", flush=True)
    channels = DemoChannels(path.parent / "channels")  # posts go out by webhook, to files
    served = channels.start(config.announce.webhooks)
    if served:
        print("demo channels: " + ", ".join(f"#{c} -> {path.parent / 'channels' / c}.txt"
                                            for c in served), flush=True)
        config = load_config(path)  # their webhook URLs are secrets: never shown
    users = DemoUsers(config.local_forge)
    users.start()  # downloads tick up on the demo forge; a while in, a P0 is filed
    try:
        code = open_ui(config, load_runbook(), spectate=False)
    finally:
        users.stop()
        channels.stop()
    print(f"the demo workspace stays in {path.parent}")
    return code
