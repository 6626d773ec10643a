"""GitHub releases over REST (httpx, imported lazily): drafts, uploads to the release's
upload_url, 422 already_exists, starter assets, ETags and the rate limit."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from cockpit.forge.budget import RateBudget, shared
from cockpit.forge.model import Asset, Downloads, ForgeError, Issue, Release, created_since
from cockpit.redact import register_secret

if TYPE_CHECKING:
    import httpx



def github_token() -> str:
    """GITHUB_TOKEN or GH_TOKEN, else `gh auth token`; registered so it is redacted."""
    token = os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN")
    if not token and shutil.which("gh"):
        out = subprocess.run(["gh", "auth", "token"], capture_output=True, text=True,
                             check=False, timeout=20)
        token = out.stdout.strip() if out.returncode == 0 else ""
    if not token:
        raise ForgeError("no GitHub token", "export GITHUB_TOKEN=<a token with contents:write> "
                         "(or GH_TOKEN), or log in with `gh auth login`")
    register_secret(token)
    return token


@dataclass
class GitHubForge:
    api_url: str
    repository: str
    token: str
    timeout: float = 30.0
    budget: RateBudget = field(init=False, repr=False)
    """The token's rate budget, shared with every client of this API and token."""
    _client: httpx.AsyncClient | None = None
    _etags: dict[str, tuple[str, Any]] = field(default_factory=dict)
    gets: int = 0
    """Conditional GETs asked, and how many of them were answered 304 (no rate budget)."""
    not_modified: int = 0

    def __post_init__(self) -> None:
        self.budget = shared(self.api_url, self.token)

    @property
    def rate_remaining(self) -> int | None:
        return self.budget.remaining

    @property
    def rate_reset(self) -> int | None:
        return self.budget.reset

    @property
    def where(self) -> str:
        return f"{self.api_url} ({self.repository})"

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            import httpx

            self._client = httpx.AsyncClient(timeout=self.timeout, headers={
                "Authorization": f"Bearer {self.token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "launch-cockpit"})
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _call(self, method: str, url: str, *, ok: tuple[int, ...] = (200,),
                    **kwargs: Any) -> httpx.Response:
        import httpx

        if not url.startswith("http"):
            url = f"{self.api_url.rstrip('/')}/repos/{self.repository}{url}"
        try:
            response = await self._http().request(method, url, **kwargs)
        except httpx.TimeoutException:
            raise ForgeError(f"{method} {url}: no answer within {self.timeout:g}s",
                             "check the network and the forge's status", retryable=True) from None
        except httpx.TransportError as exc:
            raise ForgeError(f"{method} {url}: {type(exc).__name__}: {exc}",
                             "check the network and api_url in [forge]", retryable=True) from None
        self._note_rate(response)
        if response.status_code in ok:
            return response
        raise self._error(method, url, response)

    def _note_rate(self, response: httpx.Response) -> None:
        if response.headers.get("X-RateLimit-Resource", "core") != "core":
            return  # the search API's own small budget is not the hourly one shown
        remaining = response.headers.get("X-RateLimit-Remaining", "")
        reset = response.headers.get("X-RateLimit-Reset", "")
        self.budget.note(int(remaining) if remaining.isdigit() else None,
                         int(reset) if reset.isdigit() else None)

    def _error(self, method: str, url: str, response: httpx.Response) -> ForgeError:
        status = response.status_code
        wait = _retry_after(response)
        try:
            message = str(response.json().get("message", ""))
        except ValueError:
            message = response.text[:200]
        what = f"{method} {url}: {status} {message}".rstrip()
        if status == 401:
            return ForgeError(what, "the token is invalid or expired: set a new GITHUB_TOKEN")
        if status in {403, 429} and (response.headers.get("X-RateLimit-Remaining") == "0"
                                     or "rate limit" in message.lower()):
            when = response.headers.get("X-RateLimit-Reset", "")
            return ForgeError(f"{what} (rate limit exhausted)",
                              f"wait until the limit resets (epoch {when}), then re-run: "
                              "nothing done so far is repeated", retry_after=wait)
        if status == 403:
            return ForgeError(what, f"the token cannot write to {self.repository}: it needs "
                              "contents:write on the repository")
        if status == 404:
            return ForgeError(what, f"check [forge] repository ({self.repository}) and that "
                              "the token can see it")
        if status == 422 and "already_exists" in response.text:
            return ForgeError(what + " (already_exists)", conflict=True)
        return ForgeError(what, "the forge failed; re-run the step", retryable=status >= 500,
                          retry_after=wait)

    async def _get_json(self, path: str, *, absent: Any = ...) -> Any:
        """GET with If-None-Match: an unchanged answer (304) costs no rate limit. A 404 is
        `absent` when one is given (else an error)."""
        cached = self._etags.get(path)
        headers = {"If-None-Match": cached[0]} if cached else {}
        ok = (200, 304) if absent is ... else (200, 304, 404)
        response = await self._call("GET", path, ok=ok, headers=headers)
        self.gets += 1
        if response.status_code == 404:
            self._etags.pop(path, None)
            return absent
        if response.status_code == 304 and cached is not None:
            self.not_modified += 1
            return cached[1]
        body = response.json()
        if etag := response.headers.get("ETag"):
            self._etags[path] = (etag, body)
        return body

    async def repository_info(self) -> dict[str, Any]:
        """The repository as the token sees it (`permissions.push`: may it write releases)."""
        info = await self._get_json("")
        return info if isinstance(info, dict) else {}

    async def release(self, tag: str) -> Release | None:
        # the tags endpoint hides drafts: list releases (drafts included for writers)
        return next((r for r in await self.releases() if r.tag == tag), None)

    async def releases(self) -> list[Release]:
        found: list[Release] = []
        for page in range(1, 11):
            items = await self._get_json(f"/releases?per_page=100&page={page}")
            found += [_release(item) for item in items]
            if len(items) < 100:
                break
        return found

    async def create_draft(self, tag: str, *, name: str, body: str,
                           prerelease: bool) -> Release:
        response = await self._call("POST", "/releases", ok=(201,), json={
            "tag_name": tag, "name": name, "body": body, "draft": True,
            "prerelease": prerelease})
        self._etags.clear()
        return _release(response.json())

    async def upload_once(self, release: Release, path: Path) -> Asset:
        url = re.sub(r"\{.*\}$", "", release.upload_url)
        data = path.read_bytes()
        self._etags.clear()
        response = await self._call("POST", url, ok=(201,), params={"name": path.name},
                                    content=data,
                                    headers={"Content-Type": "application/octet-stream"})
        return _asset(response.json())

    async def delete_asset(self, release: Release, asset: Asset) -> None:
        self._etags.clear()
        await self._call("DELETE", f"/releases/assets/{asset.id}", ok=(204, 404))

    async def update(self, release: Release, *, draft: bool | None = None,
                     latest: bool | None = None) -> Release:
        body: dict[str, Any] = {}
        if draft is not None:
            body["draft"] = draft
        if latest is not None:
            body["make_latest"] = "true" if latest else "false"
        self._etags.clear()
        response = await self._call("PATCH", f"/releases/{release.id}", json=body)
        return _release(response.json())

    async def latest(self) -> Release | None:
        try:
            return _release(await self._get_json("/releases/latest"))
        except ForgeError as exc:
            if " 404" in exc.problems[0].message:
                return None
            raise

    async def open_issues(self, labels: Sequence[str]) -> dict[str, int]:
        """Counts from the search API: one request per label, whatever the number of issues
        (its own budget: 30 requests a minute)."""
        base = f"{self.api_url.rstrip('/')}/search/issues"
        query = f"repo:{self.repository} is:issue is:open"
        counts: dict[str, int] = {}
        for key, q in [("total", query), *((label, f'{query} label:"{label}"')
                                           for label in labels)]:
            found = await self._get_json(f"{base}?q={quote(q)}&per_page=1")
            counts[key] = int(found["total_count"])
        return counts

    async def open_issue_list(self, since: str | None = None) -> list[Issue]:
        """From the search API, 100 a page (one request for most launches)."""
        base = f"{self.api_url.rstrip('/')}/search/issues"
        q = f"repo:{self.repository} is:issue is:open" + (f" created:>={since}" if since else "")
        found: list[Issue] = []
        for page in range(1, 11):
            items = (await self._get_json(f"{base}?q={quote(q)}&per_page=100&page={page}"))["items"]
            found += [Issue(int(i["number"]), str(i.get("title", "")),
                            tuple(str(label["name"]) for label in i.get("labels", [])),
                            str(i.get("created_at", ""))) for i in items]
            if len(items) < 100:
                break
        return created_since(found, since)

    async def download_counts(self, tag: str | None) -> Downloads:
        """One release by its tag (none while no release is published with it), or every
        release from the list, asked conditionally: unchanged counts cost no rate budget."""
        asked, unmodified = self.gets, self.not_modified
        if tag is None:
            releases = await self.releases()
            first = self._etags.get("/releases?per_page=100&page=1")
        else:
            path = f"/releases/tags/{quote(tag, safe='')}"
            found = await self._get_json(path, absent=None)
            releases = [] if found is None else [_release(found)]
            first = self._etags.get(path)
        return Downloads({r.tag: {a.name: a.download_count for a in r.assets} for r in releases},
                         first[0] if first else "",
                         self.not_modified - unmodified == self.gets - asked)


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait: Retry-After, else (the limit spent) until X-RateLimit-Reset."""
    after = response.headers.get("Retry-After", "")
    if after.isdigit():
        return float(after)
    reset = response.headers.get("X-RateLimit-Reset", "")
    if response.headers.get("X-RateLimit-Remaining") == "0" and reset.isdigit():
        return max(0.0, int(reset) - time.time())
    return None


def _asset(item: dict[str, Any]) -> Asset:
    return Asset(int(item["id"]), str(item["name"]), int(item["size"]), str(item["state"]),
                 int(item.get("download_count", 0)))


def _release(item: dict[str, Any]) -> Release:
    return Release(int(item["id"]), str(item["tag_name"]), bool(item["draft"]),
                   bool(item["prerelease"]), tuple(_asset(a) for a in item.get("assets", [])),
                   str(item.get("upload_url", "")), str(item.get("html_url", "")))
