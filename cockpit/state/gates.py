"""GO/NO-GO gates: what they block, and how an override lifts the block.

A gate blocks every playbook of the items after it on the timeline until it is decided GO, or
an operator records an explicit override with a rationale: lifting a NO-GO, or proceeding
without a decision. With `[release] gates = "block-undecided"` (the default) a gate nobody
has decided blocks as a NO-GO does; with "block-no-go" only a NO-GO blocks. Emergency
playbooks (hotfix, rollback, incident) are never blocked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Literal

from cockpit.clock import local_time
from cockpit.errors import CockpitError, Problem
from cockpit.journal.events import Verdict
from cockpit.runbook.model import Runbook
from cockpit.state.launch import Decision, LaunchState
from cockpit.state.timeline import ItemView, slots

GatePolicy = str
"""`[release] gates`: "block-undecided" or "block-no-go"."""


class Blocked(CockpitError):
    """A playbook may not run while an earlier gate stands at NO-GO (or undecided)."""


@dataclass(frozen=True)
class Block:
    """The earliest gate standing in a playbook's way."""

    item: str
    title: str
    decision: Decision | None
    """The NO-GO; None: nobody has decided the gate."""

    def words(self) -> str:
        if self.decision is None:
            return f"blocked: {self.title} has no GO/NO-GO decision yet"
        return f"blocked by the NO-GO at {self.title}: {self.decision.rationale}"


def blocking(runbook: Runbook, state: LaunchState, playbook: str | None,
             policy: GatePolicy) -> Block | None:
    pb = runbook.playbooks.get(playbook) if playbook else None
    item = runbook.item_for(playbook) if playbook else None
    if pb is None or pb.emergency or item is None or item.day is None:
        return None
    ordered = slots(runbook)
    offset = next(s.offset for s in ordered if s.item.id == item.id)
    assert offset is not None
    for slot in ordered:
        if slot.offset is None or slot.offset >= offset or not slot.item.gate:
            continue
        decision = state.decisions.get(slot.item.id)
        if decision is not None and decision.decision != Verdict.NO_GO:
            continue  # GO
        if decision is None and policy != "block-undecided":
            continue
        override = state.overrides.get(slot.item.id)
        if override is not None and (decision is None or override.event_id > decision.event_id):
            continue
        return Block(slot.item.id, slot.item.title, decision)
    return None


def overridable(view: ItemView, policy: GatePolicy) -> Literal["no-go", "undecided"] | None:
    """What an override of this item would do: lift its NO-GO, proceed past it undecided
    (when undecided gates block), or nothing."""
    if not view.item.gate or view.override is not None:
        return None
    if view.decision is not None:
        return "no-go" if view.decision.decision == Verdict.NO_GO else None
    return "undecided" if policy == "block-undecided" else None


def blocked_by(runbook: Runbook, state: LaunchState, playbook: str | None,
               policy: GatePolicy) -> str | None:
    """What blocks a playbook, in words (None: nothing)."""
    block = blocking(runbook, state, playbook, policy)
    return block.words() if block else None


def ensure_not_blocked(runbook: Runbook, state: LaunchState, playbook: str,
                       policy: GatePolicy, tz: tzinfo) -> None:
    """Refuse a blocked playbook, saying why; a decision's time in the release's zone `tz`."""
    block = blocking(runbook, state, playbook, policy)
    if block is None:
        return
    d = block.decision
    if d is None:
        message = (f"blocked: {block.title} has no GO/NO-GO decision yet ([release] gates = "
                   '"block-undecided")')
        fix = ("run the gate and decide, or proceed without a decision, journaled with your "
               "rationale (cockpit: select the gate and press o)")
    else:
        message = (f"blocked: {block.title} was decided NO-GO by {d.operator} at "
                   f"{local_time(d.at, tz, '%Y-%m-%d %H:%M', zone=True)} "
                   f"({d.rationale or 'no rationale'})")
        fix = ("re-run the gate and decide GO, or record an override with a rationale "
               "(cockpit: select the gate and press o)")
    raise Blocked([Problem(message, field=f"playbook {playbook}", fix=fix)], exit_code=1)
