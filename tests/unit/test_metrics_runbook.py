"""Issue 13: the launch's targets are runbook data ([[targets]] in runbook.toml)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cockpit.errors import ConfigError
from cockpit.runbook.loader import SHIPPED, load_runbook


def test_the_shipped_runbook_holds_the_day1_and_week1_targets() -> None:
    targets = load_runbook().timeline.targets
    got = {(t.deadline, t.metric): (t.comparison, t.minimum, t.target, t.outstanding)
           for t in targets}
    assert got == {
        ("day1", "downloads"): (">=", None, 50, None),
        ("day1", "active_users"): (">=", None, 30, None),
        ("day1", "p0"): ("==", None, 0, None),
        ("day1", "p1"): ("<", None, 3, None),
        ("week1", "downloads"): (">=", 100, 200, 250),
        ("week1", "active_users"): (">=", 75, 150, 180),
        ("week1", "p0"): ("==", None, 0, None),
        ("week1", "p1"): ("<", None, 5, None),
    }


def test_an_unknown_comparison_names_the_file_line_and_key(tmp_path: Path) -> None:
    folder = tmp_path / "playbooks"
    folder.mkdir()
    text = (SHIPPED / "runbook.toml").read_text()
    text = text.replace('comparison = "<"', 'comparison = "<="', 1)
    (folder / "runbook.toml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_runbook(folder)
    said = str(caught.value)
    assert "runbook.toml" in said and "targets.3.comparison" in said
    assert "'>=', '<' or '=='" in said
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t == 'comparison = "<="')
    assert f"runbook.toml:{line}:" in said
    shutil.rmtree(folder)


def test_tiers_out_of_order_are_refused_with_the_fix(tmp_path: Path) -> None:
    folder = tmp_path / "playbooks"
    folder.mkdir()
    text = (SHIPPED / "runbook.toml").read_text().replace("minimum = 100", "minimum = 300", 1)
    (folder / "runbook.toml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_runbook(folder)
    said = str(caught.value)
    assert "runbook.toml" in said and "targets.4" in said and "reorder them" in said
