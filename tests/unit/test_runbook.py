from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cockpit.errors import ConfigError
from cockpit.runbook.loader import SHIPPED, load_playbook, load_runbook


def test_shipped_runbook_covers_every_section_of_the_runbook() -> None:
    runbook = load_runbook()
    titles = {i.title for i in runbook.timeline.items}
    for expected in ["Planning Complete Gate", "Beta Build Ready Gate", "Beta Tester Recruitment",
                     "Beta Testing Execution (T-4 to T-2)", "Launch Readiness Gate",
                     "Final GO/NO-GO Decision", "Tag Release", "Build and Upload Binaries",
                     "Update Install Script", "Launch Announcements", "Active Monitoring",
                     "Hourly Status Update", "Day 1 Review", "Week 1 Monitoring (T+2 to T+7)",
                     "Week 1 Success Criteria", "P0 Incident Response", "Hotfix Deployment",
                     "Rollback", "Daily Release Manager Checklist", "Weekly Release Sync",
                     "Bug Triage Workflow", "Community Support Workflow", "Release Metrics Review"]:
        assert expected in titles
    sections = {i.section for i in runbook.timeline.items}
    assert sections == {"pre-release", "launch-day", "post-launch", "emergency", "standing"}
    assert all(i.playbook in runbook.playbooks for i in runbook.timeline.items if i.playbook)
    kinds = {s.kind for pb in runbook.playbooks.values() for s in pb.steps}
    assert kinds == {"shell", "manual", "gate", "edit", "build", "forge", "announce", "commit"}


def test_launch_readiness_gate_has_the_runbooks_builtin_checks() -> None:
    gate = load_runbook().playbooks["launch-readiness"].steps[-1]
    kinds = {c.kind for c in gate.checks}
    assert {"command", "pii-scan", "p95-latency", "binary-size", "manual"} <= kinds


def _override(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "playbooks"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text)
    return folder


def test_unknown_step_kind_is_located(tmp_path: Path) -> None:
    text = 'title = "x"\n\n[[steps]]\nid = "a"\nkind = "shel"\ntitle = "a"\nrun = "true"\n'
    with pytest.raises(ConfigError) as err:
        load_runbook(_override(tmp_path, "x", text))
    p = err.value.problems[0]
    assert (p.file, p.line, p.field) == (tmp_path / "playbooks" / "x.toml", 5, "steps.0.kind")
    assert "'shell'" in p.message


def test_undefined_parameter_is_located_with_the_fix(tmp_path: Path) -> None:
    text = ('title = "x"\n[params.version]\ntype = "semver"\n\n[[steps]]\nid = "a"\nkind = "shell"\n'
            'title = "a"\nrun = "git tag v{verison}"\n')
    with pytest.raises(ConfigError) as err:
        load_playbook(_override(tmp_path, "x", text) / "x.toml")
    p = err.value.problems[0]
    assert p.message == "undefined parameter {verison}"
    assert p.line == 9 and p.field == "steps.0.run"
    assert p.fix and "[params.verison]" in p.fix


def test_item_linking_a_missing_playbook(tmp_path: Path) -> None:
    folder = tmp_path / "playbooks"
    folder.mkdir()
    text = (SHIPPED / "runbook.toml").read_text().replace(
        'playbook = "tag-release"', 'playbook = "tag-relase"')
    (folder / "runbook.toml").write_text(text)
    with pytest.raises(ConfigError) as err:
        load_runbook(folder)
    p = err.value.problems[0]
    assert "'tag-relase'" in p.message and p.field and p.field.endswith(".playbook")
    assert p.line is not None and "tag-relase" in text.splitlines()[p.line - 1]


def test_override_replaces_a_shipped_playbook(tmp_path: Path) -> None:
    folder = tmp_path / "pb"
    folder.mkdir()
    shutil.copy(SHIPPED / "announce.toml", folder / "announce.toml")
    text = (folder / "announce.toml").read_text().replace("12:00 Launch Announcements", "Ours")
    (folder / "announce.toml").write_text(text)
    assert load_runbook(folder).playbooks["announce"].title == "Ours"


def test_a_key_its_kind_does_not_take_is_named_with_the_keys_it_does(tmp_path: Path) -> None:
    text = ('title = "x"\n\n[[steps]]\nid = "a"\nkind = "manual"\ntitle = "look"\n'
            'timeout = 30\n')
    with pytest.raises(ConfigError) as err:
        load_runbook(_override(tmp_path, "x", text))
    p = err.value.problems[0]
    assert (p.line, p.field, p.message) == (7, "steps.0.timeout", "unknown key")
    assert p.fix is not None and p.fix.startswith("a manual step takes: id, title")
    assert "instructions" in p.fix and "timeout" not in p.fix


def test_a_step_without_its_command_or_file_is_refused(tmp_path: Path) -> None:
    text = ('title = "x"\n\n[[steps]]\nid = "a"\nkind = "shell"\ntitle = "a"\nrun = ""\n\n'
            '[[steps]]\nid = "b"\nkind = "announce"\ntitle = "b"\ntemplate = ""\nchannel = "x"\n')
    with pytest.raises(ConfigError) as err:
        load_runbook(_override(tmp_path, "x", text))
    assert {p.field for p in err.value.problems} == {"steps.0.run", "steps.1.template"}


@pytest.mark.parametrize(("shipped", "bad", "key"), [
    ("day = -7\n", "day = -700000\n", "day"),  # past any date the timeline can show
    ("every = 30", "every = 0", "every"),  # a slot every 0 minutes: without end
])
def test_an_item_the_timeline_cannot_draw_is_refused_where_it_is_written(
        tmp_path: Path, shipped: str, bad: str, key: str) -> None:
    folder = tmp_path / "playbooks"
    folder.mkdir()
    text = (SHIPPED / "runbook.toml").read_text()
    assert shipped in text
    (folder / "runbook.toml").write_text(text.replace(shipped, bad, 1))
    with pytest.raises(ConfigError) as err:
        load_runbook(folder)
    p = err.value.problems[0]
    assert p.field and p.field.endswith(key) and p.line is not None
