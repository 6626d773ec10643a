"""The engine against real subprocesses and a real git repository (the demo workspace)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.engine.defaults import emergency_defaults, rollback_defaults, shipped
from cockpit.engine.engine import Engine
from cockpit.errors import CockpitError, ParameterError
from cockpit.journal.store import Journal
from cockpit.runbook.loader import load_runbook
from cockpit.runbook.model import Runbook
from cockpit.state.gates import Blocked
from cockpit.steps import questions as q
from cockpit.steps.questions import FailureAnswer, GateAnswer, ManualAnswer, Unattended
from tests.helpers import (
    ScriptedOperator,
    decide_gates,
    forge_holds,
    install_script_serves,
    playbook_folder,
)

HOSTILE = ["a; touch pwned", "$(touch pwned)", "`touch pwned`", "it's \"quoted\"", "x\ny"]


def engine_for(config: Config, journal: Journal, tmp_path: Path, **playbooks: str) -> Engine:
    runbook = load_runbook(playbook_folder(tmp_path, **playbooks) if playbooks else None)
    return Engine(config, runbook, journal)


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for a reaper."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def statuses(engine: Engine, run_id: str) -> dict[str, str]:
    return {k: s.status for k, s in engine.state().runs[run_id].steps.items()}


SHELLS = '''
title = "shells"
[params.value]
type = "text"
default = "plain"

[[steps]]
id = "argv"
kind = "shell"
title = "argv"
run = "python3 -c 'import sys; open(\\"argv.out\\", \\"w\\").write(sys.argv[1])' {value}"

[[steps]]
id = "sh"
kind = "shell"
title = "through sh"
shell = true
run = "printf %s {value} > sh.out"
'''


@pytest.mark.parametrize("value", HOSTILE)
async def test_hostile_parameters_arrive_verbatim_and_run_nothing(
        config: Config, journal: Journal, tmp_path: Path, value: str) -> None:
    engine = engine_for(config, journal, tmp_path, shells=SHELLS)
    outcome = await engine.run("shells", {"value": value}, ScriptedOperator())
    assert outcome.status == "ok"
    assert (config.repo / "argv.out").read_text() == value
    assert (config.repo / "sh.out").read_text() == value
    assert not (config.repo / "pwned").exists()


FLAKY = '''
title = "flaky"
[[steps]]
id = "flaky"
kind = "shell"
title = "fails twice then works"
shell = true
run = "n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo attempt $n; [ $n -ge 3 ]"
retries = 2
retry_delay = 0

[[steps]]
id = "slow"
kind = "shell"
title = "too slow"
shell = true
run = "sleep 30 & echo $! > child.pid; wait"
timeout = 0.5
on_failure = "continue"

[[steps]]
id = "after"
kind = "shell"
title = "runs after a continue"
run = "true"
'''


async def test_retries_timeout_kills_the_group_and_continue(
        config: Config, journal: Journal, tmp_path: Path) -> None:
    engine = engine_for(config, journal, tmp_path, flaky=FLAKY)
    outcome = await engine.run("flaky", {}, ScriptedOperator())
    # a failure the playbook chose to go on after: the run is done, and names what was not
    assert outcome.status == "incomplete" and outcome.missed == ("slow",)
    assert engine.state().runs[outcome.run_id].missed == ["slow"]
    assert statuses(engine, outcome.run_id) == {"flaky": "ok", "slow": "timeout", "after": "ok"}
    retries = journal.events(kinds=["step_retry"])
    assert [e.data["attempt"] for e in retries] == [1, 2]
    child = int((config.repo / "child.pid").read_text())
    assert not alive(child)  # the background sleep died with its process group
    lines = [ln for e in journal.events(kinds=["output"]) for ln in e.lines()]
    assert lines[:3] == ["attempt 1", "attempt 2", "attempt 3"]


STOPS = '''
title = "stops"
[[steps]]
id = "bad"
kind = "shell"
title = "bad"
run = "sh -c 'echo boom; exit 3'"

[[steps]]
id = "never"
kind = "shell"
title = "never"
run = "touch never"
'''


async def test_failure_stops_by_default(config: Config, journal: Journal, tmp_path: Path) -> None:
    engine = engine_for(config, journal, tmp_path, stops=STOPS)
    outcome = await engine.run("stops", {}, ScriptedOperator())
    assert outcome.status == "failed"
    state = engine.state().runs[outcome.run_id]
    assert state.steps["bad"].message == "exit code 3 (expected 0)"
    assert state.steps["never"].status == "pending"
    assert not (config.repo / "never").exists()


async def test_missing_command_is_a_clear_failure(config: Config, journal: Journal,
                                                  tmp_path: Path) -> None:
    text = STOPS.replace("sh -c 'echo boom; exit 3'", "no-such-tool --flag")
    engine = engine_for(config, journal, tmp_path, stops=text)
    outcome = await engine.run("stops", {}, ScriptedOperator())
    assert engine.state().runs[outcome.run_id].steps["bad"].message == \
        "command not found: no-such-tool"


@pytest.mark.usefixtures("gates_go")
async def test_tag_release_is_idempotent_against_real_git(config: Config, journal: Journal,
                                                          tmp_path: Path) -> None:
    engine = engine_for(config, journal, tmp_path)
    operator = ScriptedOperator()
    first = await engine.run("tag-release", {}, operator)
    assert first.status == "ok"
    assert any("git tag -a v1.1.0-beta" in shown for shown in operator.shown)
    second = await engine.run("tag-release", {}, ScriptedOperator())
    assert second.status == "ok"
    steps = statuses(engine, second.run_id)
    assert steps["tag"] == "skipped" and steps["push"] == "skipped"
    message = engine.state().runs[second.run_id].steps["tag"].message
    assert message.startswith("already done: `git rev-parse -q --verify refs/tags/v1.1.0-beta`")


@pytest.mark.usefixtures("gates_go")
async def test_declining_a_confirmation_aborts_before_the_command(
        config: Config, journal: Journal, tmp_path: Path) -> None:
    engine = engine_for(config, journal, tmp_path)
    outcome = await engine.run("tag-release", {}, ScriptedOperator(confirm_answers=[False]))
    assert outcome.status == "aborted"
    assert statuses(engine, outcome.run_id)["tag"] == "declined"
    tags = os.popen(f"git -C {config.repo} tag").read().split()
    assert "v1.1.0-beta" not in tags


@pytest.mark.usefixtures("gates_go")
async def test_edit_shows_a_diff_then_applies(config: Config, journal: Journal,
                                              tmp_path: Path) -> None:
    engine = engine_for(config, journal, tmp_path)
    (config.repo / "notes.txt").write_text("mine")  # changed before the run: not its doing
    operator = ScriptedOperator(confirm_answers=[True])  # apply the edit
    outcome = await engine.run("update-install-script", {}, operator)
    # v1.1.0-beta is not published here: the edited script cannot install it, so nothing is
    # committed or pushed to the users who fetch it
    assert outcome.status == "failed"
    steps = statuses(engine, outcome.run_id)
    assert steps["try-it"] == "failed" and steps["commit"] == steps["push"] == "pending"
    diff = operator.shown[0]
    assert '-VERSION="v1.0.0"' in diff and '+VERSION="v1.1.0-beta"' in diff
    assert 'VERSION="v1.1.0-beta"' in (config.repo / "install.sh").read_text()
    run = engine.state().runs[outcome.run_id]  # what it left half-done, on record
    assert run.left == [" M install.sh"] and run.stopped_at and run.stopped_at.id == "try-it"
    # run again: the file already says it, so the edit is skipped, not re-applied
    again = await engine.run("update-install-script", {}, ScriptedOperator(confirm_answers=[False]))
    assert statuses(engine, again.run_id)["edit"] == "skipped"


async def test_dry_run_runs_nothing_and_shows_everything(config: Config, journal: Journal,
                                                         tmp_path: Path) -> None:
    engine = engine_for(config, journal, tmp_path)
    outcome = await engine.run("tag-release", {"version": "2.0.0"}, ScriptedOperator(),
                               dry_run=True)
    previews = [e.data["preview"] for e in journal.events(kinds=["dry_run_step"])]
    assert any("$ git push origin v2.0.0" in p for p in previews)
    assert outcome.status == "ok"
    assert "v2.0.0" not in os.popen(f"git -C {config.repo} tag").read()


async def test_bad_parameters_are_refused_before_anything_runs(
        config: Config, journal: Journal, tmp_path: Path) -> None:
    engine = engine_for(config, journal, tmp_path)
    with pytest.raises(ParameterError, match="not a semantic version"):
        await engine.run("tag-release", {"version": "1.2"}, ScriptedOperator())
    assert journal.events(kinds=["run_started"]) == []


async def test_gate_records_decision_and_no_go_blocks_the_next_phase(
        config: Config, journal: Journal, tmp_path: Path) -> None:
    engine = engine_for(config, journal, tmp_path)
    decide_gates(journal, engine.runbook, before="t0-go-no-go")  # T-7 .. T-1 went GO
    operator = ScriptedOperator(gate_answers=[GateAnswer("NO-GO", "P0 #127 open",
                                                         [(True, ""), (False, "two missing")])])
    outcome = await engine.run("final-go-no-go", {}, operator)
    assert outcome.status == "no-go"
    results = operator.gate_results[0]
    assert results[0].ok is False and "build it first" not in results[0].summary  # no binary yet
    assert results[1].ok is True and results[1].summary == "working tree clean"
    decision = journal.events(kinds=["gate_decision"])[-1].data
    assert decision["decision"] == "NO-GO" and decision["operator"] == "rm@test"
    assert decision["item"] == "t0-go-no-go" and decision["failed_checks"] == 1
    ticks = journal.events(kinds=["manual_check"])
    assert [(e.data["ticked"], e.data["note"]) for e in ticks] == [(True, ""), (False, "two missing")]

    with pytest.raises(Blocked) as err:
        await engine.run("tag-release", {}, ScriptedOperator())
    assert "NO-GO by rm@test" in err.value.problems[0].message
    assert err.value.exit_code == 1
    # emergency playbooks are never blocked (here the install script already names 1.0.0)
    # (v1.0.0 on this forge has its source only: users could not install it, so the rollback
    # stops there, before hiding anything)
    rollback = await engine.run("rollback", {"reason": "bad"}, ScriptedOperator())
    steps = statuses(engine, rollback.run_id)
    assert steps["announce-start"] == "ok" and steps["previous-exists"] == "skipped"
    assert steps["edit"] == "skipped"
    assert rollback.status == "failed" and steps["try-it"] == "failed"
    assert steps["hide"] == "pending"
    output = [ln for e in engine.journal.events(kinds=["output"], run_id=rollback.run_id)
              if e.step == "try-it" for ln in e.lines()]
    assert any("caro-v1.0.0-x86_64-unknown-linux-gnu.tar.gz" in ln for ln in output)

    with pytest.raises(CockpitError, match="rationale"):
        engine.override("t0-go-no-go", "  ")
    engine.override("t0-go-no-go", "infra outage resolved, EL approved")
    assert (await engine.run("tag-release", {}, ScriptedOperator())).status == "ok"


@pytest.mark.usefixtures("gates_go")
async def test_manual_step_answers_are_journaled(config: Config, journal: Journal,
                                                 tmp_path: Path) -> None:
    engine = engine_for(config, journal, tmp_path)
    operator = ScriptedOperator(manual_answers=[ManualAnswer(True, "posted"),
                                                ManualAnswer(False, "twitter down")])
    outcome = await engine.run("announce", {}, operator)
    assert outcome.status == "failed"
    done = journal.events(kinds=["manual_done"])
    assert [(e.data["done"], e.data["note"]) for e in done] == [(True, "posted"),
                                                                 (False, "twitter down")]


async def test_interrupted_step_is_resolved_by_the_next_controller(
        config: Config, clock: FrozenClock, tmp_path: Path) -> None:
    path = config.journal_path
    first = Journal.controller(path, clock=clock)
    engine = engine_for(config, first, tmp_path)
    decide_gates(first, engine.runbook)
    # what a killed controller leaves behind: a started run and step, never finished
    first.append("run_started", run_id="r1", playbook="tag-release", params={"version": "1.1.0-beta",
                 "manager": "RM"}, operator="rm@test", dry_run=False,
                 steps=["clean-tree", "manifest-version", "tag", "push", "verify"])
    first.append("step_finished", run_id="r1", step="clean-tree", status="ok")
    first.append("step_finished", run_id="r1", step="manifest-version", status="ok")
    first.append("step_started", run_id="r1", step="tag", command="git tag ...")
    first.close()
    os.system(f"git -C {config.repo} tag -a v1.1.0-beta -m x")  # the tag did get created

    second = Journal.controller(path, clock=clock)
    engine = engine_for(config, second, tmp_path)
    run = engine.state().runs["r1"]
    assert run.status == "interrupted" and run.interrupted_step is not None
    assert run.interrupted_step.id == "tag"
    outcome = await engine.resume("r1", "rerun", "", ScriptedOperator())
    assert outcome.status == "ok"
    steps = statuses(engine, "r1")
    assert steps["tag"] == "skipped"  # the probe found the tag: not created twice
    assert steps["push"] == "ok" and steps["verify"] == "ok"
    resolved = second.events(kinds=["step_resolved"])[-1].data
    assert resolved["action"] == "rerun" and resolved["operator"] == "rm@test"
    second.close()


async def test_rollback_to_a_version_never_released_is_refused_before_anything_runs(
        config: Config, runbook: Runbook, journal: Journal) -> None:
    engine = Engine(config, runbook, journal)
    with pytest.raises(CockpitError) as err:
        await engine.run("rollback", {"previous_version": "0.9.0", "reason": "bad"},
                         ScriptedOperator())
    problem = err.value.problems[0]
    assert problem.message.startswith("v0.9.0 does not exist") and "1.0.0" in (problem.fix or "")
    assert not engine.state().runs  # refused before the run started: nothing journaled as run
    with pytest.raises(CockpitError, match="not a semantic version"):
        await engine.run("rollback", {"previous_version": "1.0", "reason": "bad"},
                         ScriptedOperator())


async def test_rollback_defaults_come_from_what_users_get_and_what_the_forge_published(
        config: Config, runbook: Runbook, journal: Journal) -> None:
    engine = Engine(config, runbook, journal)
    # before the launch, users get 1.0.0 and nothing older was published
    assert await rollback_defaults(engine.state(), config) == {"version": "1.0.0",
                                                               "previous_version": ""}
    # the repro: 1.1.0-beta shipped, a rollback drafted 1.1.0-beta.1 (pulled), the install
    # script now points at 1.1.0-beta.2, while the config still says 1.1.0-beta
    await forge_holds(config, published=["1.0.0", "1.1.0-beta", "1.1.0-beta.2"],
                      drafts=["1.1.0-beta.1"])
    install_script_serves(config, "1.1.0-beta.2")
    for run_id, version in [("r1", "1.1.0-beta"), ("r2", "1.1.0-beta.1")]:
        journal.append("run_started", run_id=run_id, playbook="hotfix",
                       params={"version": version}, operator="rm", steps=["publish"])
        journal.append("step_finished", run_id=run_id, step="publish", status="ok")
    assert await rollback_defaults(engine.state(), engine.config) == {"version": "1.1.0-beta.2",
                                                "previous_version": "1.1.0-beta"}
    # the forge changes under it: beta.2 is pulled too, the script goes back to the beta;
    # the pulled drafts are never where a rollback goes back to
    await forge_holds(config, published=["1.0.0", "1.1.0-beta"],
                      drafts=["1.1.0-beta.1", "1.1.0-beta.2"])
    install_script_serves(config, "1.1.0-beta")
    assert await rollback_defaults(engine.state(), engine.config) == {"version": "1.1.0-beta",
                                                "previous_version": "1.0.0"}
    # what origin serves is what users get: an edit not pushed yet does not count
    install_script_serves(config, "1.1.0-beta.2", push=False)
    assert (await rollback_defaults(engine.state(), engine.config))["version"] == "1.1.0-beta"


async def test_without_a_forge_the_journal_and_the_tags_say_where_to_go_back_to(
        config: Config, runbook: Runbook, journal: Journal) -> None:
    forge = config.forge.model_copy(update={  # a forge that does not answer
        "kind": "github", "repository": "wildcard/caro", "api_url": "http://127.0.0.1:9"})
    offline = config.model_copy(update={"forge": forge})
    engine = Engine(offline, runbook, journal)
    install_script_serves(offline, "1.1.0-beta.1")
    subprocess.run(["git", "tag", "-a", "v1.1.0-beta", "-m", "beta"], cwd=config.repo,
                   check=True)
    assert await rollback_defaults(engine.state(), engine.config) == {"version": "1.1.0-beta.1",
                                                "previous_version": "1.0.0"}  # the config's


async def test_versions_out_of_order_are_refused_before_anything_runs(
        config: Config, runbook: Runbook, journal: Journal) -> None:
    engine = Engine(config, runbook, journal)
    with pytest.raises(CockpitError) as err:  # back to the bad version itself
        await engine.run("rollback", {"version": "1.0.0", "previous_version": "1.0.0",
                                      "reason": "bad"}, ScriptedOperator())
    assert err.value.problems[0].message == "1.0.0 is not before 1.0.0"
    with pytest.raises(CockpitError) as err:  # a hotfix older than what it fixes
        await engine.run("hotfix", {"version": "1.0.0", "reason": "crash"}, ScriptedOperator())
    assert err.value.problems[0].message == "1.0.0 is not after 1.1.0-beta"
    assert "newer than 1.1.0-beta" in (err.value.problems[0].fix or "")
    assert not engine.state().runs


SECOND_TIME = '''
title = "second time lucky"
[[steps]]
id = "once"
kind = "shell"
title = "fails the first time"
shell = true
run = "n=$(cat tries 2>/dev/null || echo 0); n=$((n+1)); echo $n > tries; [ $n -ge 2 ]"

[[steps]]
id = "never"
kind = "shell"
title = "always fails"
run = "false"

[[steps]]
id = "after"
kind = "shell"
title = "runs once the failures are dealt with"
run = "true"
'''


async def test_a_failed_step_offers_retry_skip_with_a_note_or_abort(
        config: Config, journal: Journal, tmp_path: Path) -> None:
    engine = engine_for(config, journal, tmp_path, lucky=SECOND_TIME)
    operator = ScriptedOperator(failure_answers=[
        FailureAnswer("retry"), FailureAnswer("skip", "not needed for a beta")])
    outcome = await engine.run("lucky", {}, operator)
    assert outcome.status == "incomplete" and outcome.missed == ("never",)  # skipped: not done
    assert statuses(engine, outcome.run_id) == {"once": "ok", "never": "skipped", "after": "ok"}
    assert operator.failures == ["once: exit code 1 (expected 0)",
                                 "never: exit code 1 (expected 0)"]
    resolved = [(e.step, e.data["action"], e.data["note"], e.data["operator"])
                for e in journal.events(kinds=["step_resolved"], run_id=outcome.run_id)]
    assert resolved == [("once", "retry", "", "rm@test"),
                        ("never", "skip", "not needed for a beta", "rm@test")]
    from cockpit.state.record import to_markdown

    record = to_markdown(journal.events(), title="caro")
    once = record[record.index("- `once`"):].splitlines()
    assert "**ok**" in once[0] and once[1].startswith("  - failed at ")  # the first try shows
    assert "once: retry after a failure by rm@test" in record
    assert "never: skip after a failure by rm@test: not needed for a beta" in record

    (config.repo / "tries").unlink()
    skip_without_reason = ScriptedOperator(failure_answers=[
        FailureAnswer("retry"), FailureAnswer("skip", "  ")])
    stopped = await engine.run("lucky", {}, skip_without_reason)
    assert stopped.status == "failed"  # a skip needs a reason: without one, it is an abort
    assert statuses(engine, stopped.run_id) == {"once": "ok", "never": "failed",
                                                "after": "pending"}


async def test_h_after_a_hotfix_that_did_not_finish_picks_that_one_up(
        config: Config, runbook: Runbook, journal: Journal) -> None:
    engine = Engine(config, runbook, journal)
    # nothing earlier: the playbook's defaults
    assert await emergency_defaults("hotfix", engine.state(), config) == {}
    journal.append("run_started", run_id="h1", playbook="hotfix", operator="rm",
                   params={"version": "1.1.0-beta.1", "reason": "crash on start"},
                   steps=["tag"])
    journal.append("run_finished", run_id="h1", status="failed")
    assert await emergency_defaults("hotfix", engine.state(), engine.config) == {"version": "1.1.0-beta.1",
                                                   "reason": "crash on start"}
    journal.append("run_started", run_id="h2", playbook="hotfix", operator="rm",
                   params={"version": "1.1.0-beta.1", "reason": "crash on start"},
                   steps=["tag"])
    journal.append("run_finished", run_id="h2", status="ok")
    # done: the next one is a new hotfix
    assert await emergency_defaults("hotfix", engine.state(), config) == {}


async def test_a_crash_while_asking_about_a_failure_resumes_at_that_step(
        config: Config, journal: Journal, tmp_path: Path) -> None:
    engine = engine_for(config, journal, tmp_path, lucky=SECOND_TIME)
    journal.append("session_started")
    journal.append("run_started", run_id="r9", playbook="lucky", params={}, operator="rm",
                   steps=["once", "never", "after"])
    journal.append("step_started", run_id="r9", step="once")
    journal.append("step_finished", run_id="r9", step="once", status="failed", message="x")
    # the cockpit died with the retry / skip / abort question open; a new session starts
    journal.append("session_started")
    run = engine.state().runs["r9"]
    assert run.status == "interrupted" and run.interrupted_step is not None
    assert run.interrupted_step.id == "once"
    (config.repo / "tries").write_text("1")  # the next try succeeds
    outcome = await engine.resume("r9", "rerun", "", ScriptedOperator(
        failure_answers=[FailureAnswer("skip", "known flaky")]))
    assert statuses(engine, "r9") == {"once": "ok", "never": "skipped", "after": "ok"}
    # a failed step skipped with a note is not done: the run says so
    assert outcome.status == "incomplete" and outcome.missed == ("never",)


def test_a_publish_skipped_after_failing_is_not_shipped(
        config: Config, runbook: Runbook, journal: Journal) -> None:
    engine = Engine(config, runbook, journal)
    journal.append("run_started", run_id="h1", playbook="hotfix", operator="rm",
                   params={"version": "1.1.0-beta.1"}, steps=["publish"])
    journal.append("step_finished", run_id="h1", step="publish", status="failed")
    journal.append("step_resolved", run_id="h1", step="publish", action="skip",
                   note="forge down", operator="rm", after="failure")
    journal.append("run_finished", run_id="h1", status="incomplete", missed=["publish"])
    assert shipped(engine.state()) == []  # R must not offer to roll back what never went out


def test_the_manager_and_the_owner_default_to_the_operator(config: Config,
                                                           runbook: Runbook) -> None:
    from cockpit.engine.planner import Planner

    planner = Planner(config)
    p0 = planner.values(runbook.playbooks["incident-alert"], {"description": "crash on start",
                                                            "incident": "1"})
    tag = planner.values(runbook.playbooks["tag-release"], {})
    assert p0["owner"] == tag["manager"] == "rm@test"  # $COCKPIT_OPERATOR, not a literal


UNATTENDED = '''
title = "asks"
[[steps]]
id = "first"
kind = "shell"
title = "fails"
run = "false"

[[steps]]
id = "second"
kind = "shell"
title = "asks first"
confirm = true
run = "true"
'''


class NobodyThere(ScriptedOperator):
    """A headless run without a terminal: every question raises Unattended."""

    async def confirm(self, question: q.Confirm) -> bool:
        raise Unattended(question.step, "a confirmation")

    async def failed(self, question: q.Failure) -> FailureAnswer | None:
        raise Unattended(question.step, "a decision after the failure")


async def test_an_unattended_stop_is_journaled_as_unattended_not_as_a_decision(
        config: Config, journal: Journal, tmp_path: Path) -> None:
    engine = engine_for(config, journal, tmp_path, asks=UNATTENDED)
    failed = await engine.run("asks", {}, NobodyThere())
    assert failed.status == "failed" and statuses(engine, failed.run_id) == {
        "first": "failed", "second": "pending"}
    assert not journal.events(kinds=["step_resolved"])  # nobody resolved the failure
    end = journal.events(kinds=["run_finished"], run_id=failed.run_id)[-1].data
    assert end["error"].startswith("unattended: first needs a decision after the failure")

    engine = engine_for(config, journal, tmp_path, asks=UNATTENDED.replace('"false"', '"true"'))
    stopped = await engine.run("asks", {}, NobodyThere())
    assert stopped.status == "aborted"
    assert statuses(engine, stopped.run_id) == {"first": "ok", "second": "unattended"}
    assert not journal.events(kinds=["step_confirmed"])  # no one said no
    end = journal.events(kinds=["run_finished"], run_id=stopped.run_id)[-1].data
    assert end["error"].startswith("unattended: second needs a confirmation")


async def test_an_undecided_gate_blocks_until_someone_proceeds_without_a_decision(
        config: Config, runbook: Runbook, journal: Journal) -> None:
    """The repro: the tag could be pushed while T-0's GO/NO-GO was undecided."""
    engine = Engine(config, runbook, journal)
    decide_gates(journal, runbook, before="t0-go-no-go")  # T-7 .. T-1 went GO; T-0 did not run
    with pytest.raises(Blocked) as err:
        await engine.run("tag-release", {}, ScriptedOperator())
    problem = err.value.problems[0]
    assert problem.message.startswith("blocked: Final GO/NO-GO Decision has no GO/NO-GO") and (
        "block-undecided" in problem.message)
    assert "proceed without a decision" in (problem.fix or "") and err.value.exit_code == 1
    assert not engine.state().runs  # refused before the run started
    assert (await engine.run("hotfix", {"reason": "x"}, ScriptedOperator(), dry_run=True)
            ).status == "ok"  # emergencies are never blocked
    event = engine.override("t0-go-no-go", "EL decided by phone; gate run after", undecided=True)
    assert event.data["undecided"] is True and event.data["operator"] == "rm@test"
    assert engine.state().overrides["t0-go-no-go"].decision == "PROCEED"
    assert (await engine.run("tag-release", {}, ScriptedOperator())).status == "ok"


async def test_block_no_go_lets_an_undecided_gate_pass(config: Config, runbook: Runbook,
                                                       journal: Journal) -> None:
    release = config.release.model_copy(update={"gates": "block-no-go"})
    engine = Engine(config.model_copy(update={"release": release}), runbook, journal)
    assert (await engine.run("tag-release", {}, ScriptedOperator())).status == "ok"
