"""A journal written before typed events still loads, folds and exports the same."""

from __future__ import annotations

import json
import shutil
from datetime import UTC
from pathlib import Path

from cockpit.journal.store import Journal
from cockpit.state.builds import BuildState
from cockpit.state.launch import LaunchState
from cockpit.state.record import to_markdown

FIXTURE = Path(__file__).parent.parent / "fixtures" / "journal_v1"


def test_a_journal_from_before_typed_events_folds_as_it_did(tmp_path: Path) -> None:
    copy = tmp_path / "journal.sqlite"
    shutil.copy(FIXTURE / "journal.sqlite", copy)
    expected = json.loads((FIXTURE / "expected.json").read_text())
    journal = Journal.readonly(copy)
    events = journal.events()
    journal.close()
    state, builds = LaunchState(), BuildState()
    state.apply(events)
    builds.apply(events)

    assert len(events) == expected["events"]
    assert sorted({e.kind for e in events}) == expected["kinds"]
    runs = {r.run_id: {"playbook": r.playbook, "status": r.status, "params": r.params,
                       "dry_run": r.dry_run, "missed": r.missed,
                       "steps": {s.id: s.status for s in r.steps.values()},
                       "checks": {str(i): c.ok for i, c in r.checks.items()}}
            for r in state.runs.values()}
    assert runs == expected["runs"]
    assert {k: [d.decision, d.rationale, d.operator] for k, d in state.decisions.items()} == (
        expected["decisions"])
    assert {k: [d.rationale, d.operator] for k, d in state.overrides.items()} == (
        expected["overrides"])
    assert [r.run_id for r in state.interrupted_runs()] == expected["interrupted"]
    assert {t: {"status": s.status, "builder": s.builder,
                "stages": {n: st.state for n, st in s.stages.items()}}
            for t, s in builds.targets.items()} == expected["builds"]
    assert builds.commit == expected["commit"]


def test_a_journal_from_before_typed_events_exports_the_same_record(tmp_path: Path) -> None:
    copy = tmp_path / "journal.sqlite"
    shutil.copy(FIXTURE / "journal.sqlite", copy)
    journal = Journal.readonly(copy)
    record = to_markdown(journal.events(), title="caro v1.1.0-beta", tz=UTC)
    journal.close()
    assert record == (FIXTURE / "expected.md").read_text()
