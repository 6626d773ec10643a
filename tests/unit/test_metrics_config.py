"""[[metrics]] in cockpit.toml (issue 13): each kind's fields, durations, and bad input named
by file, line and field with the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.cli.main import main
from cockpit.config import load_config
from cockpit.errors import ConfigError
from cockpit.metricsconfig import CommandMetric, ForgeDownloads, HttpJson, metric_problems
from tests.unit.test_config import GOOD, write

METRICS = GOOD + """
[[metrics]]
name = "downloads"
kind = "forge-downloads"
every = "5m"

[[metrics]]
name = "p0"
kind = "forge-issues"
labels = ["P0"]
since_launch = true
every = "1h30m"

[[metrics]]
name = "crate"
kind = "crates-io"
crate = "caro"
api_url = "http://127.0.0.1:9"

[[metrics]]
name = "awu"
kind = "command"
run = "scripts/awu --version {version}"
field = "data.total"
timeout = 5

[[metrics]]
name = "stars"
kind = "http-json"
url = "https://example.test/stats"
field = "stars"
token_env = "STATS_TOKEN"
"""


def problems(tmp_path: Path, text: str) -> list:  # type: ignore[type-arg]
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    return err.value.problems


def test_every_kind_loads_with_its_fields(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, METRICS))
    names = [m.name for m in config.metrics]
    assert names == ["downloads", "p0", "crate", "awu", "stars"]
    downloads, p0, _, awu, stars = config.metrics
    assert isinstance(downloads, ForgeDownloads)
    assert downloads.every == 300 and downloads.release == "v{version}"
    assert p0.every == 5400
    assert isinstance(awu, CommandMetric) and awu.field == "data.total" and awu.timeout == 5
    assert isinstance(stars, HttpJson) and stars.token_env == "STATS_TOKEN"


def test_no_metrics_is_an_empty_list(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, GOOD)).metrics == []


@pytest.mark.parametrize(("change", "field", "says"), [
    (('kind = "forge-downloads"', 'kind = "downloads"'), "metrics.0.kind", "forge-downloads"),
    (('every = "5m"', 'every = "5 minutes"'), "metrics.0.every", "not a duration"),
    (('labels = ["P0"]', 'label = ["P0"]'), "metrics.1.label", "unknown key"),
    (('api_url = "http://127.0.0.1:9"', 'api_url = "ftp://mirror"'), "metrics.2.api_url",
     "not an http(s) URL"),
    (('url = "https://example.test/stats"', 'url = "example.test/stats"'), "metrics.4.url",
     "not an http(s) URL"),
    (('token_env = "STATS_TOKEN"', 'token_env = "ghp_secret123"'), "metrics.4.token_env",
     "not the name of an environment variable"),
    (("--version {version}", "--version {verison}"), "metrics.3.run", "{verison}"),
    (('name = "stars"', 'name = "downloads"'), "metrics", "a second metric named"),
])
def test_bad_input_names_file_line_and_field(tmp_path: Path, change: tuple[str, str],
                                             field: str, says: str) -> None:
    found = problems(tmp_path, METRICS.replace(*change))
    assert found[0].file == tmp_path / "cockpit.toml"
    assert found[0].field is not None and found[0].field.startswith(field)
    assert says in found[0].message
    assert found[0].line is not None
    assert "ghp_secret123" not in str(found[0])


def test_a_bad_metric_exits_2_naming_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, METRICS.replace('kind = "command"', 'kind = "shell"'))
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--config", str(path)]) == 2
    out = capsys.readouterr()
    text = out.out + out.err
    assert "metrics.3.kind" in text and "cockpit.toml:" in text


def test_check_says_a_token_variable_is_not_set(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STATS_TOKEN", raising=False)
    config = load_config(write(tmp_path, METRICS))
    [missing] = metric_problems(config.metrics)
    assert "STATS_TOKEN is not set" in missing.message and missing.fix
    monkeypatch.setenv("STATS_TOKEN", "s3cret")
    assert metric_problems(config.metrics) == []


def test_cockpit_check_lists_the_unset_token_variable(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STATS_TOKEN", raising=False)
    path = write(tmp_path, METRICS)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--config", str(path)]) != 0
    out = capsys.readouterr().out
    assert "STATS_TOKEN is not set" in out
