"""Incident command's flows: declare one (`I`, any screen), move it to its next phase, name its
roles, write a note, resolve it (the incident screen's keys). Each asks what it needs through
the one-dialog-at-a-time `ask`, then journals through `cockpit.engine.incidents`, whose checks
say what is wrong in the dialog itself; nothing is journaled until it is right."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from cockpit.app.host import Host
from cockpit.clock import local_time
from cockpit.engine import incidents as cmd
from cockpit.errors import CockpitError
from cockpit.journal.store import operator_id
from cockpit.metrics.alerts import alert_issue, alerts
from cockpit.params import ParamSpec
from cockpit.redact import redact
from cockpit.state import incident_update as update
from cockpit.state.incidents import POSTMORTEM, RESOLVED, ROLES, next_update
from screens.incidents import IncidentsScreen
from screens.modals import ConfirmModal, ParamsModal

FREE = ParamSpec(type="string", required=False)


def _spec(description: str, *, required: bool = True) -> ParamSpec:
    return ParamSpec(type="string", description=description, required=required)


def _problems(check: Callable[[], object]) -> list[str]:
    """What is wrong, named as the dialog names its fields (the commands name the flags)."""
    try:
        check()
    except CockpitError as exc:
        return [f"{(p.field or '').lstrip('-').replace('-', '_')}: {p.message}"
                + (f" ({p.fix})" if p.fix else "") for p in exc.problems]
    return []


class IncidentHost(Host):
    """Mixed into the app: its `I` and the incident screen's messages."""

    _reminded: set[tuple[str, datetime]]

    async def on_mount(self) -> None:  # beside the app's own (Textual calls each class's)
        self._reminded = set()
        if self.journal.writable:
            self.set_interval(5, self._remind)

    def _remind(self) -> None:
        """An open incident's update that fell due: said once, loudly (the badge stays red)."""
        rules, now = self.runbook.timeline.incidents, self.clock.now()
        for found in self.state.incidents.open():
            due = next_update(found, rules)
            if due is not None and due <= now and (found.id, due) not in self._reminded:
                self._reminded.add((found.id, due))
                self.notify(f"its status update is due (every {rules.update_every} minutes): "
                            "u posts it", title=f"incident #{found.id}: update due",
                            severity="error", timeout=15)

    def action_declare_incident(self) -> None:
        self.run_worker(self._declare(), group="flow", exit_on_error=False)

    async def _declare(self) -> None:
        rules, tz = self.runbook.timeline.incidents, self.config.release.tz
        now = self.clock.now()
        specs = {
            "title": _spec("What is broken, in one line"),
            "severity": _spec("\n" + "\n".join(f"{s.name}: {s.definition}" for s in rules.severities)),
            "scenario": _spec(", ".join(s.id for s in rules.scenarios) + " (empty: other)",
                              required=False),
            "reporter": _spec("Who reported it, where (Discord, GitHub, monitoring)",
                              required=False),
            "reported_at": _spec("When it was reported, HH:MM in the release's zone (or ISO "
                                 "8601): the clocks start there"),
        }

        def check(values: dict[str, str]) -> object:
            return self._record(values, now, dry=True)

        async def validate(values: dict[str, str]) -> list[str]:
            return _problems(lambda: check(values))

        values = await self.ask(ParamsModal("Declare an incident", specs, {
            "severity": "P0", "reported_at": local_time(now, tz, "%H:%M"),
            **self._from_alert()}, validate))
        if values is None:
            return
        try:
            incident = self._record(values, now)
        except CockpitError as exc:
            self.notify(str(exc), severity="error")
            return
        self.poll_journal()
        self.switch_mode("incidents")
        for screen in self.mode_screens():  # the new one, not the one selected before
            if isinstance(screen, IncidentsScreen):
                screen.select(incident)
        self.notify(f"incident #{incident} declared: its clocks run from the report",
                    title=values["title"])

    def _from_alert(self) -> dict[str, str]:
        """While the banner offers I (an alert, no incident open): the issue behind it, its
        title and where it was reported, filled in."""
        if self.state.incidents.open():
            return {}
        raised = alerts(self.runbook.timeline.targets, self.config.metrics, self.metrics)
        issue = alert_issue(raised, self.metrics)
        if issue is None:
            return {}
        return {"title": str(issue["title"]),
                "reporter": f"issue #{issue['number']} on the forge" if issue.get("number")
                else ""}

    def _record(self, values: dict[str, str], now: datetime, *, dry: bool = False) -> str:
        """Declare it (`dry`: only check what was given)."""
        reported = cmd.reported_time(values.get("reported_at"), now, self.config.release.tz,
                                     yesterday=True)  # 23:58 said at 00:03: yesterday's
        return cmd.declare(self.journal, self.runbook.timeline.incidents,
                           self.state.incidents, title=values.get("title", ""),
                           severity=values.get("severity", "").strip(),
                           scenario=values.get("scenario", "").strip(),
                           reporter=values.get("reporter", "").strip(), reported_at=reported,
                           operator=operator_id(), dry=dry)

    def on_incidents_screen_act(self, message: IncidentsScreen.Act) -> None:
        self.run_worker(self._act(message.action, message.incident, message.text),
                        group="flow", exit_on_error=False)

    async def _act(self, action: str, incident: str, text: str) -> None:
        if not incident and action in {"hotfix", "rollback"}:  # none selected: not linked
            self.switch_mode("timeline")
            self.start_playbook(action, show_plan=True)
            return
        if incident not in self.state.incidents.by_id:
            return
        try:
            if action == "note":
                late = cmd.note(self.journal, self.state.incidents, incident, text,
                                operator=operator_id())
                self.notify("note recorded" + (" (after the resolution: marked late)"
                                               if late else ""), timeout=3)
            elif action == "next":
                await self._next(incident)
            elif action == "roles":
                await self._roles(incident)
            elif action == "resolve":
                await self._resolve(incident)
            elif action == "report":
                await self._report(incident)
            elif action == "post" and found_open(self, incident):
                self._post(incident)
            elif action in {"hotfix", "rollback"}:
                self._emergency(action, incident)
        except CockpitError as exc:
            self.notify(str(exc), severity="error", title=f"incident #{incident}")
        self.poll_journal()

    async def _next(self, incident: str) -> None:
        rules = self.runbook.timeline.incidents
        found = self.state.incidents.by_id[incident]
        phase = cmd.next_phase(rules, found)
        if found.phase == RESOLVED:  # what is left: the post-mortem
            if await self.ask(ConfirmModal(
                    f"Incident #{incident}: post-mortem held?", "Marks the blameless "
                    "post-mortem held (journaled with your name): done on the timeline.",
                    confirm_label="Held (y)")):
                cmd.move(self.journal, rules, self.state.incidents, incident, POSTMORTEM,
                         operator=operator_id())
            return
        if phase is None:
            self.notify("the last phase: resolve it (z) with its decision", timeout=5)
            return
        step = rules.phase(phase)
        assert step is not None
        at = local_time(self.clock.now(), self.config.release.tz, "%H:%M")
        yes = await self.ask(ConfirmModal(
            f"Incident #{incident}: move to {step.title}?",
            f"{found.phase} is done now ({at}), journaled with your name.\n\nNext: "
            f"{step.hint}", confirm_label="Move on (y)"))
        if yes:
            cmd.move(self.journal, rules, self.state.incidents, incident, phase,
                     operator=operator_id())

    async def _roles(self, incident: str) -> None:
        found = self.state.incidents.by_id[incident]
        specs = {role: _spec(f"who is the {role}") for role in ROLES}
        values = await self.ask(ParamsModal(f"Incident #{incident}: roles", specs,
                                            {r: found.role(r) for r in ROLES},
                                            _no_problems))
        for role, name in (values or {}).items():
            if name.strip() and name.strip() != found.role(role):
                cmd.assign(self.journal, self.state.incidents, incident, role, name,
                           operator=operator_id())

    async def _resolve(self, incident: str) -> None:
        rules = self.runbook.timeline.incidents
        specs = {"decision": _spec(" | ".join(rules.decisions)),
                 "root_cause": _spec("Root cause", required=False),
                 "fix": _spec("What was done", required=False),
                 "impact": _spec("How many users were affected", required=False),
                 "prevention": _spec("What prevents it next time", required=False)}

        def record(values: dict[str, str], *, dry: bool = False) -> None:
            cmd.resolve(self.journal, rules, self.state.incidents, incident,
                        decision=values.get("decision", "").strip(), operator=operator_id(),
                        root_cause=values.get("root_cause", ""), fix=values.get("fix", ""),
                        impact=values.get("impact", ""),
                        prevention=values.get("prevention", ""), dry=dry)

        async def validate(values: dict[str, str]) -> list[str]:
            return _problems(lambda: record(values, dry=True))

        values = await self.ask(ParamsModal(f"Resolve incident #{incident}", specs, {},
                                            validate))
        if values is not None:
            record(values)
            self.notify(f"incident #{incident} resolved: the post-mortem is due within "
                        f"{rules.postmortem_within // 60} hours", timeout=8)
            self.start_playbook("incident-resolved", given={  # its post, from the resolution
                "description": self.state.incidents.by_id[incident].title, "incident": incident,
                "cause": values.get("root_cause", ""), "fix": values.get("fix", ""),
                "impact": values.get("impact", ""), "prevention": values.get("prevention", "")},
                incident=incident, at_once=True)


    async def _report(self, incident: str) -> None:
        """The post-incident report: written next to the journal (`incident-ID.md`), shown."""
        from cockpit.state.incident_report import to_markdown

        found = self.state.incidents.by_id[incident]
        text = redact(to_markdown(found, self.state, self.runbook.timeline.incidents,
                                  self.clock.now(), self.config.release.tz))
        path = self.config.journal_path.parent / f"incident-{incident}.md"
        if not self.journal.writable:  # a spectator writes nothing beside the journal
            where = f"`cockpit incident report {incident} -o FILE` writes it."
        else:
            try:
                await asyncio.to_thread(path.write_text, text)
                where = f"Written to {path}."
            except OSError as exc:
                where = f"Not written to {path}: {exc.strerror}."
        await self.ask(ConfirmModal(f"Incident #{incident}: the report", f"{where}\n\n{text}",
                                    confirm_label="Close", cancel_label=None))

    def post_incident_update(self) -> bool:
        """`u`: the post an open P0 (a paced severity) is due first, if one is: its alert
        (nothing posted yet) or its status update (every `update_every` minutes)."""
        rules, now = self.runbook.timeline.incidents, self.clock.now()
        for found in self.state.incidents.open():
            due = next_update(found, rules)
            if not rules.paces(found.severity) or (found.updates and (due is None or due > now)):
                continue
            self.switch_mode("incidents")
            self._post(found.id)
            return True
        return False

    def _post(self, incident: str) -> None:
        """The incident's next post, now: its alert if none went out yet, else a status
        update (its phase as the status, its commander as the owner, its phase's deadline as
        the ETA, its timeline since the last post as what changed: all editable)."""
        rules, found = self.runbook.timeline.incidents, self.state.incidents.by_id[incident]
        phase = rules.phase(found.phase)
        given = {"description": found.title, "owner": found.role("commander"),
                 "incident": found.id}
        if found.updates:
            given["update"] = str(len(found.updates))  # the alert was the first post
            given["status"] = (phase.status or phase.title.upper()) if phase else (
                found.phase.upper())
            given["eta"] = update.eta(found, rules, self.clock.now(), self.config.release.tz)
            given["changed"] = update.changed(found, self.state)
        self.start_playbook("incident-update" if found.updates else "incident-alert",
                            given=given, incident=found.id, at_once=True)

    def _emergency(self, name: str, incident: str) -> None:
        """H / R from the incident: the run is linked to it (its timeline shows it) and its
        reason is the incident's title; the operator keeps the incident's screen."""
        found = self.state.incidents.by_id[incident]
        playbook = self.runbook.playbooks.get(name)
        if playbook is None:
            self.notify(f"no {name} playbook in the runbook", severity="error")
            return
        given = {"reason": found.title} if "reason" in playbook.params else {}
        # the incident screen stays: its run shows there, its questions come with w anywhere
        self.start_playbook(name, given=given, show_plan=True, incident=incident)


def found_open(app: Host, incident: str) -> bool:
    found = app.state.incidents.by_id[incident]
    if not found.open:
        app.notify(f"incident #{incident} is resolved: nothing more to post", timeout=5)
    return found.open


async def _no_problems(_: dict[str, str]) -> list[str]:
    await asyncio.sleep(0)
    return []
