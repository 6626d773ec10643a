"""The core never loads Textual: each core module is imported alone in a fresh interpreter.
The import contracts (pyproject.toml) hold: layers, no UI in the core, no import circles."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import cockpit

PACKAGE = Path(cockpit.__file__).parent
UI = {"app", "cli", "serve", "__main__"}
"""The composition root, the entry point and the servers of the read-only cockpit (an SSH
server, textual-serve): everything else is the headless core."""
CORE = sorted(
    ".".join(p.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
    for p in PACKAGE.rglob("*.py")
    if p.relative_to(PACKAGE).parts[0].removesuffix(".py") not in UI and p != PACKAGE / "__init__.py"
)


@pytest.mark.parametrize("module", CORE)
def test_core_module_does_not_import_textual(module: str) -> None:
    code = (f"import sys, cockpit.{module}; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'textual', 'screens', 'widgets', 'asyncssh', 'httpx'}); print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_version_imports_no_textual() -> None:
    code = ("import sys\nfrom cockpit.cli.main import main\ntry:\n    main(['--version'])\n"
            "except SystemExit:\n    pass\nprint('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["cockpit 0.1.0", "False"]


def test_the_import_contracts_hold() -> None:
    """Layers (every module of cockpit in one, exhaustively), no Textual in the core, and no
    import circle between the modules of any package."""
    lint = Path(sys.executable).parent / "lint-imports"
    out = subprocess.run([str(lint), "--no-cache"], capture_output=True, text=True,
                         cwd=PACKAGE.parent)
    assert out.returncode == 0, out.stdout[-3000:]
    assert "No import circles between the modules of any package KEPT" in out.stdout
    assert "Contracts: 4 kept, 0 broken." in out.stdout
