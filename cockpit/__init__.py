"""Launch Cockpit: a release runbook made executable.

This package holds the headless core (config, runbook, journal, engine, checks) and the
composition root (`cli`, `app`). Keep this module free of costly imports: `cockpit --version`
must not pay for Textual.
"""

import gc
import os

__version__ = "0.1.0"

# The cockpit uses no pydantic plugins; looking for them reads every installed package's
# metadata (importlib.metadata, email parsing) when the first model is built: ~20-30 ms of
# start-up. Set the variable yourself to have pydantic load plugins again.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def started() -> None:
    """Start-up is over: collect garbage from here on. The process entry (`cli.entry`) runs
    start-up with the collector off; what start-up built lives until exit, so it is frozen
    rather than scanned again and again. A no-op where the collector was never turned off."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
