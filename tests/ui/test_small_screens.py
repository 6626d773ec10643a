"""Usable at 80x24 (issue 11): at the three sizes the cockpit is tried at, every dialog's
buttons lie on the screen, however long its body."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.geometry import Region
from textual.screen import Screen
from textual.widgets import Button

from cockpit.params import ParamSpec
from cockpit.steps.checks import CheckResult
from screens.modals import ConfirmModal, ParamsModal, ResolveModal, TextModal
from screens.questions import FailureModal, GateModal, ManualModal

SIZES = [(80, 24), (100, 30), (160, 48)]
LONG = "\n".join(f"{i:>3}  git push origin v1.1.0-beta.{i}  # a long plan" for i in range(80))


async def no_errors(_: list[str]) -> list[str]:
    return []


def dialogs() -> dict[str, Screen[object]]:
    specs = {name: ParamSpec(type="string", description=f"the {name} of the hotfix")
             for name in ("reason", "version", "previous_version", "manager", "owner")}
    checks = [CheckResult(title=f"check {i}", ok=i % 3 != 0 if i % 4 else None,
                          summary="exit code 0", kind="command") for i in range(20)]
    return {"confirm": ConfirmModal("The whole plan", LONG),
            "params": ParamsModal("Hotfix", specs, {}, no_errors),
            "resolve": ResolveModal("hotfix", None, "push", LONG),
            "text": TextModal("Override", "why"),
            "manual": ManualModal("Investigate", LONG),
            "failure": FailureModal("Push the tag", LONG),
            "gate": GateModal("T-0", checks)}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_dialogs_buttons_are_on_screen(size: tuple[int, int]) -> None:
    """Repro: at 80x24 the buttons of a dialog with a long body were below the screen."""
    for name, dialog in dialogs().items():
        app: App[None] = App()
        async with app.run_test(size=size) as pilot:
            app.push_screen(dialog)
            await pilot.pause()
            screen = Region(0, 0, *size)
            buttons = list(dialog.query(Button))
            assert buttons, name
            for button in buttons:
                assert screen.contains_region(button.region), (name, button.label, size)
                assert button.region.height == 3, (name, button.label)
            title = dialog.query_one(".modal-title")
            assert screen.contains_region(title.region), name
