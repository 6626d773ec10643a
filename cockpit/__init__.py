"""Launch Cockpit: a release runbook made executable.

This package holds the headless core (config, runbook, journal, engine, checks) and the
composition root (`cli`, `app`). Keep this module free of imports: `cockpit --version`
must not pay for Textual.
"""

__version__ = "0.1.0"
