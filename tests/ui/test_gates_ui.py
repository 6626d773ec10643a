"""Gates on screen: what blocks a playbook, and going past a gate nobody decided."""

from __future__ import annotations

from textual.widgets import Input

from cockpit.clock import FrozenClock
from cockpit.config import Config
from cockpit.journal.store import Journal
from cockpit.runbook.model import Runbook
from screens.modals import ParamsModal, TextModal
from tests.helpers import decide_gates
from tests.ui.test_projections import detail_text
from tests.ui.test_timeline_ui import SIZE, asked, make_app, select, until


async def test_an_undecided_gate_blocks_and_o_proceeds_without_a_decision_on_record(
        config: Config, runbook: Runbook, journal: Journal, clock: FrozenClock) -> None:
    decide_gates(journal, runbook, before="t0-go-no-go")  # T-0's gate never ran
    app = make_app(config, runbook, journal, clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await select(pilot, "t0-tag")
        await until(pilot, lambda: "no GO/NO-GO decision yet" in detail_text(app))
        await pilot.press("enter")  # blocked: refused with what blocks it
        await pilot.pause(0.3)
        assert not app.state.runs and not asked(app, ParamsModal)  # refused before parameters
        await select(pilot, "t0-go-no-go")
        await until(pilot, lambda: "o proceed without a decision" in detail_text(app))
        await pilot.press("o")
        await until(pilot, lambda: asked(app, TextModal))
        assert app.screen.title_text == "Proceed without a GO/NO-GO decision"  # type: ignore[attr-defined]
        await pilot.pause(0.5)  # a dialog takes no key before it settles
        app.screen.query_one("#text-value", Input).value = "EL said go by phone"
        await pilot.press("enter")
        await until(pilot, lambda: bool(journal.events(kinds=["gate_override"])))
        override = journal.events(kinds=["gate_override"])[-1].data
        assert override["undecided"] is True and override["rationale"] == "EL said go by phone"
        await select(pilot, "t0-tag")
        await until(pilot, lambda: "no GO/NO-GO decision yet" not in detail_text(app))
