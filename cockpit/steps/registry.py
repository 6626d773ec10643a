"""Every step kind, in one place: adding a kind is a module in this package and a line here.

`Step` is the discriminated union the runbook's playbooks validate against: pydantic picks the
model by `kind`, and a wrong `kind` is reported with the kinds there are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Union

from pydantic import Field

from cockpit.steps.announce import AnnounceStep
from cockpit.steps.base import StepBase
from cockpit.steps.build import BuildStep
from cockpit.steps.commit import CommitStep
from cockpit.steps.edit import EditStep
from cockpit.steps.forge import ForgeStep
from cockpit.steps.gate import GateStep
from cockpit.steps.manual import ManualStep
from cockpit.steps.shell import ShellStep

KINDS: tuple[type[StepBase], ...] = (ShellStep, ManualStep, GateStep, EditStep, BuildStep,
                                     ForgeStep, AnnounceStep, CommitStep)
KIND_NAMES = tuple(k.model_fields["kind"].annotation.__args__[0]  # type: ignore[union-attr]
                   for k in KINDS)
BY_NAME: dict[str, type[StepBase]] = dict(zip(KIND_NAMES, KINDS, strict=True))

if TYPE_CHECKING:
    Step = StepBase
else:
    Step = Annotated[Union[KINDS], Field(discriminator="kind")]  # noqa: UP007
