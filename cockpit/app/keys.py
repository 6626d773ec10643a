"""The app's keys, on every mode: the modes, the emergencies, answering, help and quit."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from cockpit.state.incidents import DECLARE_KEY
from cockpit.state.updates import UPDATE_KEY

BINDINGS: list[BindingType] = [
    Binding("t", "switch_mode('timeline')", "Timeline", id="mode-timeline",
            tooltip="The runbook on its timeline"),
    Binding("b", "switch_mode('builds')", "Builds", id="mode-builds",
            tooltip="The build matrix: targets by stages, live logs"),
    Binding("m", "switch_mode('metrics')", "Metrics", id="mode-metrics",
            tooltip="The launch's numbers against the runbook's targets", show=False),
    # not in the footer: at 160 columns it would push the timeline's footer into its compact
    # form (help, `?`, and the palette list it)
    Binding("H", "emergency('hotfix')", "Hotfix", id="hotfix",
            tooltip="Start a hotfix: parameters, the whole plan, then your yes"),
    Binding("R", "emergency('rollback')", "Rollback", id="rollback",
            tooltip="Start a rollback: parameters, the whole plan, then your yes"),
    Binding("exclamation_mark", "switch_mode('incidents')", "Incidents", id="mode-incidents",
            tooltip="Incident command: each incident's phase clocks, roles, updates, notes",
            show=False),  # the header's badge names it while one is open
    Binding(DECLARE_KEY, "declare_incident", "Incident", id="declare-incident",
            tooltip="Declare an incident: title, severity, scenario, who reported it and "
            "when (its clocks start at the report); the alert banner offers it",
            show=False),  # the alert banner names it; at 160 columns the footer is full
    Binding(UPDATE_KEY, "post_update", "Update", id="update",
            tooltip="Post the update due now (the header counts down to it): its values, "
            "the message, then your yes", show=False),  # the header names it when due
    Binding("w", "answer_waiting", "Answer", id="answer",
            tooltip="Open the question a run waits on (the one waiting longest)"),
    Binding("question_mark,f1", "help", "Help", id="help", tooltip="Every key, live"),
    Binding("q", "quit_cockpit", "Quit", id="quit",
            tooltip="Quit (asks first while a playbook runs)"),
    Binding("N", "notifications", "Alerts", id="notifications",
            tooltip="Every notification so far, with its time"),
]
