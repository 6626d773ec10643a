"""Typed events: every kind has a payload that round-trips through the journal, a journal's
odd or older content still loads, and the cockpit writes only typed payloads."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from cockpit.journal import events as ev
from cockpit.journal.store import Journal

ROOT = Path(__file__).resolve().parents[2]


def test_every_kind_has_a_payload() -> None:
    assert set(ev.PAYLOADS) == {k.value for k in ev.Kind}
    assert all(p.KIND.value == name for name, p in ev.PAYLOADS.items())


def test_a_payload_round_trips_through_the_journal(tmp_path: Path) -> None:
    journal = Journal.controller(tmp_path / "j.sqlite")
    sent = ev.StepFinished(status=ev.StepStatus.TIMEOUT, message="timed out after 5s",
                           exit_code=None, duration=5.0)
    journal.record(sent, run_id="r1", step="s1")
    stage = ev.BuildStage(stage="build", state=ev.StageState.FAILED, detail="x", lost=True)
    journal.record(stage, run_id="b-1", step="x86")
    journal.close()
    reader = Journal.readonly(tmp_path / "j.sqlite")
    got = [e.payload for e in reader.events() if e.kind != ev.Kind.SESSION_STARTED]
    reader.close()
    assert got == [sent, stage]
    assert isinstance(got[0], ev.StepFinished) and got[0].status is ev.StepStatus.TIMEOUT


def test_what_a_payload_lacks_takes_its_default_and_what_it_does_not_know_is_left() -> None:
    loaded = ev.RunFinished.load({"status": "ok", "from_the_future": 1})
    assert loaded == ev.RunFinished(status=ev.RunStatus.OK)
    odd = ev.RunFinished.load({"status": "paused"})  # a status of another version
    assert odd.status == "paused"
    assert ev.StepStarted.load({}) == ev.StepStarted()


def test_statuses_compare_as_the_strings_journals_hold() -> None:
    assert ev.StepStatus.NO_GO == "no-go" and ev.TargetStatus.BUILDER_LOST == "builder lost"
    assert {ev.RunStatus.OK: 1}.get("ok") == 1


def test_payloads_are_frozen() -> None:
    payload = ev.GateOverride(item="t0", rationale="why")
    try:
        payload.item = "other"  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        return
    raise AssertionError("a payload could be changed after it was journaled")


def test_the_cockpit_writes_typed_payloads_only() -> None:
    """`Journal.append(kind, **fields)` is for tests and hand-written journals."""
    found = []
    for path in (ROOT / "cockpit").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"append", "append_many"} and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and node.args[0].value in ev.PAYLOADS):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_an_event_without_a_field_its_kind_needs_is_passed_by(tmp_path: Path) -> None:
    from cockpit.state.launch import LaunchState

    journal = Journal.controller(tmp_path / "j.sqlite")
    journal.append("run_started", run_id="r1", steps=["a"])  # no playbook
    journal.append("step_finished", run_id="r1", step="a")  # no status
    events = journal.events()
    journal.close()
    assert [e.payload for e in events[1:]] == [None, None]
    state = LaunchState()
    state.apply(events)
    assert state.runs == {}
