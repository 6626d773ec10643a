"""`cockpit metrics [--once] [--format table|json]`: the configured metrics, read headless.

Every reading is journaled as the cockpit's own are, when this command can take the journal;
while a cockpit holds it (it polls its own metrics), the readings are printed only, and said
so. `--once` asks each metric once (exit 1 if any is stale); without it, polls on each
metric's schedule and prints every update until interrupted. JSON is a list of objects:
name, value, at (ISO 8601), stale, error (and fix), alert (the threshold its table configures
that the value crossed, e.g. "below 1", else null); continuous JSON prints the whole list
again, on one line, after each update."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING

from cockpit.cli.loading import load_config_of
from cockpit.clock import local_time
from cockpit.errors import CockpitError

if TYPE_CHECKING:
    from cockpit.config import Config
    from cockpit.journal.store import Journal
    from cockpit.metrics.poller import Result


def command(args: argparse.Namespace) -> int:
    from cockpit.journal.store import Journal, JournalLocked

    config = load_config_of(args)
    if not config.metrics:
        raise CockpitError.single(
            "no metrics are configured", file=config.source, field="metrics",
            fix='add a [[metrics]] table, e.g. name = "downloads", kind = "forge-downloads", '
                'every = "5m"')
    journal: Journal | None
    try:
        journal = Journal.controller(config.journal_path)
    except JournalLocked:
        journal = None
        print("a cockpit holds the journal (and journals its own readings): these are printed, "
              "not journaled", file=sys.stderr)
    try:
        return asyncio.run(_run(config, journal, once=args.once, form=args.format))
    finally:
        if journal is not None:
            journal.close()


async def _run(config: Config, journal: Journal | None, *, once: bool, form: str) -> int:
    from cockpit.metrics.poller import Poller
    from cockpit.metrics.sources import Sources

    sources = Sources(config)
    poller = Poller(config.metrics, sources, journal.record if journal is not None else None)
    try:
        if once:
            results = await poller.once()
            _print(results, form, config)
            return 1 if any(r.stale for r in results) else 0
        latest: dict[str, Result] = {}

        def updated(result: Result) -> None:
            latest[result.name] = result
            if form == "json":
                print(json.dumps([_json(r, config) for r in latest.values()]), flush=True)
            else:
                print(_line(result, config), flush=True)

        await poller.run(updated)
        return 0
    finally:
        await sources.close()


def _alert(result: Result, config: Config) -> str:
    """The alert threshold of its [[metrics]] table that the value crossed ("" when none)."""
    from cockpit.metrics.alerts import crossed

    metric = next((m for m in config.metrics if m.name == result.name), None)
    return crossed(metric, result.value) if metric and result.value is not None else ""


def _json(result: Result, config: Config) -> dict[str, object]:
    return {**result.as_json(), "alert": _alert(result, config) or None}


def _shown(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _line(result: Result, config: Config) -> str:
    at = local_time(result.at, config.release.tz, "%H:%M:%S") if result.at else "--:--:--"
    state = f"  STALE: {result.error} (fix: {result.fix})" if result.stale else ""
    if alert := _alert(result, config):
        state += f"  ALERT: {alert}"
    return f"{at}  {result.name}  {_shown(result.value)}{state}"


def _print(results: list[Result], form: str, config: Config) -> None:
    if form == "json":
        print(json.dumps([_json(r, config) for r in results], indent=2))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title="metrics", title_justify="left")
    for column in ("metric", "value", "at", "state", "fix"):
        table.add_column(column, overflow="fold")
    for r in results:
        at = r.at.astimezone(config.release.tz).isoformat(timespec="seconds") if r.at else ""
        alert = _alert(r, config)
        table.add_row(Text(r.name), Text(_shown(r.value)), Text(at),
                      Text(f"STALE: {r.error}", style="bold red") if r.stale
                      else Text(f"ALERT: {alert}", style="bold red") if alert
                      else Text("ok", style="green"), Text(r.fix))
    Console(highlight=False, width=None if sys.stdout.isatty() else 160).print(table)
