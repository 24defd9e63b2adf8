"""What booking a case would create, computed without writing anything.

The confirmation step shows the scheduler the hold plan and the checklist before they
commit. Both come from the plan the booking then writes (`scheduling.replan.case_input` and
`procedures.plan.case_plan`), so what the page promises is what the booking writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from clinic.models import Patient, Provider, Room
from procedures import selectors as procedure_selectors
from procedures.models import ChecklistCondition, ProcedureType
from procedures.plan import PlannedHold, case_plan
from scheduling.availability import CaseSpan, case_span, local_date
from scheduling.replan import case_input, timing


@dataclass(frozen=True)
class ChecklistPreview:
    code: str
    label: str
    required: bool
    # Already satisfied at booking: a prior authorization on file that covers the date.
    done: bool = False
    value: str = ""


@dataclass(frozen=True)
class BookingPreview:
    patient: Patient
    procedure_type: ProcedureType
    region: str
    side: str
    provider: Provider
    room: Room
    sedation: bool
    span: CaseSpan
    holds: tuple[PlannedHold, ...]
    checklist: tuple[ChecklistPreview, ...]

    @property
    def start(self) -> dt.datetime:
        return self.span.start

    @property
    def end(self) -> dt.datetime:
        return self.span.end

    @property
    def day(self) -> dt.date:
        return local_date(self.span.start)

    @property
    def inr_on_the_day(self) -> bool:
        return any(h.instruction.inr_required for h in self.holds)

    @property
    def missed_holds(self) -> tuple[PlannedHold, ...]:
        """Holds whose last dose has already passed: booking would flag the case."""
        now, clock = timezone.now(), timing()
        return tuple(h for h in self.holds if h.missed(now, clock))


def preview_booking(
    *,
    patient: Patient,
    procedure_type: ProcedureType,
    region: str,
    side: str,
    provider: Provider,
    room: Room,
    start: dt.datetime,
    sedation: bool | None = None,
) -> BookingPreview:
    """The holds and checklist `appointment_book` would create for this case. Reads only."""
    sedation = procedure_type.sedation if sedation is None else sedation
    span = case_span(procedure_type, room, start)
    plan = case_plan(
        case_input(
            patient=patient,
            procedure_type=procedure_type,
            region=region,
            start=span.start,
            end=span.end,
            sedation=sedation,
        ),
        timing(),
    )
    checklist = []
    for template in plan.checklist:
        done, value = False, ""
        if template.condition == ChecklistCondition.PRIOR_AUTH:
            authorization = procedure_selectors.covering_authorization(
                patient.pk, procedure_type.pk, local_date(span.start)
            )
            if authorization is not None:
                done, value = True, authorization.number
        checklist.append(
            ChecklistPreview(template.code, template.label, template.required, done, value)
        )
    return BookingPreview(
        patient=patient,
        procedure_type=procedure_type,
        region=region,
        side=side,
        provider=provider,
        room=room,
        sedation=sedation,
        span=span,
        holds=plan.holds,
        checklist=tuple(checklist),
    )
