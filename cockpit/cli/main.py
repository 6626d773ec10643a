"""The `cockpit` command: parses arguments, loads config, and hands off.

Imports are deferred to the branch that needs them: `cockpit --version` and the headless
commands never import Textual, and nothing imports asyncssh or httpx until it is used.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import cockpit
from cockpit import __version__
from cockpit.errors import CockpitError, Problem

if TYPE_CHECKING:
    from cockpit.config import Config
    from cockpit.runbook.model import Playbook, Runbook

DESCRIPTION = """Launch Cockpit: run a Rust CLI's release runbook from one full-screen terminal.

Without a command, opens the cockpit on ./cockpit.toml (or --config F) as the controller;
a second cockpit on the same release opens as a read-only spectator."""

EPILOG = """exit codes: 0 success, 1 a step or check failed, 2 bad usage or config.
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

    run = sub.add_parser("run", parents=[config_opt], help="run a playbook")
    run.add_argument("playbook")
    run.add_argument("--param", action="append", default=[], metavar="K=V",
                     help="a parameter value (repeat)")
    run.add_argument("--dry-run", action="store_true", help="print every command, run nothing")
    run.add_argument("--yes", action="store_true", help="confirm destructive steps")
    run.add_argument("--headless", action="store_true", help="no UI: rich progress output")

    sub.add_parser("playbooks", parents=[config_opt], help="list playbooks, steps, parameters")

    journal = sub.add_parser("journal", parents=[config_opt], help="the launch journal")
    jsub = journal.add_subparsers(dest="journal_command", metavar="ACTION", required=True)
    export = jsub.add_parser("export", parents=[config_opt], help="write the launch record")
    export.add_argument("--format", choices=["jsonl", "md"], default="md")
    export.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")
    return parser


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

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    for problem in exc.problems:
        where = problem.where()
        console.print(Text.assemble(("error: ", "bold red"), (f"{where}: " if where else "", "bold"),
                                    problem.message))
        if problem.fix:
            console.print(Text.assemble(("  fix: ", "green"), problem.fix))


def _config_path(args: argparse.Namespace) -> Path:
    from cockpit.config import find_config

    return find_config(getattr(args, "config", None))


def _load_config(args: argparse.Namespace) -> Config:
    from cockpit.config import load_config

    path = _config_path(args)
    if not path.exists():
        raise CockpitError([Problem("no cockpit.toml here", file=path,
                                    fix="pass --config F, run `cockpit init`, or try `cockpit demo`")])
    return load_config(path)


def _load(args: argparse.Namespace) -> tuple[Config, Runbook]:
    from cockpit.runbook.loader import load_runbook

    config = _load_config(args)
    override = config.resolve(config.playbooks) if config.playbooks else None
    return config, load_runbook(override)


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    command = args.command
    if command is None:
        config, runbook = _load(args)
        return _open_ui(config, runbook, spectate=args.spectate)
    if args.spectate:
        parser.error("--spectate opens the cockpit: use it without a command")
    handler = {"demo": _demo, "init": _init, "check": _check, "run": _run, "build": _build,
               "playbooks": _playbooks, "journal": _journal}[command]
    return handler(args)


def _open_ui(config: Config, runbook: Runbook, *, spectate: bool,
             autorun: tuple[str, dict[str, str], bool] | None = None) -> int:
    from cockpit.app.launch import open_cockpit

    return open_cockpit(config, runbook, spectate=spectate, autorun=autorun)


def _demo(args: argparse.Namespace) -> int:
    from cockpit.config import load_config
    from cockpit.demo.workspace import create_workspace, ship_previous
    from cockpit.runbook.loader import load_runbook

    path = create_workspace(args.workspace)
    config = load_config(path)
    ship_previous(config, say=lambda line: print(line, file=sys.stderr))
    if args.no_ui:
        print(path)
        return 0
    return _open_ui(config, load_runbook(), spectate=False)


def _init(args: argparse.Namespace) -> int:
    import tomli_w

    from cockpit.config import load_config

    path = _config_path(args)
    if path.exists() and not args.force:
        raise CockpitError([Problem("already exists", file=path, fix="pass --force to replace it")])
    data: dict[str, object] = {
        "release": {k: v for k, v in {
            "name": args.name, "version": args.release_version,
            "previous_version": args.previous_version, "repo": str(args.repo),
            "launch": args.launch, "timezone": args.timezone}.items() if v is not None},
        "build": {"package": args.package or args.name, "binary": args.binary or args.name,
                  "targets": args.target, "artifact": args.artifact},
        "builders": [{"name": "local", "kind": "local"}],
    }
    if args.install_script:
        data["install"] = {"script": str(args.install_script), "strategy": "version-line"}
    from datetime import datetime

    release = data["release"]
    assert isinstance(release, dict)
    try:
        release["launch"] = datetime.fromisoformat(args.launch)
    except ValueError:
        raise CockpitError([Problem(f"{args.launch!r} is not a date-time", field="--launch",
                                    fix="write it like 2026-01-15T08:00")]) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".new")
    tmp.write_text("# Written by `cockpit init`; see README for every key.\n" + tomli_w.dumps(data))
    try:
        load_config(tmp)
    except CockpitError as exc:
        tmp.unlink()
        flags = {"release.version": "--release-version", "release.previous_version":
                 "--previous-version", "release.timezone": "--timezone", "release.repo": "--repo",
                 "release.launch": "--launch", "build.artifact": "--artifact"}
        for problem in exc.problems:  # the user wrote flags, not this file: name the flag
            flag = flags.get(problem.field or "")
            problem.file, problem.line = (None, None) if flag else (path, problem.line)
            problem.field = flag or problem.field
        raise
    tmp.replace(path)
    print(f"wrote {path}")
    return 0


