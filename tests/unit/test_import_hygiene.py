"""The core never loads Textual: each core module is imported alone in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import cockpit

UI_MODULES = {"app", "__main__", "cli"}
CORE = sorted(p.stem for p in Path(cockpit.__file__).parent.glob("*.py")
              if p.stem not in UI_MODULES and p.stem != "__init__")


@pytest.mark.parametrize("module", CORE)
def test_core_module_does_not_import_textual(module: str) -> None:
    code = (f"import sys, cockpit.{module}; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'textual', 'screens', 'widgets', 'asyncssh', 'httpx'}); print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_version_imports_no_textual() -> None:
    code = ("import sys\nfrom cockpit.cli import main\ntry:\n    main(['--version'])\n"
            "except SystemExit:\n    pass\nprint('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["cockpit 0.1.0", "False"]


def test_every_core_module_is_under_the_import_contract() -> None:
    import tomllib

    pyproject = Path(cockpit.__file__).parent.parent / "pyproject.toml"
    contracts = tomllib.loads(pyproject.read_text())["tool"]["importlinter"]["contracts"]
    forbidden = next(c for c in contracts if c["type"] == "forbidden")
    assert set(forbidden["source_modules"]) == {f"cockpit.{m}" for m in CORE}
