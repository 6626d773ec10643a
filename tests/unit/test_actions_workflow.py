"""The inputs a workflow's workflow_dispatch trigger declares, read as `cockpit check` does."""

from __future__ import annotations

from cockpit.builds.actions_probe import dispatch_inputs
from tests.actionsserver import WORKFLOW


def test_the_inputs_declared_under_workflow_dispatch() -> None:
    assert dispatch_inputs(WORKFLOW) == {"tag"}
    text = """on:
  workflow_dispatch:
    # what to build
    inputs:
      tag:
        required: true
        type: string
      dry-run:
        type: boolean
        default: false
  push:
    branches: [main]
env:
  tag: not an input
"""
    assert dispatch_inputs(text) == {"tag", "dry-run"}


def test_a_trigger_without_inputs_and_none_at_all() -> None:
    assert dispatch_inputs("on:\n  workflow_dispatch:\n  push:\n") == set()
    assert dispatch_inputs("on: [push, workflow_dispatch]\njobs: {}\n") == set()
    assert dispatch_inputs("on:\n  push:\n    tags: ['v*']\n") is None
