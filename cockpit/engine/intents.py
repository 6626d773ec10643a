"""Exactly once across a crash: an effect outside the journal (a post, a push, an upload, a
publish) is journaled as an intent before it is done and settled after. An intent a crash left
without an outcome is verified where the far side can say, and otherwise the operator is asked
("was this posted?", showing it); it is never repeated blindly."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import tzinfo
from typing import Literal

from cockpit.clock import local_time
from cockpit.journal.events import Intent, IntentSettled, StepStatus
from cockpit.journal.row import Event
from cockpit.journal.store import Journal
from cockpit.steps.base import Outcome, PlanContext, StepBase, StepContext, preview
from cockpit.steps.questions import Interaction, Manual

Verify = Callable[[], Awaitable[bool | None]]
"""Asks the far side whether the effect happened: True done, False not done, None cannot say."""
Go = Literal["go", "done", "stop"]
"""go: do it now (the intent is journaled); done: an earlier attempt did it; stop: the operator
stopped the run instead of answering."""


def scope(playbook: str, params: Iterable[str], values: Mapping[str, str]) -> str:
    """A run's scope for its effects' keys: the playbook and the run's parameters."""
    given = json.dumps({k: values.get(k, "") for k in sorted(params)})
    return f"{playbook}:{hashlib.sha256(given.encode()).hexdigest()[:12]}"


def key(step: StepBase, values: Mapping[str, str], scope: str) -> str | None:
    """The idempotency key of a step's command that reaches beyond this machine, if it does."""
    own = step.effect_key(values)
    return f"run:{scope}:{own}" if own else None


def newest(journal: Journal, key: str) -> tuple[Event | None, IntentSettled | None]:
    """The newest intent with this key and how it was settled (None: it has no outcome: a
    crash came in between)."""
    found: Event | None = None
    settled: IntentSettled | None = None
    for event in journal.events(kinds=[Intent.KIND, IntentSettled.KIND]):
        payload = event.payload
        if isinstance(payload, Intent) and payload.key == key:
            found, settled = event, None
        elif isinstance(payload, IntentSettled) and payload.key == key:
            settled = payload
    return found, settled


def unsettled(journal: Journal, key: str) -> Event | None:
    """The newest intent with this key if it has no outcome."""
    found, settled = newest(journal, key)
    return found if settled is None else None


def open_intents(journal: Journal, run_id: str) -> list[Event]:
    """The run's intents that have no outcome."""
    open_: dict[str, Event] = {}
    for event in journal.events(kinds=[Intent.KIND, IntentSettled.KIND]):
        payload = event.payload
        if isinstance(payload, Intent) and event.run_id == run_id:
            open_[payload.key] = event
        elif isinstance(payload, IntentSettled):
            open_.pop(payload.key, None)
    return list(open_.values())


async def earlier(journal: Journal, log: Callable[[IntentSettled], Event],
                  interaction: Interaction, *, step: str, title: str, key: str, shown: str,
                  tz: tzinfo, verify: Verify | None = None, done_within: str | None = None
                  ) -> Go:
    """Before the effect `key` (and before asking to do it): settle what an earlier, interrupted
    attempt left. `verify` asks the far side; without one (or when it cannot say) a person is
    asked, and nobody there to answer stops the run (`Unattended`), as a question should.
    "go": nothing open, or it had not happened; the caller journals its intent (`Intent`)
    right before the effect. An intent settled done (in run `done_within`, if given) is
    "done": a crash between the effect's outcome and the step's end does not repeat it."""
    found, settled = newest(journal, key)
    if found is not None and settled is not None and settled.done and (
            done_within is None or found.run_id == done_within):
        return "done"  # done, and the crash came before the step could say so
    if found is None or settled is not None:
        return "go"
    verdict = await verify() if verify is not None else None
    how = "verified: " + ("it happened" if verdict else "it had not happened")
    if verdict is None:
        when = local_time(found.ts, tz, "%H:%M", zone=True)
        answer = await interaction.manual(Manual(
            step, title,
            f"An earlier attempt (run {found.run_id}, {when}) ended without knowing whether "
            "this happened (the cockpit was cut off, or it timed out or answered unexpectedly), "
            f"and it cannot be checked from here:\n\n{shown}\n\n"
            "Look where it goes. Done: it happened, and it is not done again. Not done: it "
            "did not happen, and it is done now.", clipboard=shown,
            heading="Did it happen"))
        if answer is None:
            return "stop"
        verdict = answer.done
        how = "the operator said it " + ("happened" if verdict else "did not happen") + (
            f": {answer.note}" if answer.note else "")
    log(IntentSettled(key=key, done=verdict, how=how))
    return "done" if verdict else "go"


async def _not_done() -> bool:
    return False  # the step's probe (skip_if) ran just before and said it is not done


def _probe_says(exit_code: int | None) -> bool:
    """Whether a probe's failure says "not done" (1, 2: not there), or only that it could not
    look (no answer in time, a program missing, git's fatal 128, a signal)."""
    return exit_code is not None and 0 < exit_code < 126


async def earlier_attempt(ctx: StepContext, step: StepBase, key: str, plan: PlanContext,
                          probe: int | None) -> Outcome | None:
    """For a step's command that reaches beyond this machine: an attempt a crash cut off (or
    settled done in this run before its step could end) is verified by the step's probe,
    which just failed (`probe`: its exit code), or asked about. None: go on."""
    go = await ctx.earlier(key, preview(step, plan, probe=False),
                           verify=_not_done if _probe_says(probe) else None, this_run=True)
    if go == "done":
        return Outcome(StepStatus.SKIPPED, "done by an earlier attempt that was cut off: not "
                                           "run again")
    return Outcome(StepStatus.DECLINED, "the operator stopped here") if go == "stop" else None


async def effect(ctx: StepContext, step: StepBase, key: str) -> Outcome:
    """Run the step's command between its intent and its outcome, both journaled."""
    ctx.intend(key, f"run `{step.command_line(ctx.values)}`")
    outcome = await step.execute(ctx)
    # a command that failed says it did not do it; a timeout, or the right exit code with the
    # wrong output, may have done it: left open, asked about next time
    if outcome.status == StepStatus.OK or (outcome.status == StepStatus.FAILED
                                           and outcome.exit_code not in (None, 0)):
        ctx.settle(key, outcome.status == StepStatus.OK, outcome.message or outcome.status)
    return outcome
