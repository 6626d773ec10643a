"""`cockpit playbooks NAME` shows one playbook: its steps, what each asks, its parameters."""

from __future__ import annotations

from pathlib import Path

from tests.unit.test_cli import cockpit


def test_one_playbook_in_full(workspace: Path) -> None:
    out = cockpit("playbooks", "rollback", "--config", str(workspace))
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "rollback: Rollback [emergency]" in text and "tag-release" not in text
    assert "turn the bad release into a draft" in text  # its description
    assert "asks" in text and "a yes" in text and "an answer" in text
    assert "(when install.strategy=version-line)" in text
    assert "param reason: string (required)" in text
    assert "asks a person at 7 of 9 steps: announce-start, previous-exists" in text


def test_an_unknown_playbook_names_the_known_ones(workspace: Path) -> None:
    out = cockpit("playbooks", "rollbak", "--config", str(workspace))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "no playbook named 'rollbak'" in out.stderr and "rollback" in out.stderr
