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


def test_a_job_per_target_from_a_runs_jobs_else_from_the_workflows_text() -> None:
    from cockpit.builderconfig import BuilderConfig
    from cockpit.builds.actions_probe import job_line

    builder = BuilderConfig(name="actions", kind="github-actions", workflow="release.yml",
                            targets=["x86_64-apple-darwin", "x86_64-pc-windows-msvc"])
    at = ("builders", 1)
    named = job_line(builder, "", ["Build x86_64-apple-darwin", "Build x86_64-pc-windows-msvc"],
                     7, at)
    assert named.ok and named.detail.startswith("each has one (the jobs of run 7:")
    one = job_line(builder, WORKFLOW, ["Build x86_64-apple-darwin"], 7, at)
    assert not one.ok and one.where == ("builders", 1, "targets")
    assert one.detail.startswith("no job for x86_64-pc-windows-msvc in the jobs of run 7")
    # a run dispatched a moment ago lists no job yet: the workflow's matrix is read instead
    queued = job_line(builder, WORKFLOW, [], 8, at)
    assert queued.ok and "the text of release.yml" in queued.detail
