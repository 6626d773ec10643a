from __future__ import annotations

import pytest

from cockpit.errors import ParameterError
from cockpit.params import ParamSpec, render_argv, resolve_params, substitute
from cockpit.semver import is_semver

HOSTILE = ["a; rm -rf /", "$(touch pwned)", "`id`", "it's \"quoted\"", "two\nlines"]


@pytest.mark.parametrize("version", ["1.1.0", "1.1.0-beta", "1.1.0-beta.1", "0.0.1+build.5"])
def test_semver_accepts(version: str) -> None:
    assert is_semver(version)


@pytest.mark.parametrize("version", ["1.1", "v1.1.0", "1.1.0-", "01.1.0", "1.1.0 beta", ""])
def test_semver_rejects(version: str) -> None:
    assert not is_semver(version)


@pytest.mark.parametrize("value", HOSTILE)
def test_argv_keeps_hostile_values_as_one_word(value: str) -> None:
    argv = render_argv("git tag -a v{version} -m 'Release {version}'", {"version": value})
    assert argv == ["git", "tag", "-a", f"v{value}", "-m", f"Release {value}"]


@pytest.mark.parametrize("value", HOSTILE)
def test_shell_substitution_quotes(value: str) -> None:
    import subprocess

    command = substitute("printf %s {x}", {"x": value}, quote=True)
    out = subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, check=True)
    assert out.stdout == value


def test_semver_param_drops_leading_v_and_rejects_garbage() -> None:
    specs = {"version": ParamSpec(type="semver")}
    assert resolve_params(specs, {"version": "v1.2.3-rc.1"}, {}) == {"version": "1.2.3-rc.1"}
    with pytest.raises(ParameterError) as err:
        resolve_params(specs, {"version": "1.2"}, {})
    problem = err.value.problems[0]
    assert problem.field == "param version"
    assert "not a semantic version" in problem.message
    assert problem.fix and "MAJOR.MINOR.PATCH" in problem.fix


def test_string_param_refuses_newlines_but_text_allows_them() -> None:
    with pytest.raises(ParameterError, match="line break"):
        resolve_params({"reason": ParamSpec(type="string")}, {"reason": "a\nb"}, {})
    assert resolve_params({"n": ParamSpec(type="text")}, {"n": "a\nb"}, {}) == {"n": "a\nb"}


def test_defaults_resolve_from_context_and_unknown_params_are_named() -> None:
    specs = {"version": ParamSpec(type="semver", default="{release.version}")}
    assert resolve_params(specs, {}, {"release.version": "1.1.0-beta"}) == {"version": "1.1.0-beta"}
    with pytest.raises(ParameterError) as err:
        resolve_params(specs, {"verison": "1.0.0"}, {"release.version": "1.1.0"})
    assert err.value.problems[0].field == "param verison"


def test_required_param_missing_says_how() -> None:
    with pytest.raises(ParameterError) as err:
        resolve_params({"reason": ParamSpec()}, {}, {})
    assert err.value.problems[0].fix == "give it a value"
