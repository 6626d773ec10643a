"""The core never loads Textual: each core module is imported alone in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import cockpit

PACKAGE = Path(cockpit.__file__).parent
UI = {"app", "cli", "__main__"}
"""The composition root and the entry point: everything else is the headless core."""
CORE = sorted(".".join(p.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
              for p in PACKAGE.rglob("*.py")
              if (p.relative_to(PACKAGE).parts[0].removesuffix(".py") not in UI
              and p.name != "__init__.py") or (p.parent != PACKAGE and p.name == "__init__.py"
              and p.relative_to(PACKAGE).parts[0] not in UI))


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


def test_every_core_module_is_under_the_import_contract() -> None:
    import tomllib

    pyproject = Path(cockpit.__file__).parent.parent / "pyproject.toml"
    contracts = tomllib.loads(pyproject.read_text())["tool"]["importlinter"]["contracts"]
    forbidden = next(c for c in contracts if c["type"] == "forbidden")
    tops = {f"cockpit.{m.split('.')[0]}" for m in CORE}
    assert set(forbidden["source_modules"]) == tops
