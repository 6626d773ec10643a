"""Faults found by review: each one pinned by a test."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.engine.engine import Engine
from cockpit.engine.planner import Planner
from cockpit.errors import CockpitError, ConfigError
from cockpit.executors.local import group_alive
from cockpit.journal.row import Event
from cockpit.journal.store import Journal
from cockpit.runbook.loader import load_playbook, load_runbook
from cockpit.state.gates import Blocked
from cockpit.state.launch import LaunchState
from cockpit.state.timeline import project
from cockpit.steps.questions import GateAnswer
from tests.helpers import ScriptedOperator, decide_gates, playbook_folder

BAD = 'title = "x"\n[[steps]]\nid = "a"\nkind = "shell"\ntitle = "a"\n'


@pytest.mark.parametrize(("extra", "field", "words"), [
    ('run = "echo hi"\nexpect_output = "hi("\n', "steps.0", "not a valid regular expression"),
    ("run = \"echo 'x\"\n", "steps.0", "cannot be split into words"),
])
def test_playbook_commands_and_patterns_are_checked_when_loading(
        tmp_path: Path, extra: str, field: str, words: str) -> None:
    path = tmp_path / "x.toml"
    path.write_text(BAD + extra)
    with pytest.raises(ConfigError) as err:
        load_playbook(path)
    assert err.value.problems[0].field == field and words in err.value.problems[0].message


async def test_a_failing_sink_stops_the_command_and_ends_the_run(
        config: Config, journal: Journal, tmp_path: Path) -> None:
    text = BAD + 'shell = true\nrun = "echo $$ > pid; echo one; sleep 30"\n'
    engine = Engine(config, load_runbook(playbook_folder(tmp_path, x=text)), journal)

    def listener(events: list[Event]) -> None:
        if any(e.kind == "output" for e in events):
            raise OSError(28, "No space left on device")

    engine.listener = listener
    with pytest.raises(CockpitError) as err:
        await engine.run("x", {}, ScriptedOperator())
    assert "No space left on device" in err.value.problems[0].message
    run = next(iter(engine.state().runs.values()))
    assert run.status == "failed" and run.steps["a"].status == "failed"
    await asyncio.sleep(0.2)
    assert not group_alive(int((config.repo / "pid").read_text()))


async def test_resume_stops_what_the_dead_cockpit_left_running(
        config: Config, clock: FrozenClock, tmp_path: Path) -> None:
    import socket

    leftover = subprocess.Popen(["sleep", "30"], start_new_session=True)
    first = Journal.controller(config.journal_path, clock=clock)
    first.append("run_started", run_id="r1", playbook="x", params={}, operator="rm@test",
                 steps=["a"])
    first.append("step_started", run_id="r1", step="a", command="sleep 30")
    first.append("step_process", run_id="r1", step="a", pgid=leftover.pid,
                 host=socket.gethostname())
    first.close()
    second = Journal.controller(config.journal_path, clock=clock)
    text = BAD + 'run = "true"\n'
    engine = Engine(config, load_runbook(playbook_folder(tmp_path, x=text)), second)
    outcome = await engine.resume("r1", "rerun", "", ScriptedOperator())
    assert outcome.status == "ok"
    assert leftover.wait(5) != 0  # killed, not finished
    assert second.events(kinds=["leftover_stopped"])[0].data["pgid"] == leftover.pid
    second.close()


async def test_resume_respects_a_no_go(config: Config, journal: Journal, tmp_path: Path) -> None:
    engine = Engine(config, load_runbook(), journal)
    decide_gates(journal, engine.runbook, before="t0-go-no-go")
    await engine.run("final-go-no-go", {}, ScriptedOperator(
        gate_answers=[GateAnswer("NO-GO", "P0 open")]))
    journal.append("run_started", run_id="r1", playbook="tag-release", params={},
                   operator="rm@test", steps=["tag"])
    journal.append("session_started", operator="rm@test")
    with pytest.raises(Blocked):
        await engine.resume("r1", "skip", "done by hand", ScriptedOperator())


async def test_standing_no_go_shows_through_an_aborted_rerun_and_overrides_show(
        config: Config, journal: Journal) -> None:
    engine = Engine(config, load_runbook(), journal)
    decide_gates(journal, engine.runbook, before="t0-go-no-go")
    await engine.run("final-go-no-go", {}, ScriptedOperator(
        gate_answers=[GateAnswer("NO-GO", "P0 open")]))
    await engine.run("final-go-no-go", {}, ScriptedOperator(gate_answers=[None]))  # escape
    release = config.release

    def gate_view() -> object:
        state = LaunchState()
        state.apply(journal.events())
        view = project(engine.runbook, release.launch_at, release.tz, state, journal.clock.now())
        return next(v for v in view.items if v.item.id == "t0-go-no-go")

    view = gate_view()
    assert view.status == "NO-GO" and view.override is None  # type: ignore[attr-defined]
    engine.override("t0-go-no-go", "CDN fixed, EL agrees")
    view = gate_view()
    assert view.override is not None and view.override.rationale == "CDN fixed, EL agrees"  # type: ignore[attr-defined]


def test_previews_never_show_secrets(config: Config, monkeypatch: pytest.MonkeyPatch,
                                     tmp_path: Path) -> None:
    monkeypatch.setenv("GH_TOKEN", "ghs_" + "z" * 36)
    text = BAD + 'run = "curl -H \'Authorization: Bearer {token}\' https://u:pw@h.example/x"\n' \
        '[params.token]\ntype = "string"\n'
    playbook = load_runbook(playbook_folder(tmp_path, x=text)).playbooks["x"]
    planner = Planner(config)
    values = planner.values(playbook, {"token": "ghs_" + "z" * 36})
    preview = planner.preview(playbook.steps[0], values)
    assert "zzzz" not in preview and "pw@" not in preview


async def test_a_steps_duration_excludes_the_operators_thinking(
        config: Config, journal: Journal, tmp_path: Path) -> None:
    class SlowOperator(ScriptedOperator):
        async def confirm(self, question):  # type: ignore[no-untyped-def]
            await asyncio.sleep(0.6)
            return True

    text = BAD + 'run = "true"\nconfirm = true\n'
    engine = Engine(config, load_runbook(playbook_folder(tmp_path, x=text)), journal)
    outcome = await engine.run("x", {}, SlowOperator())
    duration = engine.state().runs[outcome.run_id].steps["a"].duration
    assert duration is not None and duration < 0.5


@pytest.mark.usefixtures("gates_go")
async def test_manual_instructions_are_shown_with_values(config: Config, journal: Journal) -> None:
    engine = Engine(config, load_runbook(), journal)
    operator = ScriptedOperator()
    await engine.run("announce", {}, operator)
    assert "Open the release page for v1.1.0-beta and check the notes." in operator.shown
    planner = Planner(config)
    playbook = engine.runbook.playbooks["announce"]
    values = planner.values(playbook, {})
    assert "v1.1.0-beta" in planner.preview(playbook.steps[2], values)
