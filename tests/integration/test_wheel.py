"""The built wheel carries the UI packages, the playbooks and the demo crate."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_contains_screens_widgets_and_playbooks(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "screens/timeline.py" in names and "widgets/log_pane.py" in names
    assert "cockpit/app/app.py" in names and "cockpit/demo/crate/src/main.rs" in names
    shipped = {p.name for p in (ROOT / "playbooks").glob("*.toml")}
    assert shipped and {f"playbooks/{n}" for n in shipped} <= names
    assert not any("/target/" in n for n in names)
