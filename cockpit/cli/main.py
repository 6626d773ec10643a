"""The `cockpit` command: parses arguments, loads config, and hands off.

Imports are deferred to the branch that needs them: `cockpit --version` and the headless
commands never import Textual, and nothing imports asyncssh or httpx until it is used.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cockpit import __version__
from cockpit.errors import CockpitError

DESCRIPTION = """Launch Cockpit: run a Rust CLI's release runbook from one full-screen terminal.

Without a command, opens the cockpit on ./cockpit.toml (or --config F) as the controller;
a second cockpit on the same release opens as a read-only spectator."""

EPILOG = """exit codes: 0 success, 1 a step or check failed, 2 bad usage or config,
70 the cockpit crashed (a bug of its own: it says where the traceback is).
quick start: `cockpit demo` builds a real demo release and opens it."""


def _parser() -> argparse.ArgumentParser:
    config_opt = argparse.ArgumentParser(add_help=False)
    config_opt.add_argument("--config", type=Path, default=argparse.SUPPRESS, metavar="F",
                            help="cockpit.toml to use (default: ./cockpit.toml)")
    parser = argparse.ArgumentParser(prog="cockpit", description=DESCRIPTION, epilog=EPILOG,
                                     parents=[config_opt],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"cockpit {__version__}")
    parser.add_argument("--spectate", action="store_true",
                        help="open the journal read-only and follow the controller live")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", parents=[config_opt], help="build a self-contained demo "
                          "release (real cargo, git, local forge) and open the cockpit on it")
    demo.add_argument("--workspace", type=Path, help="where to build it (default: a temp dir); "
                      "an existing demo workspace is reopened")
    demo.add_argument("--no-ui", action="store_true", help="only build the workspace; print "
                      "its cockpit.toml path")

    init = sub.add_parser("init", parents=[config_opt], help="write a cockpit.toml from flags")
    init.add_argument("--name", required=True, help="product name, e.g. caro")
    init.add_argument("--release-version", dest="release_version", required=True,
                      help="version being released, e.g. 1.1.0-beta")
    init.add_argument("--previous-version", help="version users have today, e.g. 1.0.0")
    init.add_argument("--repo", type=Path, default=Path("."), help="release repository")
    init.add_argument("--launch", required=True,
                      help="local date-time of T-0 08:00, e.g. 2026-01-15T08:00")
    init.add_argument("--timezone", default="UTC", help="IANA zone, e.g. America/New_York")
    init.add_argument("--package", help="cargo package (default: --name)")
    init.add_argument("--binary", help="binary name (default: --name)")
    init.add_argument("--target", action="append", default=[], help="target triple (repeat)")
    init.add_argument("--artifact", choices=["tar.gz", "bare"], default="tar.gz")
    init.add_argument("--install-script", type=Path, help="install script, relative to repo")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")

    sub.add_parser("check", parents=[config_opt],
                   help="preflight: config, runbook and playbooks against the repository, "
                        "builders, origin and the forge")

    build = sub.add_parser("build", parents=[config_opt], help="run the build matrix: every "
                           "target on its builder, then size, smoke test, package, checksum")
    build.add_argument("--target", action="append", default=[], metavar="T",
                       help="build only this target triple (repeat); default: [build] targets")
    build.add_argument("--builder", metavar="NAME", help="use this builder for every target")
    build.add_argument("--headless", action="store_true", help="no UI: progress lines")
    build.add_argument("--from-head", action="store_true", help="a version already tagged is "
                       "built from its tag (headless: in a worktree of it); this builds the "
                       "checked-out commit instead, and says so")

    run = sub.add_parser("run", parents=[config_opt], help="run a playbook")
    run.add_argument("playbook")
    run.add_argument("--param", action="append", default=[], metavar="K=V",
                     help="a parameter value (repeat)")
    run.add_argument("--dry-run", action="store_true", help="print every command, run nothing")
    run.add_argument("--yes", action="store_true", help="confirm destructive steps")
    run.add_argument("--headless", action="store_true", help="no UI: rich progress output")
    again = run.add_mutually_exclusive_group()
    again.add_argument("--resume", choices=["rerun", "done", "skip"],
                       help="with --headless: go on with the playbook's interrupted run; its "
                       "interrupted step is run again (its probe first), marked done, or skipped")
    again.add_argument("--discard", action="store_true",
                       help="with --headless: give up the playbook's interrupted run (with "
                       "--note why), then start afresh")
    run.add_argument("--note", default="", help="why (journaled): for --resume skip, --discard")

    playbooks = sub.add_parser("playbooks", parents=[config_opt],
                               help="list playbooks, steps, parameters; or show one (NAME)")
    playbooks.add_argument("name", nargs="?", metavar="NAME",
                           help="one playbook in full: its steps, what each asks, parameters")

    metrics = sub.add_parser("metrics", parents=[config_opt], help="read the configured "
                             "[[metrics]] headless, journaling each reading")
    metrics.add_argument("--once", action="store_true", help="ask each metric once, print, "
                         "exit (1 if any is stale); default: poll and print every update")
    metrics.add_argument("--format", choices=["table", "json"], default="table")

    journal = sub.add_parser("journal", parents=[config_opt], help="the launch journal")
    jsub = journal.add_subparsers(dest="journal_command", metavar="ACTION", required=True)
    export = jsub.add_parser("export", parents=[config_opt], help="write the launch record")
    export.add_argument("--format", choices=["jsonl", "md"], default="md")
    export.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")
    report = sub.add_parser("report", parents=[config_opt], help="the Day 1 or Week 1 report "
                            "as Markdown: each metric against its targets' tiers, plotted, "
                            "and the updates posted")
    report.add_argument("deadline", choices=["day1", "week1"])
    report.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")
    _incident(sub, config_opt)
    _spectators(sub, config_opt)
    serve = sub.add_parser("serve", parents=[config_opt], help="the read-only cockpit for "
                           "teammates elsewhere: over SSH (their keys: cockpit spectators) or "
                           "in a browser; each viewer a spectator process of its own")
    how = serve.add_mutually_exclusive_group(required=True)
    how.add_argument("--ssh", action="store_true", help="an SSH server (default port 2222); "
                     "its host key is made once beside the journal, its fingerprint printed")
    how.add_argument("--web", action="store_true", help="a web server (default port 8000); "
                     "off loopback the printed URL carries the access token it needs")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on "
                       "(default: 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: 2222 for --ssh, 8000 for --web)")
    from cockpit.cli.replay import add_parser

    add_parser(sub, config_opt)
    return parser


def _spectators(sub: Any, config_opt: argparse.ArgumentParser) -> None:
    spectators = sub.add_parser("spectators", parents=[config_opt], help="who may watch over "
                                "SSH: their public keys, each with a name")
    ssub = spectators.add_subparsers(dest="spectators_command", metavar="ACTION", required=True)
    add = ssub.add_parser("add", parents=[config_opt], help="allow a spectator's public key")
    add.add_argument("keyfile", type=Path, metavar="KEYFILE", help="their public key (.pub)")
    add.add_argument("--name", required=True, help="who it is: each session is journaled so")
    listed = ssub.add_parser("list", parents=[config_opt], help="the spectators allowed")
    listed.add_argument("--format", choices=["table", "json"], default="table")
    remove = ssub.add_parser("remove", parents=[config_opt], help="take a spectator's key off")
    remove.add_argument("name", metavar="NAME")


def _incident(sub: Any, config_opt: argparse.ArgumentParser) -> None:
    incident = sub.add_parser(
        "incident", parents=[config_opt], help="incident command: declare, list, move on, "
        "note, resolve; the post-incident report",
        description="Incidents with the runbook's rules ([incidents] in runbook.toml). A change "
        "takes the controller's lock like any change (while a cockpit runs, make it there); "
        "list and report read the journal and work beside it. Bad input: exit 2, nothing "
        "journaled.")
    isub = incident.add_subparsers(dest="incident_command", metavar="ACTION", required=True)
    opened = isub.add_parser("open", parents=[config_opt], help="declare an incident; prints "
                             "its id (alone) on stdout")
    opened.add_argument("--severity", required=True, help="P0 to P3, as the runbook defines "
                        "them ([incidents] in runbook.toml)")
    opened.add_argument("--title", required=True, metavar="TEXT", help="what is broken")
    opened.add_argument("--scenario", default="", metavar="NAME", help="one of the runbook's "
                        "scenarios (e.g. crash-on-start: its fix deadline); default: other")
    opened.add_argument("--reporter", default="", metavar="WHO", help="who reported it")
    opened.add_argument("--reported-at", metavar="TIME", help="when it was reported (the "
                        "clocks start then): ISO 8601 with its offset, e.g. "
                        "2026-01-15T14:00:00-05:00, or HH:MM meaning today in the release's "
                        "time zone ([release] timezone); default: now")
    listed = isub.add_parser("list", parents=[config_opt], help="every incident, its phase, "
                             "clock and next update (reads the journal: works beside the "
                             "cockpit)")
    listed.add_argument("--format", choices=["table", "json"], default="table")
    phase = isub.add_parser("phase", parents=[config_opt], help="move an incident to PHASE")
    phase.add_argument("id", metavar="ID")
    phase.add_argument("phase", metavar="PHASE", help="one of the runbook's phases (identify, "
                       "alert, ...); postmortem once resolved: the post-mortem held")
    phase.add_argument("--backwards", action="store_true", help="allow going back to an "
                       "earlier phase (journaled as such)")
    phase.add_argument("--note", default="", metavar="TEXT", help="why (journaled)")
    note = isub.add_parser("note", parents=[config_opt], help="add a timestamped note (after "
                           "the resolution: marked late)")
    note.add_argument("id", metavar="ID")
    note.add_argument("text", metavar="TEXT")
    role = isub.add_parser("role", parents=[config_opt], help="name who holds a role")
    role.add_argument("id", metavar="ID")
    role.add_argument("role", metavar="ROLE", help="commander, communications or scribe")
    role.add_argument("name", metavar="NAME")
    resolve = isub.add_parser("resolve", parents=[config_opt], help="resolve an incident with "
                              "its decision; the post-mortem is due after it")
    resolve.add_argument("id", metavar="ID")
    resolve.add_argument("--decision", default="", metavar="NAME", help="the runbook's: "
                         "hotfix, \"configuration change\", rollback, \"disabled feature\"")
    for name in ("root-cause", "fix", "impact", "prevention"):
        resolve.add_argument(f"--{name}", default="", metavar="TEXT")
    report = isub.add_parser("report", parents=[config_opt], help="the post-incident report "
                             "as Markdown, from the journal")
    report.add_argument("id", metavar="ID")
    report.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")


def entry() -> None:
    """The process: `cockpit` and `python -m cockpit`.

    Start-up only allocates what lives until exit (modules, validators, the config), so the
    collector stays off until the long-running part begins (`cockpit.started`), and what is
    left at exit is frozen: the interpreter then skips a full collection it would throw away.
    Together that is ~60-90 ms of a headless build's fixed cost."""
    gc.disable()
    code = main()
    gc.freeze()
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return _dispatch(parser, args)
    except CockpitError as exc:
        _print_error(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _print_error(exc: CockpitError) -> None:
    from rich.console import Console
    from rich.text import Text

    from cockpit.redact import redact

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    for problem in exc.problems:  # redacted: a message may quote what a far side answered
        where = problem.where()
        console.print(Text.assemble(("error: ", "bold red"), (f"{where}: " if where else "", "bold"),
                                    redact(problem.message)))
        if problem.fix:
            console.print(Text.assemble(("  fix: ", "green"), redact(problem.fix)))


COMMANDS = {"demo": "demo", "init": "init", "check": "check", "run": "run", "build": "build",
            "playbooks": "playbooks", "journal": "record", "metrics": "metrics",
            "report": "report", "incident": "incident", "spectators": "spectators",
            "serve": "serve", "replay": "replay"}
"""Each command's module in this package (imported only when the command runs)."""


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command is None:
        from cockpit.cli.loading import load_all, open_ui

        config, runbook = load_all(args)
        return open_ui(config, runbook, spectate=args.spectate)
    if args.spectate:
        parser.error("--spectate opens the cockpit: use it without a command")
    module = importlib.import_module(f"cockpit.cli.{COMMANDS[args.command]}")
    code: int = module.command(args)
    return code
