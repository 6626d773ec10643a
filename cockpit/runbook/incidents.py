"""Incident command's rules, as runbook data (`[incidents]` in runbook.toml): severities with
their definitions, the phases of a P0 with their deadlines, the scenarios with their own fix
deadlines, how often an update is due while an incident is open, and when the post-mortem is.

Nothing here is code's opinion: the runbook says "identify within 5 minutes of the report",
"fix within 1-4 hours", "status updates every 30 minutes"; these models hold that.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Severity(_Model):
    name: str = Field(pattern=r"^P[0-9]$")
    title: str
    definition: str
    fix_within: int | None = Field(default=None, ge=1)
    """Minutes from the report to the fix (None: the next release)."""


class Phase(_Model):
    """A phase of an incident; its deadline is `within` minutes after its clock starts:
    `from = "report"` (the report's time) or `"entered"` (when the phase began)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    title: str
    within: int | None = Field(default=None, ge=0)
    """Minutes to finish it (None: no deadline); 0 = immediately."""
    start: Literal["report", "entered"] = Field(default="report", alias="from")
    fix: bool = False
    """Its deadline is the scenario's (else the severity's) fix deadline."""
    hint: str = ""
    status: str = ""
    """What a status update says while it is in this phase ("INVESTIGATING", "FIXING")."""


class Scenario(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    title: str
    fix_within: int = Field(ge=1)
    """Minutes from the report to the fix, for this scenario."""
    now: str = ""
    """What to do at once (disable telemetry, roll back)."""
    playbook: str | None = None
    """The playbook its fix usually takes (hotfix, rollback)."""


class Incidents(_Model):
    update_every: int = Field(default=30, ge=1)
    """Minutes between status updates while an incident is open."""
    update_template: str = "p0_update"
    resolved_template: str = "p0_resolved"
    alert_template: str = "p0_alert"
    postmortem_within: int = Field(default=48 * 60, ge=1)
    """Minutes after the resolution by which the post-mortem is held."""
    amber: float = Field(default=0.2, gt=0, lt=1)
    """A clock turns amber when less than this share of its window is left."""
    severities: list[Severity] = Field(default_factory=list)
    phases: list[Phase] = Field(default_factory=list)
    scenarios: list[Scenario] = Field(default_factory=list)
    decisions: list[str] = Field(default_factory=lambda: [
        "hotfix", "configuration change", "rollback", "disabled feature"])
    paced: list[str] = Field(default_factory=lambda: ["P0"])
    """The severities the phases' windows and the update cadence govern (the runbook's "P0
    Incident Response"); an incident of another severity keeps only its fix deadline."""

    @model_validator(mode="after")
    def _unique(self) -> Incidents:
        for what, names in (("severity", [s.name for s in self.severities]),
                            ("phase", [p.id for p in self.phases]),
                            ("scenario", [s.id for s in self.scenarios])):
            doubled = sorted({n for n in names if names.count(n) > 1})
            if doubled:
                raise ValueError(f"{what} {doubled[0]!r} is defined twice")
        unknown = [name for name in self.paced if not self.severity(name)]
        if unknown and "paced" in self.model_fields_set:  # the default names P0: not checked
            raise ValueError(f"paced: severity {unknown[0]!r} is not defined (define it in "
                             "[[incidents.severities]], or pace only those defined)")
        return self

    def paces(self, severity: str) -> bool:
        """Whether the phases' windows and the update cadence hold an incident of this
        severity to them (a P2 is not identified within 5 minutes, nor updated every 30)."""
        return severity in self.paced

    def severity(self, name: str) -> Severity | None:
        return next((s for s in self.severities if s.name == name), None)

    def scenario(self, name: str) -> Scenario | None:
        return next((s for s in self.scenarios if s.id == name), None)

    def phase(self, name: str) -> Phase | None:
        return next((p for p in self.phases if p.id == name), None)

    def phase_index(self, name: str) -> int:
        return next((i for i, p in enumerate(self.phases) if p.id == name), -1)

    def fix_within(self, severity: str, scenario: str | None) -> int | None:
        found = self.scenario(scenario) if scenario else None
        if found is not None:
            return found.fix_within
        level = self.severity(severity)
        return level.fix_within if level is not None else None
