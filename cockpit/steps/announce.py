"""Announce steps: a runbook template filled with the run's values, the latest journaled
sample, read lately, of each metric named like a placeholder (`downloads`, `p0`,
`active_users`: issue 13's [[metrics]]), and live ones from the forge (downloads, the
release's URL, open issues by priority), posted to a webhook after the operator saw it, or
handed over to post by hand.
The same post is never made twice."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import ClassVar, Literal

from pydantic import Field

from cockpit.clock import local_time
from cockpit.config import Config
from cockpit.errors import CockpitError, Problem
from cockpit.forge import announce
from cockpit.journal.events import Announcement, MetricSample, StepStatus
from cockpit.journal.store import Journal
from cockpit.metricfields import MetricBase, fresh_for
from cockpit.params import placeholders, prose, substitute
from cockpit.steps.base import Asks, Outcome, PlanContext, StepBase, StepContext
from cockpit.steps.questions import Manual, Values


class AnnounceStep(StepBase):
    kind: Literal["announce"]
    template: str = Field(min_length=1)
    """The name of a template in runbook.toml's [templates]."""
    channel: str = Field(min_length=1)
    """A webhook name from [announce] webhooks in cockpit.toml; without a webhook the message
    is shown (and copied) for posting by hand."""
    needs_published: bool = False
    """Says v{version} is out, so it is refused unless that release is published."""

    confirms_itself: ClassVar[bool] = True  # it asks with the message it will post
    posts: ClassVar[bool] = True

    def template_problems(self, templates: Mapping[str, str]) -> list[Problem]:
        if self.template in templates:
            return []
        return [Problem(f"step {self.id!r} uses template {self.template!r}, which runbook.toml "
                        "does not define", field=f"steps.{self.id}.template",
                        fix="known templates: " + ", ".join(sorted(templates)))]

    def reaches_out(self) -> bool:
        return True  # posts stay posted

    def uses(self) -> frozenset[str]:
        return frozenset()  # a post: the work tree is not touched

    def asks(self, plan: PlanContext) -> Asks:
        # with a webhook: a yes to the message; without: a person posts it by hand
        hooked = announce.webhook_url(self.channel, plan.config.announce.webhooks)
        return "confirm" if hooked else "answer"

    def plan(self, ctx: PlanContext) -> list[str]:
        hook = ctx.config.announce.webhooks.get(self.channel)
        how = f"webhook from ${hook}" if hook else "no webhook configured: shown to post by hand"
        return [f"post template {self.template!r} to {self.channel} ({how}), after showing the "
                "rendered message; live values (downloads) from the forge"]

    async def execute(self, ctx: StepContext) -> Outcome:
        template = ctx.templates[self.template]
        values = dict(ctx.values)
        try:
            samples = await asyncio.to_thread(latest_samples, ctx.journal, ctx.config.metrics)
            try:
                message = await self.message(template, ctx.config, values, samples)
            except announce.MissingValues as missing:  # no source has them: asked
                asked = await ctx.interaction.values(Values(
                    self.id, prose(self.title, ctx.values), missing.names,
                    "the cockpit has no source for " + ", ".join(missing.names)
                    + " (no recent sample of a metric of that name, nothing on the forge): give "
                    "them"))
                if asked is None:
                    return Outcome(StepStatus.DECLINED, "the operator stopped here")
                values.update(asked)
                message = await self.message(template, ctx.config, values, samples)
        except CockpitError as exc:
            return Outcome(StepStatus.FAILED, str(exc))
        # the same post is the same template with the same given values (live counts move:
        # an hourly update re-run within its hour is not a new post)
        given = {k: values[k] for k in sorted(placeholders(template)) if k in values}
        digest = hashlib.sha256(json.dumps([self.channel, self.template, given]).encode()
                                ).hexdigest()[:16]
        earlier = [e for e in ctx.journal.events(kinds=[Announcement.KIND])
                   if isinstance(e.payload, Announcement) and e.payload.digest == digest
                   and e.payload.posted]
        if earlier:
            when = local_time(earlier[-1].ts, ctx.config.release.tz, "%H:%M", zone=True)
            return Outcome(StepStatus.SKIPPED, f"already posted to {self.channel} at {when}")
        webhooks = ctx.config.announce.webhooks
        url = announce.webhook_url(self.channel, webhooks)
        if url is None:
            env = webhooks.get(self.channel)
            why = (f"${env} is not set" if env else
                   f"no webhook named {self.channel!r} in [announce] webhooks")
            answer = await ctx.interaction.manual(Manual(
                self.id, prose(self.title, ctx.values),
                f"{message}\n\n— post this to {self.channel} by hand ({why}); the full-screen "
                "cockpit also copies it to your clipboard where the terminal allows (OSC 52; "
                "tmux needs set-clipboard on)", clipboard=message))
            if answer is None:
                return Outcome(StepStatus.DECLINED, "the operator stopped here")
            ctx.log(Announcement(channel=self.channel, template=self.template, digest=digest,
                                 posted=answer.done, by_hand=True, chars=len(message),
                                 operator=ctx.operator))
            ctx.sink(message.splitlines())
            return Outcome(StepStatus.OK if answer.done else StepStatus.FAILED, answer.note or (
                "posted by hand" if answer.done else "not posted"))
        return await self._post(ctx, url, message, digest)

    async def _post(self, ctx: StepContext, url: str, message: str, digest: str) -> Outcome:
        """Post part by part, each between its intent and its outcome: after a crash, the parts
        that went out are not posted again, the one in flight is asked about, the rest go."""
        parts = announce.split(message)
        total = len(parts)
        keys = [f"post:{digest}" if total == 1 else f"post:{digest}:{i}/{total}"
                for i in range(1, total + 1)]
        sent: set[int] = set()
        for index, (key, part) in enumerate(zip(keys, parts, strict=True), 1):
            go = await ctx.earlier(key, part if total > 1 else message)
            if go == "stop":
                return Outcome(StepStatus.DECLINED, "the operator stopped here")
            if go == "done":
                sent.add(index)
        record = Announcement(channel=self.channel, template=self.template, digest=digest,
                              posted=True, chars=len(message), operator=ctx.operator)
        if len(sent) == total:  # an interrupted earlier attempt posted it: never twice
            ctx.log(record)
            return Outcome(StepStatus.SKIPPED, f"already posted to {self.channel} (by an earlier "
                                               "attempt that was cut off)")
        hook = ctx.config.announce.webhooks[self.channel]
        shown = (f"post to {self.channel} (webhook from ${hook}): {len(message)} characters, "
                 f"{total} part(s)" + (f"; parts {', '.join(map(str, sorted(sent)))} went out "
                                       "before: only the rest are posted" if sent else "")
                 + f"\n\n{message}")
        if not await ctx.confirm(shown, clipboard=message):  # posts stay posted
            return Outcome(StepStatus.DECLINED, "the operator declined")
        ids: list[str] = []
        todo = [i for i in range(1, total + 1) if i not in sent]
        async with announce.client() as client:
            for index in todo:
                key = keys[index - 1]
                ctx.intend(key, f"post {self.template!r} to {self.channel}"
                           + (f", part {index}/{total}" if total > 1 else ""))
                try:
                    done = await announce.post_part(client, url, parts[index - 1], index, total,
                                                    lambda line: ctx.sink([line]))
                except announce.AnnounceError as exc:
                    if not exc.maybe_posted:  # else it stays open: the next attempt asks
                        ctx.settle(key, False, exc.problems[0].message)
                    ctx.log(Announcement(channel=self.channel, template=self.template,
                                         digest=digest, posted=False,
                                         error=exc.problems[0].message))
                    return Outcome(StepStatus.FAILED, str(exc))
                ids.append(done.message_id)
                if index == todo[-1]:  # the record first: a crash after it finds it posted
                    ctx.log(Announcement(channel=self.channel, template=self.template,
                                         digest=digest, posted=True, parts=total,
                                         chars=len(message), message_ids=ids,
                                         operator=ctx.operator))
                ctx.settle(key, True, f"posted as message {done.message_id}" if done.message_id
                           else "posted")
        return Outcome(StepStatus.OK, f"posted to {self.channel} in {total} part(s)")

    async def message(self, template: str, config: Config, values: Mapping[str, str],
                      samples: Mapping[str, float] | None = None) -> str:
        """The template filled with the run's values, then the latest sample of each metric
        named like a placeholder, then live ones from the forge. What none of them has is
        refused (`announce.render`), never made up."""
        from cockpit.forge.factory import open_forge
        from cockpit.forge.model import value_name
        from cockpit.forge.ops import issue_values

        live = dict(values)
        for name in placeholders(template) - live.keys():
            if samples is not None and name in samples:
                live[name] = count_text(samples[name])
        live.setdefault("name", config.release.name)
        if config.announce.install_url:
            live.setdefault("install_url", config.announce.install_url)
        wanted = placeholders(template) - live.keys()
        labels = config.forge.priority_labels
        issue_names = {"issues", *(value_name(label) for label in labels)}
        if not (wanted & {"downloads", "release_url"} or (labels and wanted & issue_names)
                or self.needs_published):
            return announce.render(template, live)
        tag = substitute("v{version}", values) if "version" in values else ""
        source = open_forge(config)
        try:
            release = await source.release(tag) if tag else None
            if labels and wanted & issue_names:
                for name, count in (await issue_values(source, labels)).items():
                    live.setdefault(name, count)
        finally:
            await source.close()
        published = release is not None and not release.draft
        if not published and (self.needs_published or (release and "release_url" in wanted)):
            what = "a draft" if release is not None else "not"
            raise announce.AnnounceError(
                f"{tag} is {what} on the forge (not published yet, or rolled back): "
                "announcing it would send people to a release they cannot download",
                "publish it first (build-and-upload), or announce the version users get")
        if release is not None:
            live.setdefault("downloads", f"{release.downloads:,}")
            live.setdefault("release_url", release.url)
        return announce.render(template, live)


def latest_samples(journal: Journal, metrics: Sequence[MetricBase]) -> dict[str, float]:
    """The latest journaled value of each metric (`metric_sample` events), by name, while
    fresh by the journal's clock (`fresh_for` its interval; a metric no longer configured: no
    interval): a sample from before its source stopped answering, or from before the cockpit
    was last closed, is not what a post says now (asked instead, or taken from the forge)."""
    now, every = journal.clock.now(), {m.name: m.every for m in metrics}
    return {name: float(value) for name, (value, at)
            in journal.latest_values(MetricSample.KIND, "metric", "value").items()
            if isinstance(value, int | float)
            and now - at <= timedelta(seconds=fresh_for(every.get(name, 0)))}


def count_text(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,g}"
