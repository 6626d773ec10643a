"""Forge steps: an idempotent operation on the release of `tag` (draft it, upload and verify
its assets, publish only once every asset is verified, unpublish, make it the latest)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Literal

from cockpit.builds.naming import dist_files
from cockpit.errors import CockpitError
from cockpit.forge.model import Forge, Release, is_prerelease
from cockpit.journal.events import StepStatus
from cockpit.params import substitute
from cockpit.steps.base import Outcome, PlanContext, StepBase, StepContext

CHANGES = frozenset({"release", "upload", "publish", "unpublish", "latest"})
"""Actions that change the forge: each journals its intent first."""
Action = Literal["release", "upload", "verify", "publish", "unpublish", "latest", "is-latest"]


class ForgeStep(StepBase):
    kind: Literal["forge"]
    action: Action
    """release (find or create the draft), upload (every file of the dist directory not
    already there, then verify), verify, publish (only once every asset is verified),
    unpublish (back to a draft), latest (make it the latest release), is-latest (check that
    it is: what install scripts that fetch the latest release will get)."""
    tag: str = "v{version}"
    """The release's tag."""


    def reaches_out(self) -> bool:
        return self.action in {"publish", "unpublish", "latest"}  # what users get changes
    def own_templates(self) -> list[tuple[str, str | None]]:
        return [("tag", self.tag)]

    def _files(self, ctx: PlanContext | StepContext) -> list[Path]:
        version = ctx.values.get("version", ctx.config.release.version)
        return dist_files(ctx.config.for_version(version))

    def plan(self, ctx: PlanContext) -> list[str]:
        """The API calls the step makes (GitHub) or the files it touches (local)."""
        f = ctx.config.forge
        tag = substitute(self.tag, ctx.values)
        files = ", ".join(p.name for p in self._files(ctx)) or (
            "the build's files (none in the dist directory yet)")
        pre = is_prerelease(tag)  # a prerelease is published but never made the latest
        if f.kind == "github":
            base = f"{f.api_url.rstrip('/')}/repos/{f.repository}"
            find = f"GET {base}/releases (find {tag}, drafts included)"
            create = f"if missing: POST {base}/releases draft=true tag_name={tag}"
            send = ("delete any starter/same-name asset and POST it to the release's upload_url "
                    "(retried on 5xx and timeouts)")
            publish = (f"PATCH {base}/releases/<id> draft=false make_latest="
                       f"{'false (a prerelease)' if pre else 'true'}")
            draft = f"PATCH {base}/releases/<id> draft=true"
            latest = f"GET {base}/releases/latest"
            make_latest = f"PATCH {base}/releases/<id of {tag}> make_latest=true"
        else:
            base = str(ctx.config.local_forge)
            find = f"read {base}/{tag}/release.json"
            create = f"if missing: create the draft {base}/{tag}/"
            send = f"copy it into {base}/{tag}/"
            publish = (f"mark {tag} published in {base}" + (
                " (a prerelease: not made the latest)" if pre else f", and write it to {base}/LATEST"))
            draft = f"mark {tag} a draft in {base}"
            latest = f"read {base}/LATEST"
            make_latest = f"write {tag} to {base}/LATEST"
        calls = {
            "release": [find, create],
            "upload": [find, f"for each of {files}: skip if uploaded with the same size, else "
                       + send, "then verify every asset"],
            "verify": [find, f"check {files}: state uploaded, sizes match the files"],
            "publish": [find, "verify every asset, then " + publish],
            "unpublish": [find, draft],
            "latest": [latest, make_latest],
            "is-latest": [latest, f"check it is {tag}"],
        }
        return calls[self.action]

    async def already_done(self, ctx: StepContext) -> str:
        """Nothing to confirm when the forge is already there ('' when it is not, or when the
        forge cannot say: the step itself then reports it)."""
        from cockpit.forge.factory import open_forge

        tag = substitute(self.tag, ctx.values)
        try:
            forge = open_forge(ctx.config)
        except CockpitError:
            return ""
        try:
            release = await forge.release(tag)
            if release is None:
                return ""
            if self.action == "publish" and not release.draft:
                return f"release {tag} is already published"
            if self.action == "unpublish" and release.draft:
                return f"release {tag} is already a draft"
            if self.action == "latest" and (latest := await forge.latest()) is not None \
                    and latest.tag == tag:
                return f"{tag} is already the latest release"
            return ""
        except CockpitError:
            return ""
        finally:
            await forge.close()

    @staticmethod
    async def _check(forge: Forge, action: str, tag: str, files: list[Path]) -> bool:
        """Whether the forge already shows the action done (what a crash may have left)."""
        release = await forge.release(tag)
        if action == "latest":
            latest = await forge.latest()
            return latest is not None and latest.tag == tag
        if release is None or action == "release":
            return release is not None
        if action == "upload":
            return all((a := release.asset(p.name)) is not None and a.state == "uploaded"
                       and p.is_file() and a.size == p.stat().st_size for p in files)
        return release.draft == (action == "unpublish")

    async def execute(self, ctx: StepContext) -> Outcome:
        from cockpit.forge import ops
        from cockpit.forge.factory import open_forge

        def say(line: str) -> None:
            ctx.sink([line])

        tag = substitute(self.tag, ctx.values)
        files = self._files(ctx)
        try:
            forge = open_forge(ctx.config)
        except CockpitError as exc:
            return Outcome(StepStatus.FAILED, str(exc))
        reason = ctx.values.get("reason", "")  # a hotfix's release says what it fixes
        operations: dict[Action, Callable[[], Awaitable[Release]]] = {
            "release": lambda: ops.ensure_draft(
                forge, tag, f"{ctx.config.release.name} {tag}",
                f"Hotfix {tag}: {reason}" if reason else f"Release {tag}", say),
            "upload": lambda: ops.upload_all(forge, tag, files, say),
            "verify": lambda: ops.verify(forge, tag, files, say),
            "publish": lambda: ops.publish(forge, tag, files, say),
            "unpublish": lambda: ops.unpublish(forge, tag, say),
            "is-latest": lambda: ops.check_latest(forge, tag, say),
            "latest": lambda: ops.make_latest(forge, tag, say),
        }
        key = f"forge:{self.action}:{tag}" if self.action in CHANGES else ""
        try:
            if self.action in {"upload", "verify", "publish"} and not files:
                return Outcome(StepStatus.FAILED, f"no artifacts for {tag} in the dist "
                                                  "directory: run the build step first")
            if key:  # an attempt a crash cut off is verified on the forge, never redone blindly
                go = await ctx.earlier(key, f"{self.action} {tag} on {forge.where}",
                                       verify=lambda: self._check(forge, self.action, tag, files))
                if go == "stop":
                    return Outcome(StepStatus.DECLINED, "the operator stopped here")
                if go == "done":  # the forge has it: the step only reads it back
                    key = ""
                else:
                    ctx.intend(key, f"{self.action} {tag} on {forge.where}")
            release = await operations[self.action]()
            if key:
                ctx.settle(key, True, "done; the forge says so")
        except CockpitError as exc:
            return Outcome(StepStatus.FAILED, exc.problems[0].message + (
                f" (fix: {exc.problems[0].fix})" if exc.problems[0].fix else ""))
        finally:
            budget = getattr(forge, "rate_remaining", None)
            if budget is not None:
                say(f"GitHub API budget: {budget:,} requests left this hour")
            await forge.close()
        state = "draft" if release.draft else "published"
        return Outcome(StepStatus.OK, f"{tag}: {state}, {len(release.assets)} assets")
