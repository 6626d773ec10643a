"""`[[metrics]]` in cockpit.toml: the launch's numbers and where each is read from.

One table per metric, discriminated by `kind` (what every kind shares, its name, pace and
alert thresholds, is `cockpit.metricfields`); the poller (`cockpit.metrics.poller`) asks
each source every `every`. Secrets never live here: an http-json source names the
environment variable holding its token (`token_env`), never the token.
"""

from __future__ import annotations

import os
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from cockpit.errors import Problem
from cockpit.metricfields import HttpUrl, MetricBase, Template, bad
from cockpit.params import check_words
from cockpit.tomlsource import Positive, field_error

KINDS = ("forge-downloads", "forge-issues", "crates-io", "command", "http-json")
_ENV = re.compile(r"[A-Z_][A-Z0-9_]*")


class ForgeDownloads(MetricBase):
    kind: Literal["forge-downloads"]
    release: Template = "v{version}"
    """The release's tag ("v{version}", the default), or "all": every release's assets."""


class ForgeIssues(MetricBase):
    kind: Literal["forge-issues"]
    labels: list[str] = Field(default_factory=list)
    """Open issues with any of these labels (e.g. ["P0"]); none: every open issue."""
    since_launch: bool = False
    """Only issues opened since T-0."""


class CratesIo(MetricBase):
    kind: Literal["crates-io"]
    crate: str = Field(min_length=1)
    version: Template = "{version}"
    api_url: HttpUrl = "https://crates.io"
    """crates.io itself; another URL for tests or a mirror."""


class CommandMetric(MetricBase):
    kind: Literal["command"]
    run: Template = Field(min_length=1)
    """A command printing a number (or JSON, with `field`). Words are split first, then
    {values} substituted, as every step's command is."""
    shell: bool = False
    """Run `run` through /bin/sh; every {value} reaches it in an environment variable."""
    field: str | None = None
    """A dotted path into the JSON it prints (e.g. "data.total" or "items.0.count")."""
    timeout: Positive = 30.0
    """Seconds before the command's process group is killed and the metric marked stale."""

    @model_validator(mode="after")
    def _words(self) -> CommandMetric:
        if not self.shell:
            check_words("run", self.run)
        return self


class HttpJson(MetricBase):
    kind: Literal["http-json"]
    url: HttpUrl
    field: str | None = None
    """A dotted path into the JSON answer (e.g. "data.active_users"); none: the answer is a number."""
    token_env: str | None = None
    """The NAME of an environment variable holding a bearer token (never the token)."""
    timeout: Positive = 30.0

    @field_validator("token_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV.fullmatch(value):
            raise bad("this is not the name of an environment variable",
                       "name one (e.g. METRICS_TOKEN) and export the token in it: secrets "
                       "never live in cockpit.toml", secret=True)
        return value

    def asked(self) -> str:
        return self.url


MetricConfig = Annotated[ForgeDownloads | ForgeIssues | CratesIo | CommandMetric | HttpJson,
                         Field(discriminator="kind")]


def _unique(metrics: list[MetricConfig]) -> list[MetricConfig]:
    seen: set[str] = set()
    for i, metric in enumerate(metrics):
        if metric.name in seen:
            raise field_error(f"{i}.name", f"a second metric named {metric.name!r}",
                              fix="give every [[metrics]] its own name")
        seen.add(metric.name)
    return metrics


Metrics = Annotated[list[MetricConfig], AfterValidator(_unique)]


def metric_problems(metrics: list[MetricConfig]) -> list[Problem]:
    """What `cockpit check` says about the metrics beyond their shape: a token variable that
    is not set in this environment."""
    problems = []
    for i, metric in enumerate(metrics):
        if isinstance(metric, HttpJson) and metric.token_env and not os.environ.get(metric.token_env):
            problems.append(Problem(
                f"metric {metric.name!r}: the environment variable {metric.token_env} is not set",
                field=f"metrics.{i}.token_env",
                fix=f"export {metric.token_env}=<the token> before starting the cockpit"))
    return problems
