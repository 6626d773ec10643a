"""`cockpit journal export`: the launch record, as Markdown or JSON lines."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cockpit.cli.loading import load_config_of
from cockpit.errors import CockpitError, Problem


def command(args: argparse.Namespace) -> int:
    from cockpit.journal.store import Journal
    from cockpit.state.record import to_jsonl, to_markdown

    config = load_config_of(args)
    journal = Journal.readonly(config.journal_path)
    events = journal.events()
    journal.close()
    if args.format == "jsonl":
        text = "".join(to_jsonl(events))
    else:
        text = to_markdown(events, title=f"{config.release.name} v{config.release.version}",
                           tz=config.release.tz)
    return write_out(text, args.output)


def write_out(text: str, output: Path | None) -> int:
    """A document made from the journal, to `output` or stdout: redacted as written (a journal
    from an older cockpit holds shapes of secrets it did not know)."""
    from cockpit.redact import redact

    text = redact(text)
    if output:
        try:
            output.write_text(text)
        except OSError as exc:
            raise CockpitError([Problem(f"cannot write it: {exc.strerror}", file=output,
                                        fix="choose a writable path")]) from None
    else:
        sys.stdout.write(text)
    return 0
