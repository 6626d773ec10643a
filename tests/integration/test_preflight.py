"""`cockpit check` against the real repository: the runbook/repository divergences a release
manager would otherwise meet on launch day (caro-release-facts.md) are reported with fixes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cockpit.config import Config, load_config
from cockpit.engine.preflight import preflight, programs
from cockpit.runbook.loader import load_runbook
from tests.conftest import needs_cargo
from tests.forgeserver import TOKEN, ForgeServer
from tests.helpers import playbook_folder

DIVERGENT = """
title = "readiness"
[[steps]]
id = "safety"
kind = "gate"
title = "safety"
checks = [
  { kind = "command", title = "validator", run = "cargo run --bin safety-validator -- --mode strict" },
  { kind = "command", title = "contract", run = "cargo test --test safety_validator_contract" },
  { kind = "command", title = "patterns", run = "cargo test --test safety_patterns" },
]

[[steps]]
id = "bench"
kind = "shell"
title = "bench"
shell = true
run = "FOO=1 frobnicate --fast | tee out.txt && ./scripts/missing.sh"
"""


@needs_cargo
def test_commands_are_checked_against_cargo_targets_and_installed_programs(
        config: Config, tmp_path: Path) -> None:
    found = preflight(config, load_runbook(playbook_folder(tmp_path, readiness=DIVERGENT)))
    messages = {p.message: p for p in found}
    validator = messages["`cargo ... --bin safety-validator`: the repository has no bin target "
                         "'safety-validator'"]
    assert "its bin targets are: caro" in (validator.fix or "")
    assert validator.field == "steps.safety.checks.0.run"
    assert "`cargo ... --test safety_patterns`: the repository has no test target " \
           "'safety_patterns'" in messages
    assert not any("safety_validator_contract" in m for m in messages)  # that one exists
    assert "`frobnicate` is not installed here" in messages
    assert "`./scripts/missing.sh` is not installed here" in messages
    assert not any("`tee`" in m for m in messages)


def test_programs_of_a_shell_line() -> None:
    assert programs("A=1 B=2 make x && d=$(mktemp -d) && sh s.sh; rc=$?; rm -rf \"$d\"") == [
        "make", "sh", "rm"]
    assert programs("git status --porcelain | grep -v x || true") == ["git", "grep", "true"]


def test_an_unreachable_origin_is_reported(config: Config) -> None:
    subprocess.run(["git", "remote", "set-url", "origin", "/nonexistent/origin.git"],
                   cwd=config.repo, check=True)
    found = preflight(config, load_runbook())
    assert any("origin (/nonexistent/origin.git) is not reachable" in p.message for p in found)


def test_the_forge_token_must_exist_and_be_allowed_to_write(
        config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    server = ForgeServer()
    try:
        text = config.source.read_text().replace(
            '[forge]\nkind = "local"\npath = "forge"',
            f'[forge]\nkind = "github"\nrepository = "acme/caro"\napi_url = "{server.url}"')
        config.source.write_text(text)
        github = load_config(config.source)
        no_token = [p for p in preflight(github, load_runbook()) if p.field == "forge"]
        assert no_token and no_token[0].message == "no GitHub token"
        assert "export GITHUB_TOKEN" in (no_token[0].fix or "")
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        assert [p for p in preflight(github, load_runbook()) if p.field == "forge"] == []
        server.state.push = False
        read_only = [p for p in preflight(github, load_runbook()) if p.field == "forge"]
        assert read_only[0].message == "the token cannot write to acme/caro"
    finally:
        server.close()
