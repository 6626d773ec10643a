from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.config import load_config
from cockpit.errors import ConfigError
from cockpit.tomlsource import line_of

GOOD = """\
[release]
name = "caro"
version = "1.1.0-beta"
previous_version = "1.0.0"
repo = "repo"
launch = 2026-01-15T08:00:00
timezone = "America/New_York"

[build]
package = "caro"
binary = "caro"

[[builders]]
name = "local"

[[builders]]
name = "arm"
kind = "ssh"
host = "127.0.0.1"
port = 2222
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "repo").mkdir(exist_ok=True)
    path = tmp_path / "cockpit.toml"
    path.write_text(text)
    return path


def problem(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    return err.value.problems[0]


def test_good_config_loads(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.release.version == "1.1.0-beta"
    assert config.repo == tmp_path / "repo"
    assert config.release.launch_at.utcoffset() is not None
    assert [b.name for b in config.builders] == ["local", "arm"]
    assert config.journal_path == tmp_path / ".cockpit" / "journal.sqlite"


def test_malformed_toml_names_file_and_line(tmp_path: Path) -> None:
    p = problem(tmp_path, GOOD.replace('binary = "caro"', 'binary = "caro'))
    assert p.file == tmp_path / "cockpit.toml"
    assert p.line == 11
    assert "malformed TOML" in p.message


def test_unknown_key_names_line_and_field(tmp_path: Path) -> None:
    p = problem(tmp_path, GOOD.replace('binary = "caro"', 'binary = "caro"\nbinnary = "x"'))
    assert (p.line, p.field, p.message) == (12, "build.binnary", "unknown key")
    assert p.fix and "spelling" in p.fix


def test_wrong_type_in_array_of_tables_names_the_right_line(tmp_path: Path) -> None:
    p = problem(tmp_path, GOOD.replace("port = 2222", 'port = "ssh"'))
    assert p.field == "builders.1.port"
    assert p.line == 20


def test_bad_version_is_refused_with_the_form(tmp_path: Path) -> None:
    p = problem(tmp_path, GOOD.replace('version = "1.1.0-beta"', 'version = "1.1"'))
    assert p.field == "release.version"
    assert p.line == 3
    assert "semantic version" in p.message


def test_missing_repo_path(tmp_path: Path) -> None:
    p = problem(tmp_path, GOOD.replace('repo = "repo"', 'repo = "nowhere"'))
    assert p.field == "release.repo" and p.line == 5
    assert "does not exist" in p.message


def test_missing_section_is_named(tmp_path: Path) -> None:
    p = problem(tmp_path, GOOD.split("[build]")[0])
    assert p.field == "build" and p.message == "Field required"


def test_unknown_timezone(tmp_path: Path) -> None:
    p = problem(tmp_path, GOOD.replace("America/New_York", "Mars/Olympus"))
    assert p.field == "release.timezone" and "IANA" in p.message


def test_webhook_url_instead_of_env_name_is_refused(tmp_path: Path) -> None:
    text = GOOD + '\n[announce]\nwebhooks = { discord = "https://discord.com/api/webhooks/1/x" }\n'
    p = problem(tmp_path, text)
    assert p.field == "announce.webhooks"
    assert "secrets never live in cockpit.toml" in p.message


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "absent.toml")
    assert "not found" in err.value.problems[0].message


def test_line_of_nested_arrays() -> None:
    text = '[[steps]]\nid = "a"\n[[steps.checks]]\nkind = "x"\n[[steps]]\nid = "b"\n' \
           '[[steps.checks]]\nkind = "y"\n[[steps.checks]]\nkind = "z"\n'
    assert line_of(text, ["steps", 1, "checks", 1, "kind"]) == 10
    assert line_of(text, ["steps", 0, "checks", 0, "kind"]) == 4
