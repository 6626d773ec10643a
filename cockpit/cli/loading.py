"""What every command starts with: the config (./cockpit.toml or --config F), the runbook,
and, for those that open it, the full-screen cockpit."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.errors import CockpitError, Problem

if TYPE_CHECKING:
    from cockpit.config import Config
    from cockpit.runbook.model import Runbook


def config_path(args: argparse.Namespace) -> Path:
    from cockpit.config import find_config

    return find_config(getattr(args, "config", None))


def load_config_of(args: argparse.Namespace) -> Config:
    from cockpit.config import load_config

    path = config_path(args)
    if not path.exists():
        raise CockpitError([Problem("no cockpit.toml here", file=path,
                                    fix="pass --config F, run `cockpit init`, or try `cockpit demo`")])
    return load_config(path)


def load_all(args: argparse.Namespace) -> tuple[Config, Runbook]:
    from cockpit.runbook.loader import load_runbook

    config = load_config_of(args)
    override = config.resolve(config.playbooks) if config.playbooks else None
    return config, load_runbook(override)


def open_ui(config: Config, runbook: Runbook, *, spectate: bool,
             autorun: tuple[str, dict[str, str], bool] | None = None) -> int:
    from cockpit.app.launch import open_cockpit

    return open_cockpit(config, runbook, spectate=spectate, autorun=autorun)
