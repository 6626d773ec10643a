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
    if not path.exists() and not path.is_symlink():  # a link that loops: read_toml says so
        raise CockpitError([Problem("no cockpit.toml here", file=path,
                                    fix="pass --config F, run `cockpit init`, or try `cockpit demo`")])
    config = load_config(path)
    if not getattr(args, "spectate", False):
        keep_state_out_of_tree(config)
    return config


def keep_state_out_of_tree(config: Config) -> list[str]:
    """The cockpit's own state (journal, local forge, dist directory) never dirties the
    release's work tree it checks: those of its directories inside the repository go to its
    `.git/info/exclude`. Returns the lines added."""
    from cockpit import gitrepo

    own = [config.journal_path.parent, config.resolve(config.build.dist_dir)]
    if config.forge.kind == "local":
        own.append(config.local_forge)
    outer = [p for p in own if not any(o != p and p.is_relative_to(o) for o in own)]
    try:
        return gitrepo.exclude(config.repo, outer)
    except OSError:  # a repository we may not write to: its status says what it says
        return []


def load_all(args: argparse.Namespace) -> tuple[Config, Runbook]:
    """The config and the runbook, each valid, and the runbook's targets naming only metrics
    the config measures (once it measures any)."""
    from cockpit.errors import ConfigError
    from cockpit.runbook.loader import load_runbook

    config = load_config_of(args)
    override = config.resolve(config.playbooks) if config.playbooks else None
    runbook = load_runbook(override)
    if config.metrics and (unknown := unknown_metrics(config, runbook)):
        raise ConfigError(unknown)
    return config, runbook


def unknown_metrics(config: Config, runbook: Runbook) -> list[Problem]:
    """The runbook's targets that name a metric cockpit.toml does not configure."""
    from cockpit.metrics.targets import configured_names
    from cockpit.metrics.targets import unknown_metrics as unknown
    from cockpit.runbook.loader import TIMELINE_FILE, playbook_files

    names = configured_names(config)
    if all(t.metric in names for t in runbook.timeline.targets):
        return []  # (the file is read only to say where one is not)
    override = config.resolve(config.playbooks) if config.playbooks else None
    path = playbook_files(override).get(TIMELINE_FILE.removesuffix(".toml"))
    if path is None:
        return []
    return unknown(runbook.timeline.targets, names, path, path.read_text())


def open_ui(config: Config, runbook: Runbook, *, spectate: bool,
             autorun: tuple[str, dict[str, str], bool] | None = None) -> int:
    from cockpit.app.launch import open_cockpit

    return open_cockpit(config, runbook, spectate=spectate, autorun=autorun)
