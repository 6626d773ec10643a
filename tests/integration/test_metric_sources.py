"""Metric sources and their poller (issue 13), against real parts: the loopback GitHub double
(ETags, 304s, rate limits, 5xx), a loopback crates.io, real commands, the local forge's files
and a real journal."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from cockpit.config import Config, load_config
from cockpit.forge.github import GitHubForge
from cockpit.forge.local import LocalForge
from cockpit.journal.events import MetricFailed, MetricSample
from cockpit.journal.store import Journal
from cockpit.metrics.poller import MAX_BACKOFF, Poller
from cockpit.metrics.reading import SourceError
from cockpit.metrics.sources import Sources
from tests.forgeserver import TOKEN, ForgeServer
from tests.jsonserver import JsonServer, Route
from tests.unit.test_config import GOOD, write

TAG = "v1.1.0-beta"


@pytest.fixture
def github() -> Iterator[ForgeServer]:
    s = ForgeServer()
    s.state.releases.append({
        "id": 7, "tag_name": TAG, "draft": False, "prerelease": True, "html_url": "",
        "upload_url": "", "assets": [
            {"id": 8, "name": "caro-x86_64", "size": 10, "state": "uploaded", "download_count": 3},
            {"id": 9, "name": "caro-arm64", "size": 10, "state": "uploaded", "download_count": 4}]})
    s.state.issues += [
        {"number": 1, "title": "crash on start", "state": "open", "labels": [{"name": "P0"}],
         "created_at": "2026-01-15T14:00:00Z"},
        {"number": 2, "title": "typo in help", "state": "open", "labels": [{"name": "P2"}],
         "created_at": "2026-01-15T15:00:00Z"},
        {"number": 3, "title": "old P0", "state": "open", "labels": [{"name": "P0"}],
         "created_at": "2026-01-01T10:00:00Z"},
        {"number": 4, "title": "fixed", "state": "closed", "labels": [{"name": "P0"}]}]
    yield s
    s.close()


@pytest.fixture
def web() -> Iterator[JsonServer]:
    s = JsonServer()
    yield s
    s.close()


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = Journal.controller(tmp_path / "journal.sqlite")
    yield j
    j.close()


def configured(tmp_path: Path, metrics: str) -> Config:
    return load_config(write(tmp_path, GOOD + "\n" + metrics))


@pytest.fixture
async def gh_sources(tmp_path: Path, github: ForgeServer) -> AsyncIterator[Sources]:
    config = configured(tmp_path, """
[[metrics]]
name = "downloads"
kind = "forge-downloads"
every = "30s"

[[metrics]]
name = "p0"
kind = "forge-issues"
labels = ["P0"]
""")
    sources = Sources(config, GitHubForge(github.url, "acme/caro", TOKEN))
    yield sources
    await sources.close()


def events(journal: Journal, kind: type) -> list[Any]:
    return [e.payload for e in journal.events() if e.kind == kind.KIND.value]


async def test_github_downloads_journal_once_and_then_cost_no_budget(
        gh_sources: Sources, github: ForgeServer, journal: Journal) -> None:
    poller = Poller(gh_sources.config.metrics, gh_sources, journal.record)
    downloads = gh_sources.config.metrics[0]
    first = await poller.poll(downloads)
    assert first.value == 7 and not first.stale
    budget = github.state.remaining
    again = [await poller.poll(downloads) for _ in range(5)]
    assert all(r.value == 7 and r.unchanged for r in again)
    assert github.state.not_modified == 5 and github.state.remaining == budget
    [sample] = events(journal, MetricSample)
    assert sample.detail == {"assets": {"caro-x86_64": 3, "caro-arm64": 4}, "release": TAG}
    assert sample.etag.startswith('"') and sample.metric == "downloads"
    github.state.releases[0]["assets"][0]["download_count"] = 10
    moved = await poller.poll(downloads)
    assert moved.value == 14 and not moved.unchanged
    assert [s.value for s in events(journal, MetricSample)] == [7, 14]


async def test_one_release_is_asked_by_its_tag_and_a_steady_state_answers_304(
        gh_sources: Sources, github: ForgeServer) -> None:
    poller = Poller(gh_sources.config.metrics, gh_sources)
    downloads = gh_sources.config.metrics[0]
    results = [await poller.poll(downloads) for _ in range(6)]
    assert [r.value for r in results] == [7] * 6
    assert github.state.requests == [f"GET /repos/acme/caro/releases/tags/{TAG}"] * 6
    assert github.state.not_modified == 5  # every poll after the first: no rate budget


async def test_every_release_is_still_listed_page_by_page(tmp_path: Path,
                                                          github: ForgeServer) -> None:
    config = configured(tmp_path, '[[metrics]]\nname = "all"\nkind = "forge-downloads"\n'
                                  'release = "all"\n')
    sources = Sources(config, GitHubForge(github.url, "acme/caro", TOKEN))
    reading = await sources.read(config.metrics[0])
    again = await sources.read(config.metrics[0])
    await sources.close()
    assert reading.value == 7 and reading.detail["releases"] == {TAG: 7} and again.unchanged
    assert github.state.requests == ["GET /repos/acme/caro/releases"] * 2


@pytest.mark.parametrize("draft", [False, True])
async def test_a_tag_with_no_published_release_marks_the_metric_stale_with_the_fix(
        tmp_path: Path, github: ForgeServer, draft: bool) -> None:
    if draft:  # the tags endpoint shows published releases only: a draft counts no downloads
        github.state.releases[0]["draft"] = True
    wanted = TAG if draft else "v9.9.9"
    config = configured(tmp_path, '[[metrics]]\nname = "downloads"\nkind = "forge-downloads"\n'
                                  f'release = "{wanted}"\n')
    sources = Sources(config, GitHubForge(github.url, "acme/caro", TOKEN))
    poller = Poller(config.metrics, sources)
    result = await poller.poll(config.metrics[0])
    await sources.close()
    assert result.stale and result.value is None
    assert f"no release tagged {wanted} on {github.url}" in (result.error or "")
    assert "release in the [[metrics]] table named 'downloads'" in result.fix
    assert github.state.requests == [f"GET /repos/acme/caro/releases/tags/{wanted}"]


async def test_github_issues_count_the_label_and_keep_titles(gh_sources: Sources) -> None:
    reading = await gh_sources.read(gh_sources.config.metrics[1])
    assert reading.value == 2
    assert reading.detail["labels"] == {"P0": 2}
    assert [i["title"] for i in reading.detail["issues"]] == ["crash on start", "old P0"]


async def test_issues_since_launch_leave_out_older_ones(tmp_path: Path,
                                                       github: ForgeServer) -> None:
    config = configured(tmp_path, """