def _check(args: argparse.Namespace) -> int:
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
        config = load_config(_config_path(args))
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
        found = preflight(config, runbook)
        problems += found
        code = 1 if found else 0
        failed = _probe_builders(config, console)
        if failed:
            code = max(code, 1)
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


def _build(args: argparse.Namespace) -> int:
    from cockpit.executors.toolchain import ask_host_triple, host_triple

    ask_host_triple()  # runs while the config loads; the plan and the smoke test need it
    from cockpit.builds.matrix import assign

    if args.headless:
        config, runbook = _load_config(args), None  # a headless build needs no playbooks
    else:
        config, runbook = _load(args)
    host_triple()  # collected here (it has answered by now), whether or not a target needs it
    assignments = assign(config, args.target or None, args.builder)
    if runbook is not None:
        from cockpit.app.launch import open_cockpit

        return open_cockpit(config, runbook, spectate=False, build=assignments)
    from cockpit.cli.build import run_build_headless
    from cockpit.journal.store import Journal

    journal = Journal.controller(config.journal_path)
    try:
        return run_build_headless(config, journal, assignments)
    finally:
        journal.close()


def _probe_builders(config: Config, console: object) -> int:
    """Probe every builder, print the table; return how many checks failed."""
    import asyncio

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from cockpit.builds.probe import probe_all

    assert isinstance(console, Console)
    reports = asyncio.run(probe_all(config))
    table = Table(title="builders", title_justify="left")
    for column in ("builder", "check", "result", "fix"):
        table.add_column(column, overflow="fold")
    for report in reports:
        for line in report.lines:
            table.add_row(Text(report.builder), Text(line.check),
                          Text(("ok  " if line.ok else "FAIL  ") + line.detail,
                               style="green" if line.ok else "bold red"),
                          Text("" if line.ok else line.fix))
    console.print(table)
    return sum(not line.ok for r in reports for line in r.lines)


def _parse_params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CockpitError([Problem(f"{pair!r} is not K=V", field="--param",
                                        fix="write --param version=1.1.0-beta.1")])
        params[key] = value
    return params


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from cockpit.cli.run import run_headless
    from cockpit.engine.engine import Engine
    from cockpit.journal.events import RunStatus
    from cockpit.journal.store import Journal

    config, runbook = _load(args)
    params = _parse_params(args.param)
    if args.playbook not in runbook.playbooks:
        raise CockpitError([Problem(f"no playbook named {args.playbook!r}", field="playbook",
                                    fix="see `cockpit playbooks`")])
    if not args.headless:
        if args.yes:
            raise CockpitError([Problem("--yes only applies with --headless", field="--yes",
                                        fix="the cockpit asks on screen; add --headless to "
                                        "confirm from the command line")])
        return _open_ui(config, runbook, spectate=False,
                        autorun=(args.playbook, params, args.dry_run))
    from cockpit.engine.planner import Planner
    from cockpit.journal.store import JournalLocked

    playbook = runbook.playbooks[args.playbook]
    values = Planner(config).values(playbook, params)  # usage errors before anything runs
    try:
        journal = Journal.controller(config.journal_path)
    except JournalLocked:
        if not args.dry_run:
            raise
        return _preview_only(config, playbook, values)  # a dry run needs no lock
    try:
        engine = Engine(config, runbook, journal)
        cockpit.started()
        outcome = asyncio.run(run_headless(engine, args.playbook, params, dry_run=args.dry_run,
                                           assume_yes=args.yes))
    except asyncio.CancelledError:
        print("stopped by a signal: the running step's processes were stopped", file=sys.stderr)
        return 1
    finally:
        journal.close()
    return 0 if outcome.status == RunStatus.OK else 1


def _preview_only(config: Config, playbook: Playbook, values: dict[str, str]) -> int:
    from rich.console import Console
    from rich.text import Text

    from cockpit.engine.planner import Planner

    console = Console(highlight=False, soft_wrap=True)
    console.print(Text(f"{playbook.title}  (dry run; not journaled: another cockpit controls "
                       "this release)", style="bold"))
    console.print(Text(Planner(config).plan_text(playbook, values)))
    return 0


def _playbooks(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    _, runbook = _load(args)
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


def _journal(args: argparse.Namespace) -> int:
    from cockpit.journal.store import Journal
    from cockpit.state.record import to_jsonl, to_markdown

    config = _load_config(args)
    journal = Journal.readonly(config.journal_path)
    events = journal.events()
    journal.close()
    if args.format == "jsonl":
        text = "".join(to_jsonl(events))
    else:
        text = to_markdown(events, title=f"{config.release.name} v{config.release.version}",
                           tz=config.release.tz)
    if args.output:
        try:
            args.output.write_text(text)
        except OSError as exc:
            raise CockpitError([Problem(f"cannot write it: {exc.strerror}", file=args.output,
                                        fix="choose a writable path")]) from None
    else:
        sys.stdout.write(text)
    return 0
