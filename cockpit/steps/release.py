"""The step kinds that reach outside the machine: forge steps (releases and their assets)
and announcements (templates with live values, posted to webhooks or handed over by hand).
The engine runs them like any other step: journaled, confirmed, idempotent."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from cockpit.errors import CockpitError
from cockpit.forge import announce
from cockpit.forge import ops as f
from cockpit.params import placeholders, substitute
from cockpit.runbook.model import Step

if TYPE_CHECKING:
    from cockpit.engine.engine import Engine, Interaction


class ReleaseSteps:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def forge_done(self, step: Step, values: Mapping[str, str]) -> str:
        """Why a state-changing forge step has nothing to do ('' when it has, or when the
        forge cannot say: the step itself then reports it)."""
        e = self.engine
        tag = substitute(step.release_tag, values)
        try:
            forge = f.open_forge(e.config)
        except CockpitError:
            return ""
        try:
            release = await forge.release(tag)
            if release is None:
                return ""
            if step.action == "publish" and not release.draft:
                return f"release {tag} is already published"
            if step.action == "unpublish" and release.draft:
                return f"release {tag} is already a draft"
            if step.action == "latest" and (latest := await forge.latest()) is not None \
                    and latest.tag == tag:
                return f"{tag} is already the latest release"
            return ""
        except CockpitError:
            return ""
        finally:
            await forge.close()

    async def forge(self, step: Step, values: Mapping[str, str],
                    sink: Callable[[Sequence[str]], None], finish: Callable[..., str]) -> str:
        e = self.engine
        def say(line: str) -> None:
            sink([line])

        tag = substitute(step.release_tag, values)
        files = e.planner.dist_files(values)
        try:
            forge = f.open_forge(e.config)
        except CockpitError as exc:
            return finish("failed", str(exc))
        try:
            if step.action == "release":
                name = f"{e.config.release.name} {tag}"
                reason = values.get("reason", "")  # a hotfix says what it fixes
                body = f"Hotfix {tag}: {reason}" if reason else f"Release {tag}"
                release = await f.ensure_draft(forge, tag, name, body, say)
            elif step.action in {"upload", "verify", "publish"} and not files:
                return finish("failed", f"no artifacts for {tag} in the dist directory: "
                                        "run the build step first")
            elif step.action == "upload":
                release = await f.upload_all(forge, tag, files, say)
            elif step.action == "verify":
                release = await f.verify(forge, tag, files, say)
            elif step.action == "publish":
                release = await f.publish(forge, tag, files, say)
            elif step.action == "unpublish":
                release = await f.unpublish(forge, tag, say)
            elif step.action == "is-latest":
                release = await f.check_latest(forge, tag, say)
            else:
                release = await f.make_latest(forge, tag, say)
        except CockpitError as exc:
            return finish("failed", exc.problems[0].message + (
                f" (fix: {exc.problems[0].fix})" if exc.problems[0].fix else ""))
        finally:
            budget = getattr(forge, "rate_remaining", None)
            if budget is not None:
                say(f"GitHub API budget: {budget:,} requests left this hour")
            await forge.close()
        state = "draft" if release.draft else "published"
        return finish("ok", f"{tag}: {state}, {len(release.assets)} assets")

    async def announcement(self, step: Step, values: Mapping[str, str]) -> str:
        """The step's template filled with the run's values and live ones from the forge."""
        e = self.engine
        assert step.template is not None
        template = e.runbook.timeline.templates[step.template]
        live = dict(values)
        live.setdefault("name", e.config.release.name)
        if e.config.announce.install_url:
            live.setdefault("install_url", e.config.announce.install_url)
        wanted = placeholders(template) - live.keys()
        labels = e.config.forge.priority_labels
        issue_names = {"issues", *(f.value_name(label) for label in labels)}
        if (wanted & {"downloads", "release_url"} or (labels and wanted & issue_names)
                or step.needs_published):
            tag = substitute("v{version}", values) if "version" in values else ""
            source = f.open_forge(e.config)
            try:
                release = await source.release(tag) if tag else None
                if labels and wanted & issue_names:
                    for name, count in (await f.issue_values(source, labels)).items():
                        live.setdefault(name, count)
            finally:
                await source.close()
            published = release is not None and not release.draft
            if not published and (step.needs_published or (release and "release_url" in wanted)):
                what = "a draft" if release is not None else "not"
                raise announce.AnnounceError(
                    f"{tag} is {what} on the forge (not published yet, or rolled back): "
                    "announcing it would send people to a release they cannot download",
                    "publish it first (build-and-upload), or announce the version users get")
            if release is not None:
                live.setdefault("downloads", f"{release.downloads:,}")
                live.setdefault("release_url", release.url)
        return announce.render(template, live)

    async def announce(self, run_id: str, step: Step, values: Mapping[str, str],
                       interaction: Interaction, sink: Callable[[Sequence[str]], None],
                       finish: Callable[..., str]) -> str:
        e = self.engine
        assert step.channel is not None
        try:
            message = await self.announcement(step, values)
        except CockpitError as exc:
            return finish("failed", str(exc))
        # the same post is the same template with the same given values (live counts move:
        # an hourly update re-run within its hour is not a new post)
        assert step.template is not None
        given = {k: values[k] for k in sorted(placeholders(
            e.runbook.timeline.templates[step.template])) if k in values}
        digest = hashlib.sha256(json.dumps([step.channel, step.template, given]).encode()
                                ).hexdigest()[:16]
        earlier = [e for e in e.journal.events(kinds=["announcement"])
                   if e.data.get("digest") == digest and e.data.get("posted")]
        if earlier:
            when = earlier[-1].ts.astimezone(e.config.release.tz).strftime("%H:%M")
            return finish("skipped", f"already posted to {step.channel} at {when}")
        url = announce.webhook_url(step.channel, e.config.announce.webhooks)
        parts = announce.split(message)
        if url is None:
            env = e.config.announce.webhooks.get(step.channel)
            why = (f"${env} is not set" if env else
                   f"no webhook named {step.channel!r} in [announce] webhooks")
            answer = await interaction.manual(step.model_copy(update={
                "instructions": f"{message}\n\n— post this to {step.channel} by hand ({why}); "
                                "the full-screen cockpit also copies it to your clipboard where the "
                                "terminal allows (OSC 52; tmux needs set-clipboard on)"}))
            if answer is None:
                return finish("declined", "the operator stopped here")
            e._log("announcement", run_id, step.id, channel=step.channel,
                      template=step.template, digest=digest, posted=answer.done, by_hand=True,
                      chars=len(message), operator=e.operator)
            sink(message.splitlines())
            return finish("ok" if answer.done else "failed", answer.note or (
                "posted by hand" if answer.done else "not posted"))
        preview = (f"post to {step.channel} (webhook from "
                   f"${e.config.announce.webhooks[step.channel]}): {len(message)} characters"
                   f", {len(parts)} part(s)\n\n{message}")
        if not await e._confirm(run_id, step, preview, interaction):  # posts stay posted
            return finish("declined", "the operator declined")
        try:
            posted = await announce.post(url, message, lambda line: sink([line]))
        except CockpitError as exc:
            e._log("announcement", run_id, step.id, channel=step.channel,
                      template=step.template, digest=digest, posted=False,
                      error=exc.problems[0].message)
            return finish("failed", str(exc))
        e._log("announcement", run_id, step.id, channel=step.channel, template=step.template,
                  digest=digest, posted=True, parts=len(posted), chars=len(message),
                  message_ids=[p.message_id for p in posted], operator=e.operator)
        return finish("ok", f"posted to {step.channel} in {len(posted)} part(s)")
