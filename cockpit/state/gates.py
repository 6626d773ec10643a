"""GO/NO-GO gates: what a NO-GO blocks, and how an override lifts it.

A NO-GO at a gate blocks every playbook of the items after it on the timeline until the gate
is decided GO again or an operator records an explicit override with a rationale. Emergency
playbooks (hotfix, rollback, incident) are never blocked.
"""

from __future__ import annotations

from cockpit.errors import CockpitError, Problem
from cockpit.journal.events import Verdict
from cockpit.runbook.model import Runbook
from cockpit.state.launch import Decision, LaunchState
from cockpit.state.timeline import slots


class Blocked(CockpitError):
    """A playbook may not run while an earlier gate stands at NO-GO."""


def blocking_decision(runbook: Runbook, state: LaunchState, playbook: str) -> Decision | None:
    pb = runbook.playbooks.get(playbook)
    item = runbook.item_for(playbook)
    if pb is None or pb.emergency or item is None or item.day is None:
        return None
    ordered = slots(runbook)
    offset = next(s.offset for s in ordered if s.item.id == item.id)
    assert offset is not None
    for slot in ordered:
        if slot.offset is None or slot.offset >= offset or not slot.item.gate:
            continue
        decision = state.decisions.get(slot.item.id)
        if decision is None or decision.decision != Verdict.NO_GO:
            continue
        override = state.overrides.get(slot.item.id)
        if override is not None and override.event_id > decision.event_id:
            continue
        return decision
    return None


def blocked_by(runbook: Runbook, state: LaunchState, playbook: str) -> str | None:
    """What blocks a playbook, in words (None: nothing)."""
    decision = blocking_decision(runbook, state, playbook)
    if decision is None:
        return None
    gate = runbook.item(decision.item)
    return (f"blocked by the NO-GO at {gate.title if gate else decision.item}: "
            f"{decision.rationale}")


def ensure_not_blocked(runbook: Runbook, state: LaunchState, playbook: str) -> None:
    decision = blocking_decision(runbook, state, playbook)
    if decision is None:
        return
    gate = runbook.item(decision.item)
    title = gate.title if gate else decision.item
    raise Blocked([Problem(
        f"blocked: {title} was decided NO-GO by {decision.operator} at "
        f"{decision.at:%Y-%m-%d %H:%M} UTC ({decision.rationale or 'no rationale'})",
        field=f"playbook {playbook}",
        fix="re-run the gate and decide GO, or record an override with a rationale "
        "(cockpit: select the gate and press o)",
    )], exit_code=1)
