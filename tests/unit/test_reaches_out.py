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


@pytest.mark.parametrize(("run", "effect"), [
    ("git push origin HEAD v1.1.1", True),
    ("cargo publish", True),
    ("gh release create v1.1.1", True),
    ("curl -fsS -X POST https://example.invalid/hook", True),
    ("git tag v1 && git push origin v1", True),
    ("git switch hotfix/v1.1.1 2>/dev/null || git switch -c hotfix/v1.1.1 main", False),
    ("grep -n '^version = \"1.1.1\"' Cargo.toml", False),
    ("git ls-remote --exit-code --tags origin refs/tags/v1.1.1", False),
    ("target/release/caro --version", False),
])
def test_a_command_that_changes_things_elsewhere_journals_its_intent_first(
        run: str, effect: bool) -> None:
    step = STEP.validate_python({"id": "s", "kind": "shell", "title": "t", "run": run})
    assert (step.effect_key({}) is not None) is effect
    declared = STEP.validate_python({"id": "s", "kind": "shell", "title": "t", "run": run,
                                     "effect": not effect})
    assert (declared.effect_key({}) is not None) is (not effect)


def test_a_shipped_playbook_journals_intents_for_its_pushes_only() -> None:
    from collections import defaultdict

    from cockpit.runbook.loader import load_runbook

    class Anything(defaultdict[str, str]):
        def __missing__(self, key: str) -> str:
            return "X"

    effects = {(name, step.id) for name, playbook in load_runbook().playbooks.items()
               for step in playbook.steps if step.effect_key(Anything(str))}
    assert effects == {("hotfix", "push"), ("hotfix", "install-push"), ("rollback", "push"),
                       ("tag-release", "push"), ("update-install-script", "push")}
