"""The forge contract, on both forges: the local directory and GitHub's REST API (a loopback
double with GitHub's shapes and failure modes, over a real HTTP socket)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from cockpit.forge import ops as f
from cockpit.forge.github import GitHubForge, github_token
from cockpit.forge.local import LocalForge
from cockpit.forge.model import ForgeError
from tests.forgeserver import TOKEN, ForgeServer

TAG = "v1.1.0-beta"


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(f, "RETRY_BASE", 0.0)


@pytest.fixture
def server() -> Iterator[ForgeServer]:
    s = ForgeServer()
    yield s
    s.close()


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    dist = tmp_path / "dist"
    dist.mkdir()
    out = []
    for name, size in [("caro-v1.1.0-beta-x86_64.tar.gz", 70_000), ("caro-v1.1.0-beta-linux-arm64",
                                                                     120_000)]:
        path = dist / name
        path.write_bytes(bytes(range(256)) * (size // 256))
        out.append(path)
    sums = dist / "SHA256SUMS"
    sums.write_text("abc  caro\n")
    return [*out, sums]


@pytest.fixture(params=["local", "github"])
async def forge(request: pytest.FixtureRequest, tmp_path: Path,
                server: ForgeServer) -> AsyncIterator[f.Forge]:
    chosen: f.Forge = (LocalForge(tmp_path / "forge") if request.param == "local"
                       else GitHubForge(server.url, "acme/caro", TOKEN))
    yield chosen
    await chosen.close()


async def test_draft_upload_verify_publish_once_and_reruns_change_nothing(
        forge: f.Forge, files: list[Path]) -> None:
    said: list[str] = []
    draft = await f.ensure_draft(forge, TAG, "caro v1.1.0-beta", "notes", said.append)
    assert draft.draft and draft.prerelease  # -beta: a prerelease
    with pytest.raises(ForgeError, match="not complete"):
        await f.publish(forge, TAG, files, said.append)  # never published before verified
    release = await f.upload_all(forge, TAG, files, said.append)
    assert {(a.name, a.size, a.state) for a in release.assets} == {
        (p.name, p.stat().st_size, "uploaded") for p in files}
    published = await f.publish(forge, TAG, files, said.append)
    assert not published.draft
    # everything again: found, not redone
    said.clear()
    await f.ensure_draft(forge, TAG, "caro v1.1.0-beta", "notes", said.append)
    await f.upload_all(forge, TAG, files, said.append)
    await f.publish(forge, TAG, files, said.append)
    assert said[0] == f"release {TAG} already exists (published)"
    assert sum("already uploaded" in s for s in said) == len(files)
    assert said[-1] == f"release {TAG} is already published"


async def test_rollback_moves_latest_back_and_drafts_the_bad_release(
        forge: f.Forge, files: list[Path]) -> None:
    for tag in ("v1.0.0", "v1.0.1"):
        await f.ensure_draft(forge, tag, tag, "", print)
        await f.upload_all(forge, tag, files, print)
        await f.publish(forge, tag, files, print)
    latest = await forge.latest()
    assert latest is not None and latest.tag == "v1.0.1"
    said: list[str] = []
    await f.make_latest(forge, "v1.0.0", said.append)
    await f.unpublish(forge, "v1.0.1", said.append)
    latest = await forge.latest()
    assert latest is not None and latest.tag == "v1.0.0"
    bad = await forge.release("v1.0.1")
    assert bad is not None and bad.draft
    await f.unpublish(forge, "v1.0.1", said.append)
    assert said[-1] == "release v1.0.1 is already a draft"


async def test_uploads_survive_502_starters_dropped_connections_and_422(
        server: ForgeServer, files: list[Path]) -> None:
    gh = GitHubForge(server.url, "acme/caro", TOKEN)
    await f.ensure_draft(gh, TAG, TAG, "", print)
    server.state.fail("upload", "502-starter")
    server.state.fail("upload", "drop")
    server.state.fail("upload", "422")
    said: list[str] = []
    release = await f.upload_all(gh, TAG, files, said.append)
    await f.publish(gh, TAG, files, said.append)
    assert sorted(server.state.uploads) == sorted(p.name for p in files)  # each exactly once
    assert all(a.state == "uploaded" for a in release.assets) and len(release.assets) == 3
    assert server.state.publishes == 1
    assert any("removing the starter asset" in s for s in said)
    assert any("502" in s and "retrying" in s for s in said)
    await gh.close()


async def test_permission_and_rate_limit_failures_say_what_to_do(server: ForgeServer) -> None:
    gh = GitHubForge(server.url, "acme/caro", TOKEN)
    server.state.fail("post", "403")
    with pytest.raises(ForgeError) as denied:
        await f.ensure_draft(gh, TAG, TAG, "", print)
    assert "403" in str(denied.value) and "contents:write" in str(denied.value)
    server.state.fail("get", "rate-limit")
    with pytest.raises(ForgeError) as limited:
        await gh.release(TAG)
    assert "rate limit exhausted" in str(limited.value) and "resets" in str(limited.value)
    assert gh.rate_remaining == 0
    await gh.close()


async def test_unchanged_answers_come_back_304_and_cost_nothing(server: ForgeServer) -> None:
    gh = GitHubForge(server.url, "acme/caro", TOKEN)
    await f.ensure_draft(gh, TAG, TAG, "", print)
    assert await gh.release(TAG) is not None
    before = server.state.remaining
    assert (await gh.release(TAG)) is not None  # If-None-Match: 304
    assert server.state.remaining == before and gh.rate_remaining == before
    await gh.close()


async def test_a_bad_token_and_a_missing_token_are_explained(
        server: ForgeServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    gh = GitHubForge(server.url, "acme/caro", "ghp_" + "x" * 36)
    with pytest.raises(ForgeError, match="401") as bad:
        await gh.release(TAG)
    assert "GITHUB_TOKEN" in str(bad.value)
    await gh.close()
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no gh either
    with pytest.raises(ForgeError) as missing:
        github_token()
    assert "export GITHUB_TOKEN" in str(missing.value) and "gh auth login" in str(missing.value)


def _issue(number: int, *labels: str, state: str = "open", pr: bool = False) -> dict[str, object]:
    issue: dict[str, object] = {"number": number, "title": f"bug {number}", "state": state,
                                "labels": [{"name": name} for name in labels]}
    if pr:
        issue["pull_request"] = {"url": f"https://example.invalid/pulls/{number}"}
    return issue


ISSUES = [_issue(1, "P0"), _issue(2, "P1", "bug"), _issue(3, "P1"), _issue(4, "P2"),
          _issue(5, "P0", state="closed"), _issue(6, "P0", pr=True), _issue(7)]


async def test_open_issues_by_priority_leave_out_closed_ones_and_pull_requests(
        forge: f.Forge, server: ForgeServer, tmp_path: Path) -> None:
    server.state.issues = ISSUES
    (tmp_path / "forge").mkdir(exist_ok=True)
    (tmp_path / "forge" / "issues.json").write_text(json.dumps(ISSUES))
    values = await f.issue_values(forge, ["P0", "P1", "P3", "priority: high"])
    assert values == {"issues": "5", "p0": "1", "p1": "2", "p3": "0", "priority_high": "0"}


async def test_issue_search_spends_the_search_budget_not_the_hourly_one(
        server: ForgeServer) -> None:
    gh = GitHubForge(server.url, "acme/caro", TOKEN)
    try:
        await gh.release(TAG)
        hourly = gh.rate_remaining
        await gh.open_issues(["P0", "P1"])
        assert server.state.search_remaining == 27  # one search per label, and the total
        assert gh.rate_remaining == hourly == server.state.remaining
    finally:
        await gh.close()


async def test_a_local_forge_without_issues_has_none_and_a_broken_file_is_named(
        tmp_path: Path) -> None:
    local = LocalForge(tmp_path / "forge")
    assert await local.open_issues(["P0"]) == {"total": 0, "P0": 0}
    (tmp_path / "forge").mkdir()
    (tmp_path / "forge" / "issues.json").write_text('{"not": "a list"}')
    with pytest.raises(ForgeError, match=r"issues\.json is not a list of issues"):
        await local.open_issues(["P0"])
