"""Step kinds live in `cockpit/steps/`, one module each, behind one protocol: nothing else
asks which kind a step is, and every kind does what the protocol says."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cockpit.steps.base import StepBase
from cockpit.steps.registry import KIND_NAMES, KINDS

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for d in ("cockpit", "screens", "widgets") for p in (ROOT / d).rglob("*.py")
           if "crate" not in p.parts]


def _is_kind(node: ast.AST) -> bool:
    """`x.kind`, `x["kind"]` or `x.get("kind")`."""
    if isinstance(node, ast.Attribute):
        return node.attr == "kind"
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value == "kind"
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get" and bool(node.args)
            and isinstance(node.args[0], ast.Constant) and node.args[0].value == "kind")


def _names(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.Set | ast.Tuple | ast.List):
        return {e.value for e in node.elts if isinstance(e, ast.Constant)
                and isinstance(e.value, str)}
    return set()


def branches_on_step_kind(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        if any(_is_kind(o) for o in operands) and any(
                _names(o) & set(KIND_NAMES) for o in operands):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_nothing_outside_the_steps_package_branches_on_a_step_kind() -> None:
    outside = [p for p in SOURCES if p.parent.name != "steps"]
    assert [b for p in outside for b in branches_on_step_kind(p)] == []


def test_the_check_finds_such_a_branch(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text('if step.kind == "shell":\n    pass\nif e.data.get("kind") in {"gate"}:\n'
                   '    pass\n')
    bad = bad.rename(ROOT / "tests" / "unit" / "_tmp_bad_branch.py")
    try:
        assert len(branches_on_step_kind(bad)) == 2
    finally:
        bad.unlink()


@pytest.mark.parametrize("kind", KINDS, ids=KIND_NAMES)
def test_every_kind_plans_and_executes(kind: type[StepBase]) -> None:
    assert kind.plan is not StepBase.plan
    assert kind.execute is not StepBase.execute
    assert kind.__module__ == f"cockpit.steps.{kind.model_fields['kind'].annotation.__args__[0]}"


def test_kind_names_are_unique() -> None:
    assert len(set(KIND_NAMES)) == len(KIND_NAMES)


@pytest.mark.parametrize("bad", [{"timeout": float("inf")}, {"timeout": float("nan")},
                                 {"retry_delay": float("inf")}])
def test_a_shell_steps_times_are_finite(bad: dict[str, float]) -> None:
    from pydantic import TypeAdapter, ValidationError

    from cockpit.steps.registry import Step

    with pytest.raises(ValidationError):
        TypeAdapter(Step).validate_python({"id": "s", "kind": "shell", "title": "t",
                                           "run": "true", **bad})