[[metrics]]
name = "p0"
kind = "forge-issues"
labels = ["P0"]
since_launch = true
""")
    sources = Sources(config, GitHubForge(github.url, "acme/caro", TOKEN))
    reading = await sources.read(config.metrics[0])
    await sources.close()
    assert reading.value == 1 and reading.detail["issues"][0]["number"] == 1


async def test_a_rate_limit_waits_for_the_reset_and_a_503_for_retry_after(
        gh_sources: Sources, github: ForgeServer, journal: Journal) -> None:
    poller = Poller(gh_sources.config.metrics, gh_sources, journal.record)
    downloads = gh_sources.config.metrics[0]
    github.state.fail("get", "503")
    failed = await poller.poll(downloads)
    assert failed.stale and failed.retry_in == 7 and "503" in (failed.error or "")
    github.state.fail("get", "rate-limit")
    limited = await poller.poll(downloads)
    assert limited.stale and "rate limit" in (limited.error or "")
    assert limited.retry_in == MAX_BACKOFF  # the reset is far off: capped, asked again then
    recorded = events(journal, MetricFailed)
    assert [f.retry_in for f in recorded] == [7, MAX_BACKOFF]
    assert recorded[1].fix


async def test_forge_metrics_leave_the_last_of_the_budget_to_the_release(
        gh_sources: Sources, github: ForgeServer) -> None:
    poller = Poller(gh_sources.config.metrics, gh_sources)
    await poller.poll(gh_sources.config.metrics[0])
    github.state.remaining = 50
    await poller.poll(gh_sources.config.metrics[0])  # the answer says 50 left
    asked = len(github.state.requests)
    held = await poller.poll(gh_sources.config.metrics[0])
    assert held.stale and "rate budget" in (held.error or "")
    assert len(github.state.requests) == asked


async def test_errors_back_off_doubling_and_a_reading_resets_it(
        gh_sources: Sources, github: ForgeServer) -> None:
    poller = Poller(gh_sources.config.metrics, gh_sources)
    downloads = gh_sources.config.metrics[0]
    for _ in range(3):
        github.state.fail("get", "500")
    waits = [(await poller.poll(downloads)).retry_in for _ in range(3)]
    assert waits == [30, 60, 120]
    ok = await poller.poll(downloads)
    assert not ok.stale and ok.retry_in == 30


async def test_local_forge_downloads_move_with_its_files(tmp_path: Path) -> None:
    config = configured(tmp_path, '[[metrics]]\nname = "downloads"\nkind = "forge-downloads"\n')
    forge = LocalForge(tmp_path / "forge")
    asset = tmp_path / "caro.tar.gz"
    asset.write_bytes(b"x")
    forge.seed(TAG, [asset])
    sources = Sources(config, forge)
    first = await sources.read(config.metrics[0])
    assert first.value == 0 and first.detail == {"assets": {"caro.tar.gz": 0}, "release": TAG}
    assert (await sources.read(config.metrics[0])).unchanged
    forge.add_downloads(TAG, "caro.tar.gz", 5)
    moved = await sources.read(config.metrics[0])
    assert moved.value == 5 and not moved.unchanged
    assert json.loads((tmp_path / "forge" / TAG / "release.json").read_text())[
        "assets"][0]["download_count"] == 5


async def test_a_release_not_yet_on_the_forge_is_stale_with_why(tmp_path: Path) -> None:
    config = configured(tmp_path, '[[metrics]]\nname = "downloads"\nkind = "forge-downloads"\n')
    sources = Sources(config, LocalForge(tmp_path / "forge"))
    with pytest.raises(SourceError, match=r"no release tagged v1\.1\.0-beta on the local forge"):
        await sources.read(config.metrics[0])


CRATE = """
[[metrics]]
name = "crate"
kind = "crates-io"
crate = "caro"
api_url = "{url}"
"""


async def test_crates_io_downloads_with_a_user_agent(tmp_path: Path, web: JsonServer) -> None:
    config = configured(tmp_path, CRATE.format(url=web.url))
    web.crate("caro", "1.1.0-beta", 42)
    sources = Sources(config)
    reading = await sources.read(config.metrics[0])
    again = await sources.read(config.metrics[0])
    await sources.close()
    assert reading.value == 42 and again.unchanged and web.not_modified == 1
    assert web.seen[0]["user-agent"].startswith("launch-cockpit/")


@pytest.mark.parametrize(("route", "says"), [
    (None, "404"),
    (Route(status=500), "500"),
    (Route(raw=b"<html>oops</html>"), "not JSON"),
    (Route({"version": {"num": "1.1.0-beta"}}), "'version.downloads' is not in the answer"),
    (Route({"version": {"downloads": "many"}}), "not a number"),
])
async def test_crates_io_failures_say_why(tmp_path: Path, web: JsonServer,
                                          route: Route | None, says: str) -> None:
    config = configured(tmp_path, CRATE.format(url=web.url))
    if route is not None:
        web.routes["/api/v1/crates/caro/1.1.0-beta"] = route
    sources = Sources(config)
    with pytest.raises(SourceError) as err:
        await sources.read(config.metrics[0])
    await sources.close()
    assert says in err.value.message and err.value.fix


HTTP = """
[[metrics]]
name = "awu"
kind = "http-json"
url = "{url}/stats"
field = "data.weekly.active"
token_env = "STATS_TOKEN"
timeout = {timeout}
"""


async def test_http_json_sends_the_bearer_and_never_journals_it(
        tmp_path: Path, web: JsonServer, journal: Journal,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATS_TOKEN", "tok-s3cret-abcdef")
    config = configured(tmp_path, HTTP.format(url=web.url, timeout=5))
    web.routes["/stats"] = Route({"data": {"weekly": {"active": 31}}})
    sources = Sources(config)
    poller = Poller(config.metrics, sources, journal.record)
    [result] = await poller.once()
    web.routes["/stats"] = Route({"data": {"weekly": {}}})
    [missing] = await poller.once()
    await sources.close()
    assert result.value == 31 and web.seen[0]["authorization"] == "Bearer tok-s3cret-abcdef"
    assert missing.stale and "data.weekly.active" in (missing.error or "")
    assert "weekly has: " in (missing.error or "")
    stored = json.dumps([e.payload.as_data() for e in journal.events()])
    assert "tok-s3cret" not in stored


async def test_http_json_timeout_and_unset_token(tmp_path: Path, web: JsonServer,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    config = configured(tmp_path, HTTP.format(url=web.url, timeout=0.5))
    web.routes["/stats"] = Route(hang=True)
    sources = Sources(config)
    monkeypatch.delenv("STATS_TOKEN", raising=False)
    with pytest.raises(SourceError, match="STATS_TOKEN is not set"):
        await sources.read(config.metrics[0])
    monkeypatch.setenv("STATS_TOKEN", "t")
    with pytest.raises(SourceError, match=r"no answer within 0\.5s"):
        await sources.read(config.metrics[0])
    await sources.close()


def command_metric(tmp_path: Path, run: str, extra: str = "") -> Config:
    return configured(tmp_path, f"[[metrics]]\nname = \"awu\"\nkind = \"command\"\n"
                                f"run = '''{run}'''\n{extra}")


@pytest.mark.parametrize(("run", "extra", "value"), [
    ("echo 31", "", 31),
    ("printf ' 2.5\\n'", "", 2.5),
    ("""echo '{"data": {"users": [4, 9]}}'""", 'field = "data.users.1"', 9),
    ("echo {version}", "", None),
])
async def test_command_prints_a_number_or_json(tmp_path: Path, run: str, extra: str,
                                               value: float | None) -> None:
    config = command_metric(tmp_path, run, extra)
    if value is None:  # {version} fills one word: 1.1.0-beta is no number
        with pytest.raises(SourceError, match=r"'1\.1\.0-beta', not a number"):
            await Sources(config).read(config.metrics[0])
        return
    assert (await Sources(config).read(config.metrics[0])).value == value


@pytest.mark.parametrize(("run", "extra", "says"), [
    ("echo many", "", "gave 'many', not a number"),
    ("sh -c 'echo nope >&2; exit 3'", "", "exited 3: nope"),
    ("sleep 30", "timeout = 0.3", "no answer within 0.3s"),
    ("echo '{\"a\": 1}'", 'field = "b"', "field 'b' is not in the answer"),
    ("no-such-command-here", "", "cannot start"),
])
async def test_command_failures_say_why(tmp_path: Path, run: str, extra: str, says: str) -> None:
    config = command_metric(tmp_path, run, extra)
    with pytest.raises(SourceError) as err:
        await Sources(config).read(config.metrics[0])
    assert says in err.value.message and err.value.fix


async def test_a_shell_command_gets_values_in_its_environment(tmp_path: Path) -> None:
    config = command_metric(tmp_path, 'echo "{version}" | tr -cd 0-9 | head -c 2',
                            "shell = true")
    assert (await Sources(config).read(config.metrics[0])).value == 11


async def test_unchanged_readings_are_journaled_at_least_every_ten_minutes(
        tmp_path: Path, journal: Journal) -> None:
    from cockpit.metrics.poller import KEEPALIVE

    count = tmp_path / "count"
    count.write_text("5")
    config = command_metric(tmp_path, f"cat {count}")
    now = [0.0]
    poller = Poller(config.metrics, Sources(config), journal.record, monotonic=lambda: now[0])
    for at in (0.0, 60.0, KEEPALIVE - 1):
        now[0] = at
        await poller.poll(config.metrics[0])
    assert [s.value for s in events(journal, MetricSample)] == [5]
    now[0] = KEEPALIVE
    await poller.poll(config.metrics[0])
    count.write_text("6")
    now[0] += 1
    await poller.poll(config.metrics[0])
    assert [s.value for s in events(journal, MetricSample)] == [5, 5, 6]


async def test_a_release_not_yet_published_is_asked_at_the_metrics_pace(
        tmp_path: Path, github: ForgeServer) -> None:
    config = configured(tmp_path, '[[metrics]]\nname = "downloads"\nkind = "forge-downloads"\n'
                                  'release = "v9.9.9"\nevery = "30s"\n')
    sources = Sources(config, GitHubForge(github.url, "acme/caro", TOKEN))
    poller = Poller(config.metrics, sources)
    waits = [(await poller.poll(config.metrics[0])) for _ in range(3)]
    await sources.close()
    assert all(w.stale and "no release tagged v9.9.9" in (w.error or "") for w in waits)
    assert [w.retry_in for w in waits] == [30, 30, 30]


async def test_failing_sources_back_off_at_most_five_minutes(tmp_path: Path) -> None:
    from cockpit.metrics.poller import ERROR_BACKOFF

    config = command_metric(tmp_path, "echo many", 'every = "1m"')
    poller = Poller(config.metrics, Sources(config))
    waits = [(await poller.poll(config.metrics[0])).retry_in for _ in range(5)]
    assert waits == [60, 120, 240, ERROR_BACKOFF, ERROR_BACKOFF]


async def test_a_malformed_forge_file_marks_the_metric_stale_and_polling_goes_on(
        tmp_path: Path, journal: Journal) -> None:
    config = configured(tmp_path, '[[metrics]]\nname = "downloads"\nkind = "forge-downloads"\n'
                                  'release = "all"\n\n[[metrics]]\nname = "awu"\n'
                                  'kind = "command"\nrun = "echo 3"\n')
    (tmp_path / "forge" / "v1.0.0").mkdir(parents=True)
    (tmp_path / "forge" / "v1.0.0" / "release.json").write_text(json.dumps(
        {"id": 1, "tag": "v1.0.0", "draft": False, "prerelease": False,
         "assets": [{"id": 2, "name": "caro"}]}))
    config = config.model_copy(update={"forge": config.forge.model_copy(
        update={"path": Path("forge")})})
    poller = Poller(config.metrics, Sources(config), journal.record)
    downloads, awu = await poller.once()
    assert downloads.stale and "v1.0.0" in (downloads.error or "") and downloads.fix
    assert awu.value == 3
