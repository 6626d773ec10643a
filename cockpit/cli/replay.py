"""`cockpit replay [--journal FILE] [--at TIME]`: a past launch from its journal, the same
screens as they were at any moment (`app/replaying.py`).

The journal is only ever read: with no controller holding it, as immutable (SQLite makes no
-shm or -wal file beside it, on read-only media too); one whose newest events are still in
its -wal (copied from a machine where the cockpit died) is copied, with its -wal, to a
temporary directory and read there; one a controller holds is read as a spectator reads it.
"""

from __future__ import annotations

import argparse
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.errors import CockpitError, Problem

if TYPE_CHECKING:
    from cockpit.config import Config
    from cockpit.journal.store import Journal

HELP = "replay a launch from its journal: the screens as they were at any moment"
DESCRIPTION = """A past launch from its journal (the config's [journal] path, or --journal FILE: a
copy from another machine works; it is never written): the same screens as they were at any
moment, read-only. The release's cockpit.toml (--config F) gives the launch time, zone and
runbook.

keys:  space play/pause   + - speed (1x 10x 60x 600x)   [ ] a minute   { } an hour
       , . previous/next event   < > previous/next gate decision or failure
       (and every mode's keys: t b m ! ? q)"""
AT_HELP = ("the moment to start at (default: the journal's last event): an ISO 8601 time "
           "(2026-01-15T14:05:00-05:00; without an offset: in the release's zone), HH:MM or "
           "HH:MM:SS on launch day in the release's zone, T+2h / T-30m / T+1d from T-0, or "
           "incident:ID (when that incident was reported)")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser],
               config_opt: argparse.ArgumentParser) -> None:
    replay = sub.add_parser("replay", parents=[config_opt], help=HELP, description=DESCRIPTION,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    replay.add_argument("--journal", type=Path, metavar="FILE",
                        help="the journal to replay (default: the config's [journal] path)")
    replay.add_argument("--at", metavar="TIME", help=AT_HELP)


def command(args: argparse.Namespace) -> int:
    from cockpit.cli.loading import load_all

    args.spectate = True  # nothing written anywhere (not even the repository's excludes)
    os.environ["GIT_OPTIONAL_LOCKS"] = "0"  # the plans' git reads never refresh its index
    try:
        config, runbook = load_all(args)
    except CockpitError as exc:
        if args.journal is None or "no cockpit.toml" not in exc.problems[0].message:
            raise
        raise CockpitError([Problem(
            "a replay needs the release's cockpit.toml: the launch time and zone the moments "
            "are shown in, and the runbook the timeline comes from", file=exc.problems[0].file,
            fix="pass --config F (a copy of the release's cockpit.toml; the repository is only "
                "read for the plans shown)")], exit_code=2) from None
    import shutil

    path = (args.journal or config.journal_path).expanduser()
    scratch: Path | None = None
    try:
        journal, scratch, note = open_for_replay(path)
        try:
            at = _at(args.at, config, journal)
            from cockpit.app.launch import run_app
            from cockpit.app.replaying import ReplayApp

            return run_app(ReplayApp(config, runbook, journal, at=at, note=note))
        finally:
            journal.close()
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def open_for_replay(path: Path) -> tuple[Journal, Path | None, str | None]:
    """The journal read-only and never written (nor anything beside it, where avoidable);
    the temporary directory of a copy, to remove; and what to tell about it."""
    import shutil
    import tempfile

    from cockpit.journal.holder import controller_gone
    from cockpit.journal.problems import unmerged_wal
    from cockpit.journal.store import Journal

    if not path.exists():
        raise CockpitError([Problem("no journal here", file=path, field="--journal",
                                    fix="give the journal file to replay (--journal FILE), or "
                                        "the config whose [journal] path it is (--config F)")])
    if controller_gone(path) is not None and unmerged_wal(path) is not None:
        scratch = Path(tempfile.mkdtemp(prefix="cockpit-replay-"))
        copy = scratch / path.name
        shutil.copy2(path, copy)
        shutil.copy2(path.with_name(path.name + "-wal"), copy.with_name(copy.name + "-wal"))
        try:
            journal = Journal.readonly(copy)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        return journal, scratch, (f"{path.name}'s newest events were in its -wal file: "
                                  "replaying a temporary copy of both (the journal is untouched)")
    return Journal.readonly(path, immutable=True), None, None


def _at(text: str | None, config: Config, journal: Journal) -> datetime | None:
    """`--at`'s moment (None: the journal's last); bad input names the option, exit 2."""
    if text is None:
        return None
    from cockpit.cli.incident import fold
    from cockpit.state.replay import parse_at

    reported = None
    if text.strip().startswith("incident:"):  # when each incident was reported
        reported = {i.id: i.reported_at for i in fold(journal).incidents.by_id.values()}
    release = config.release
    try:
        return parse_at(text, release.launch_at, release.tz, reported)
    except (OverflowError, ValueError) as exc:  # a date Python cannot hold
        raise CockpitError([Problem(f"{text!r}: {exc}", field="--at")]) from None
