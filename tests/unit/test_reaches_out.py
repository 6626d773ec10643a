"""After a confirmed plan, a step asks again unless it is known to stay on this machine."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter

from cockpit.steps.registry import Step

STEP: TypeAdapter[Step] = TypeAdapter(Step)


@pytest.mark.parametrize(("run", "again"), [
    ("git tag -a v1.1.1 -m 'Hotfix v1.1.1'", False),
    ("git commit -am 'chore: Hotfix v1.1.1'", False),
    ("git -C sub switch main", False),
    ("cargo test --color=never", False),
    ("git push origin HEAD v1.1.1", True),
    ("git -C sub push origin main", True),
    ("cargo publish", True),
    ("gh release create v1.1.1", True),
    ("git tag v1 && git push origin v1", True),
    ("git push --delete origin v1", True),
])
def test_a_confirmed_shell_step_asks_again_unless_it_stays_here(run: str, again: bool) -> None:
    step = STEP.validate_python({"id": "s", "kind": "shell", "title": "t", "run": run,
                                 "confirm": True})
    assert step.asks_again() is again
    overridden = STEP.validate_python({"id": "s", "kind": "shell", "title": "t", "run": run,
                                       "confirm": True, "ask_again": not again})
    assert overridden.asks_again() is (not again)
