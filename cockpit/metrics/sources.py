"""Where each metric's number comes from: one reader per kind of `[[metrics]]`.

`Sources.read` gives a `Reading` or raises a `SourceError` with the reason and the fix; the
forge kinds share one forge (and so, on GitHub, one rate budget and its ETags), the web kinds
one HTTP client. Made and used on the poller's own loop (`cockpit.metrics.poller`).
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from cockpit.clock import utc_stamp
from cockpit.config import Config
from cockpit.forge.model import Forge, ForgeError
from cockpit.metrics.command import read_command
from cockpit.metrics.reading import Reading, SourceError, number, pick
from cockpit.metrics.web import JsonWeb
from cockpit.metricsconfig import (
    CommandMetric,
    CratesIo,
    ForgeDownloads,
    ForgeIssues,
    HttpJson,
    MetricConfig,
)
from cockpit.params import substitute
from cockpit.redact import register_secret

ISSUES_KEPT = 50
"""Titles journaled with an issue count (the detail view's list); the count has them all."""


class Sources:
    def __init__(self, config: Config, forge: Forge | None = None) -> None:
        self.config = config
        self._forge = forge
        self.web = JsonWeb()

    @property
    def forge(self) -> Forge:
        if self._forge is None:
            from cockpit.forge.factory import open_forge

            self._forge = open_forge(self.config)
        return self._forge

    def forge_budget(self) -> tuple[int | None, int | None]:
        """The forge's rate budget left, and when it resets (epoch): GitHub's; None locally."""
        if self._forge is None:
            return None, None
        return getattr(self._forge, "rate_remaining", None), getattr(self._forge, "rate_reset", None)

    def values(self) -> dict[str, str]:
        r = self.config.release
        return {"version": r.version, "previous_version": r.previous_version or "", "name": r.name}

    async def close(self) -> None:
        await self.web.close()
        if self._forge is not None:
            await self._forge.close()

    async def read(self, metric: MetricConfig) -> Reading:
        try:
            return await _READERS[type(metric)](self, metric)
        except ForgeError as exc:
            problem = exc.problems[0]
            raise SourceError(problem.message, problem.fix or "", retry_after=exc.retry_after,
                              rate_limited="rate limit" in problem.message) from None
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            where = metric.asked() if isinstance(metric, HttpJson | CratesIo) else (
                "the forge" if isinstance(metric, ForgeDownloads | ForgeIssues) else metric.name)
            raise SourceError(f"{where} answered in a shape the cockpit does not know "
                              f"({type(exc).__name__}: {exc})",
                              "check the source (url, api_url, [forge]); if it is right, "
                              "report this as a cockpit bug") from None


async def _downloads(sources: Sources, metric: Any) -> Reading:
    assert isinstance(metric, ForgeDownloads)
    tag = None if metric.release == "all" else substitute(metric.release, sources.values())
    found = await sources.forge.download_counts(tag)
    if tag is not None and not found.releases:
        raise SourceError(f"no release tagged {tag} on {sources.forge.where} yet",
                          f"nothing to do until it is published: its downloads count from then; "
                          f"if it is, check release in the [[metrics]] table named "
                          f"{metric.name!r} ({metric.release!r}), version in [release] and "
                          "repository in [forge]", backoff=False)
    assets: dict[str, int] = {}
    for counts in found.releases.values():
        for name, count in counts.items():
            assets[name] = assets.get(name, 0) + count
    detail: dict[str, Any] = {"assets": assets, "release": tag or "all"}
    if tag is None:
        detail["releases"] = {t: sum(c.values()) for t, c in found.releases.items()}
    return Reading(float(sum(assets.values())), detail, found.etag, found.unchanged,
                   f"{sources.forge.where}: {tag or 'every release'}")


async def _issues(sources: Sources, metric: Any) -> Reading:
    assert isinstance(metric, ForgeIssues)
    since = None
    if metric.since_launch:
        since = utc_stamp(sources.config.release.launch_at)
    issues = await sources.forge.open_issue_list(since)
    wanted = set(metric.labels)
    counted = [i for i in issues if not wanted or wanted & set(i.labels)]
    detail = {"labels": {label: sum(label in i.labels for i in issues) for label in metric.labels},
              "issues": [{"number": i.number, "title": i.title, "labels": list(i.labels)}
                         for i in counted[:ISSUES_KEPT]]}
    what = ", ".join(metric.labels) or "every label"
    return Reading(float(len(counted)), detail,
                   source=f"{sources.forge.where}: open issues ({what})"
                          + (f" since {since}" if since else ""))


async def _crate(sources: Sources, metric: Any) -> Reading:
    assert isinstance(metric, CratesIo)
    version = substitute(metric.version, sources.values())
    url = f"{metric.api_url.rstrip('/')}/api/v1/crates/{quote(metric.crate)}/{quote(version)}"
    body, etag, unchanged = await sources.web.get(
        url, timeout=30, fix=f"check crate ({metric.crate}) and version ({version}) in the "
        f"[[metrics]] table named {metric.name!r}: a version not yet published is a 404")
    value = number(pick(body, "version.downloads", where=url, metric=metric.name),
                   where=url, metric=metric.name)
    return Reading(value, {"crate": metric.crate, "version": version}, etag, unchanged, url)


async def _command(sources: Sources, metric: Any) -> Reading:
    assert isinstance(metric, CommandMetric)
    return await read_command(metric, sources.values(), sources.config.base)


async def _http_json(sources: Sources, metric: Any) -> Reading:
    assert isinstance(metric, HttpJson)
    token = None
    if metric.token_env:
        token = os.environ.get(metric.token_env)
        if not token:
            raise SourceError(f"the environment variable {metric.token_env} is not set",
                              f"export {metric.token_env}=<the token> and restart the cockpit")
        register_secret(token)
    body, etag, unchanged = await sources.web.get(
        metric.url, timeout=metric.timeout, token=token,
        fix=f"check url in the [[metrics]] table named {metric.name!r}")
    value = number(pick(body, metric.field, where=metric.url, metric=metric.name),
                   where=metric.url, metric=metric.name)
    return Reading(value, {}, etag, unchanged, metric.url)


_READERS: dict[type, Callable[[Sources, Any], Awaitable[Reading]]] = {
    ForgeDownloads: _downloads, ForgeIssues: _issues, CratesIo: _crate,
    CommandMetric: _command, HttpJson: _http_json}
