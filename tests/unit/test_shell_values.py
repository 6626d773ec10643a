"""Issue 12, "values are data, never code": a `shell = true` command never has a value pasted
into its text. Values reach /bin/sh in environment variables, wherever the placeholder stands
(outside quotes, in double quotes, in single quotes, in $( )); the operator still reads the
command with the values in it; `cockpit check` warns of placeholders inside quotes."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cockpit.config import Config
from cockpit.engine.engine import Engine
from cockpit.engine.preflight import check_commands
from cockpit.journal.store import Journal
from cockpit.runbook.loader import load_runbook
from cockpit.steps.base import PlanContext
from cockpit.steps.checks import Check, CheckRunner
from tests.helpers import ScriptedOperator, playbook_folder

# the repro, as written there (a TOML basic string: \n is a newline in the command)
REPRO = r'''
title = "repro"
[params.v]
type = "text"

[[steps]]
id = "say"
kind = "shell"
shell = true
confirm = true
title = "say it"
run = "printf '[%s]\n' \"q{v}q\""
'''

HOSTILE = ["$(touch X)", "`touch X`", "it's \"quoted\"", "a\nb; touch X", "$HOME ${PATH} $1 \\",
           "'; touch X; '", "\"; touch X; \"", "--", ""]

# one command per place a placeholder can stand; each prints [the value] into out.txt
PLACES = {
    "unquoted": "printf '[%s]' {v} > out.txt",
    "double quotes": "printf '[%s]' \"{v}\" > out.txt",
    "single quotes": "printf '[%s]' '{v}' > out.txt",
    "amid text in double quotes": "printf '%s' \"[{v}]\" > out.txt",
    "amid text in single quotes": "printf '%s' '[{v}]' > out.txt",
    "in $( ) in double quotes": "printf '%s' \"$(printf '[%s]' '{v}')\" > out.txt",
    "in backticks": "x=`printf '[%s]' \"{v}\"`; printf %s \"$x\" > out.txt",
}


def engine_for(config: Config, journal: Journal, tmp_path: Path, **playbooks: str) -> Engine:
    return Engine(config, load_runbook(playbook_folder(tmp_path, **playbooks)), journal)


async def test_the_repro_runs_nothing_and_prints_the_value(
        config: Config, journal: Journal, tmp_path: Path) -> None:
    operator = ScriptedOperator()
    outcome = await engine_for(config, journal, tmp_path, repro=REPRO).run(
        "repro", {"v": "$(touch X)"}, operator)
    assert outcome.status == "ok"
    assert not (config.repo / "X").exists()
    lines = [ln for e in journal.events(kinds=["output"]) for ln in e.lines()]
    assert "[q$(touch X)q]" in lines
    # the confirmation shows the value, quoted as it stands (what a shell would run)
    shown = operator.shown[0]
    assert "$ printf '[%s]\n' \"q\\$(touch X)q\"" in shown


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("value", HOSTILE)
async def test_hostile_values_arrive_verbatim_wherever_they_stand(
        config: Config, journal: Journal, tmp_path: Path, place: str, value: str) -> None:
    text = (f'title = "place"\n[params.v]\ntype = "text"\nrequired = false\n\n[[steps]]\n'
            f'id = "say"\nkind = "shell"\nshell = true\ntitle = "say"\n'
            f"run = '''{PLACES[place]}'''\n")
    outcome = await engine_for(config, journal, tmp_path, place=text).run(
        "place", {"v": value}, ScriptedOperator())
    assert outcome.status == "ok"
    assert not (config.repo / "X").exists()
    assert (config.repo / "out.txt").read_text() == f"[{value}]"


async def test_a_gate_command_checked_through_a_shell_takes_values_as_data(
        config: Config, tmp_path: Path) -> None:
    check = Check(kind="command", title="says it", shell=True,
                  run="printf '[%s]' \"q{v}q\" > gate.out && test -s gate.out",
                  expect_output=None)
    runner = CheckRunner(config.repo, {"v": "$(touch X)`touch X`"}, max_size_mb=10)
    result = await runner.run(check)
    assert result.ok, result.summary
    assert not (config.repo / "X").exists()
    assert (config.repo / "gate.out").read_text() == "[q$(touch X)`touch X`q]"


GATE = r'''
title = "gate"
[params.v]
type = "text"

[[steps]]
id = "g"
kind = "gate"
title = "g"

[[steps.checks]]
kind = "command"
title = "says"
shell = true
run = 'printf %s "q{v}q" | grep -q q && echo ok'
'''


def test_a_gate_plan_shows_a_shell_check_as_the_shell_runs_it(
        config: Config, tmp_path: Path) -> None:
    step = load_runbook(playbook_folder(tmp_path, gate=GATE)).playbooks["gate"].steps[0]
    lines = step.plan(PlanContext(config, {"v": "$(touch X)"}))
    assert lines[0] == '[auto] says: $ printf %s "q\\$(touch X)q" | grep -q q && echo ok'


def test_a_step_env_may_not_take_the_names_that_carry_values(tmp_path: Path) -> None:
    text = REPRO + '[steps.env]\nCOCKPIT_VALUE_v = "mine"\n'
    with pytest.raises(Exception) as err:
        load_runbook(playbook_folder(tmp_path, repro=text))
    assert "COCKPIT_VALUE_v" in str(err.value) and "choose another name" in str(err.value)


# cockpit check ---------------------------------------------------------------------------

def test_check_warns_of_a_placeholder_inside_quotes(config: Config, tmp_path: Path) -> None:
    found = check_commands(config, load_runbook(playbook_folder(tmp_path, repro=REPRO)))
    warnings = [p for p in found if "inside quotes" in p.message]
    assert len(warnings) == 1
    warning = warnings[0]
    assert warning.file is not None and warning.file.name == "repro.toml"
    assert warning.field == "steps.say.run"
    assert "{v} (in double quotes)" in warning.message
    assert warning.message.startswith("warning:") and "environment variable" in warning.message
    assert warning.fix == "take the placeholder out of the quotes: printf '[%s]\n' \"q\"{v}\"q\""


def test_cockpit_check_prints_the_warning_with_playbook_step_and_fix(
        workspace: Path, tmp_path: Path) -> None:
    playbook_folder(tmp_path, repro=REPRO)
    workspace.write_text(f'playbooks = "{tmp_path / "playbooks-override"}"\n'
                         + workspace.read_text())
    out = subprocess.run([sys.executable, "-m", "cockpit", "check", "--config", str(workspace)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "COLUMNS": "200"})
    assert out.returncode == 1, out.stdout + out.stderr
    # a table: its cells fold, so look for what fits on a line of one
    assert "playbooks-override/repro.toml: steps.say.run" in out.stdout
    assert "warning: {v} (in double quotes) inside quotes" in out.stdout
    assert "take the placeholder out of the quotes" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


def test_check_says_nothing_of_unquoted_placeholders_or_argv_commands(
        config: Config, tmp_path: Path) -> None:
    text = REPRO.replace(r'\"q{v}q\"', "q{v}q")
    argv = REPRO.replace("shell = true\n", "")
    found = check_commands(config, load_runbook(playbook_folder(tmp_path, a=text, b=argv)))
    assert not [p for p in found if "inside quotes" in p.message]


def test_the_shipped_playbooks_have_no_placeholder_inside_quotes(config: Config) -> None:
    found = check_commands(config, load_runbook())
    assert not [str(p) for p in found if "inside quotes" in p.message]


# the command shown is the command run ------------------------------------------------------

def _sh(text: str, env: dict[str, str], cwd: Path) -> str:
    out = subprocess.run(["/bin/sh", "-c", text], env={"PATH": "/usr/bin:/bin", **env},
                         cwd=cwd, capture_output=True, check=True)
    return out.stdout.decode()


@settings(max_examples=40, deadline=None)
@given(value=st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
                     max_size=20),
       place=st.sampled_from(sorted(PLACES)))
@example(value="`", place="in backticks")  # CI's find: `...` first takes a \ off \, ` and $
@example(value="a\\$b`c", place="in backticks")
def test_what_the_operator_reads_does_what_runs(value: str, place: str) -> None:
    from cockpit.shellvalues import script, shown_script

    template = PLACES[place].replace(" > out.txt", "")
    text, env = script(template, {"v": value})
    assert text == script(template, {"v": "other"})[0]  # the value is not in the text
    with tempfile.TemporaryDirectory() as folder:
        real = _sh(text, env, Path(folder))
        assert real == f"[{value}]"
        assert _sh(shown_script(template, {"v": value}), {}, Path(folder)) == real
        assert list(Path(folder).iterdir()) == []


@given(st.lists(st.from_regex(r"[A-Za-z_][A-Za-z0-9_.]{0,8}", fullmatch=True), min_size=2,
                max_size=6, unique=True))
def test_no_two_names_share_a_variable(names: list[str]) -> None:
    from cockpit.shellvalues import env_name

    variables = [env_name(n) for n in names]
    assert len(set(variables)) == len(names)
    assert all(v.isidentifier() and v.isascii() and v.startswith("COCKPIT_VALUE_")
               for v in variables)
