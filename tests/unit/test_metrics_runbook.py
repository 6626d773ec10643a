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


def test_a_target_naming_a_metric_not_configured_is_a_problem_with_file_line_and_fix() -> None:
    from types import SimpleNamespace

    from cockpit.metrics.targets import configured_names, unknown_metrics

    path = SHIPPED / "runbook.toml"
    text = path.read_text()
    targets = load_runbook().timeline.targets
    config = SimpleNamespace(metrics=[SimpleNamespace(name="downloads"),
                                      SimpleNamespace(name="p0"), SimpleNamespace(name="p1")])
    problems = unknown_metrics(targets, configured_names(config), path, text)
    assert [p.field for p in problems] == ["targets.1.metric", "targets.5.metric"]
    first = problems[0]
    assert "'active_users'" in first.message and first.file == path
    assert first.line is not None and text.splitlines()[first.line - 1] == 'metric = "active_users"'
    assert first.fix is not None and 'add [[metrics]] name = "active_users"' in first.fix
    # no [[metrics]] at all (or a config from before them): nothing to judge yet, nothing said
    assert unknown_metrics(targets, configured_names(SimpleNamespace()), path, text) == []
