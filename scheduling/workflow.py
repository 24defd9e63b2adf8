"""A case's hold plan, hold reminders and checklist, rebuilt from the current facts.

Called inside the transaction that changed the case (booking, rescheduling) or the patient
(a medication added or stopped, an authorization approved), so the plan, its reminders and
its checklist never disagree with the booking. A hold that can no longer be met is not left
silently in place: the case is flagged for the nurses and the scheduler.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from clinic import audit
from clinic.models import Patient
from clinic.users import as_user
from procedures import selectors as procedure_selectors
from procedures.checklists import CaseFacts, applies
from procedures.holds import HoldDates, HoldInstruction, hold_dates
from procedures.models import (
    ChecklistCondition,
    ChecklistItemTemplate,
    PriorAuthorization,
    ProcedureType,
    ValueKind,
)
from scheduling.attention import HOLD, set_attention
from scheduling.availability import clinic_zone, local_date
from scheduling.errors import EditConflict
from scheduling.models import (
    Appointment,
    AppointmentHold,
    ChecklistItem,
    ReminderKind,
    Status,
)
from scheduling.reminders import plan as reminder_plan

HOLD_KINDS = [ReminderKind.ANTICOAGULANT_STOP, ReminderKind.ANTICOAGULANT_RESTART]
PRIOR_AUTH = "prior_auth"


def case_hold_instructions(
    *, patient_id: int, procedure_type: ProcedureType, region: str
) -> list[HoldInstruction]:
    """What the hold table says about the patient's current drugs before this procedure at
    this region: the holds, then the drugs it leaves to the prescriber (no hold, a checklist
    item)."""
    risk = procedure_selectors.bleeding_risk(procedure_type, region)
    return procedure_selectors.hold_instructions(
        patient_id, risk
    ) + procedure_selectors.prescriber_decisions(patient_id, risk)


def hold_instructions_for(appointment: Appointment) -> list[HoldInstruction]:
    return case_hold_instructions(
        patient_id=appointment.patient_id,
        procedure_type=appointment.procedure_type,
        region=appointment.region,
    )


@dataclass(frozen=True)
class PlannedHold:
    """One drug's hold for a case at a given time: what the hold table says, and its dates."""

    instruction: HoldInstruction
    dates: HoldDates

    def missed(self, now: dt.datetime) -> bool:
        return self.dates.missed(now, clinic_zone())


def plan_holds(
    instructions: list[HoldInstruction], *, start: dt.datetime, end: dt.datetime
) -> list[PlannedHold]:
    """The dates each hold gives for a case from `start` to `end`. Booking stores these; the
    booking preview shows them before anything is written, so both read them from here.
    A prescriber's decision is no hold: it has no dates, no stop or restart reminder."""
    zone = clinic_zone()
    stop_clock = reminder_plan.clock_time(settings.REMINDER_HOLD_STOP_TIME)
    notice = dt.timedelta(hours=settings.REMINDER_HOUR_HOLD_NOTICE_HOURS)
    return [
        PlannedHold(
            hold,
            hold_dates(
                hold,
                start=start,
                end=end,
                zone=zone,
                stop_clock=stop_clock,
                hour_hold_notice=notice,
            ),
        )
        for hold in instructions
        if hold.holds
    ]


def refresh_holds(appointment: Appointment) -> list[HoldInstruction]:
    """Replace the case's holds and their pending reminders; flag a hold already missed."""
    instructions = hold_instructions_for(appointment)
    appointment.holds.all().delete()
    reminder_plan.cancel_pending(appointment, kinds=HOLD_KINDS)
    now = timezone.now()
    missed = []
    for planned in plan_holds(instructions, start=appointment.start, end=appointment.end):
        hold, dates = planned.instruction, planned.dates
        AppointmentHold.objects.create(
            appointment=appointment,
            drug_id=procedure_selectors.drug_id(hold.drug),
            bleeding_risk=hold.bleeding_risk,
            hold_days=hold.hold_days,
            hold_hours=hold.hold_hours,
            last_dose_on=dates.last_dose_on,
            first_day_without=dates.first_day_without,
            last_dose_at=dates.last_dose_at,
            resume_at=dates.resume_at,
            inr_required=hold.inr_required,
        )
        context = {
            "drug": hold.drug_name,
            "last_dose_on": dates.last_dose_on.isoformat() if dates.last_dose_on else None,
            "first_day_without": (
                dates.first_day_without.isoformat() if dates.first_day_without else None
            ),
            "last_dose_at": dates.last_dose_at.isoformat() if dates.last_dose_at else None,
        }
        if planned.missed(now):
            missed.append(hold)
        else:
            reminder_plan.add_reminder(
                appointment, ReminderKind.ANTICOAGULANT_STOP, dates.stop_notice_at, context=context
            )
        reminder_plan.add_reminder(
            appointment, ReminderKind.ANTICOAGULANT_RESTART, dates.resume_at, context=context
        )
    _flag(appointment, missed)
    return instructions


def _flag(appointment: Appointment, missed: list[HoldInstruction]) -> None:
    sentence = ""
    if missed:
        names = " and ".join(f"{h.drug_name} ({h.hold_days} days)" for h in missed)
        sentence = (
            f"Hold cannot be met: {names} had to stop before the case on "
            f"{local_date(appointment.start):%a %d %b %Y}, and that last dose day has passed. "
            "Reschedule, or confirm a plan with the prescriber."
        )
    set_attention(appointment, HOLD, sentence)


def case_facts(
    *,
    patient: Patient,
    procedure_type: ProcedureType,
    sedation: bool,
    holds: list[HoldInstruction],
) -> CaseFacts:
    """What decides a case's checklist, for a booked case or one about to be booked."""
    return CaseFacts(
        procedure=procedure_type.code,
        steroid=procedure_type.steroid,
        fluoroscopy=procedure_type.requires_fluoroscopy,
        contrast=procedure_type.uses_contrast,
        sedation=sedation,
        prior_auth_needed=procedure_selectors.prior_auth_needed(patient.payer_id, procedure_type),
        diabetic=patient.diabetic,
        could_be_pregnant=patient.could_be_pregnant,
        holds_any=any(h.holds for h in holds),
        inr_needed=any(h.holds and h.inr_required for h in holds),
        prescriber_decides=any(h.prescriber_decides for h in holds),
    )


def checklist_templates_for(case: CaseFacts) -> list[ChecklistItemTemplate]:
    """The active templates that apply to a case, in checklist order."""
    return [
        template
        for template in procedure_selectors.checklist_templates()
        if applies(
            template.condition, frozenset(p.code for p in template.procedure_types.all()), case
        )
    ]


def refresh_checklist(
    appointment: Appointment, holds: list[HoldInstruction], *, day_changed: bool = False
) -> None:
    """Add the items that now apply, drop open ones that no longer do, keep what was done.

    Values taken on the day (INR, glucose) reopen when the case moves to another day, and
    the prior authorization item follows the authorizations valid on the procedure date.
    """
    case = case_facts(
        patient=appointment.patient,
        procedure_type=appointment.procedure_type,
        sedation=appointment.sedation,
        holds=holds,
    )
    existing = {item.code: item for item in appointment.checklist_items.all()}
    for template in checklist_templates_for(case):
        item = existing.pop(template.code, None)
        if item is None:
            item = ChecklistItem(appointment=appointment, code=template.code)
        item.template, item.label = template, template.label
        item.required, item.order = template.required, template.order
        if day_changed and template.value_kind == ValueKind.NUMBER:
            _reopen(item)
        if template.condition == ChecklistCondition.PRIOR_AUTH:
            _follow_authorization(appointment, item)
        item.save()
    for leftover in existing.values():
        if not leftover.done:
            leftover.delete()


def _reopen(item: ChecklistItem) -> None:
    if item.done or item.value:
        # A change a nurse's open page has not seen: her next save must reload first.
        item.version += 1
    item.done, item.value, item.done_at, item.done_by = False, "", None, None


def authorization_on_file(
    *, patient_id: int, procedure_type_id: int, start: dt.datetime
) -> PriorAuthorization | None:
    """The approved authorization that covers a case's date: booking ticks the item with it."""
    return procedure_selectors.covering_authorization(
        patient_id, procedure_type_id, local_date(start)
    )


def _follow_authorization(appointment: Appointment, item: ChecklistItem) -> None:
    authorization = authorization_on_file(
        patient_id=appointment.patient_id,
        procedure_type_id=appointment.procedure_type_id,
        start=appointment.start,
    )
    if authorization is None:
        _reopen(item)
    elif not item.done or item.value != authorization.number:
        item.done, item.value, item.done_at = True, authorization.number, timezone.now()
        item.version += 1


def refresh_case(appointment: Appointment, *, day_changed: bool = False) -> None:
    """Holds, hold reminders and checklist of a scheduled case, from the current facts."""
    if appointment.status != Status.SCHEDULED:
        return
    holds = refresh_holds(appointment)
    refresh_checklist(appointment, holds, day_changed=day_changed)


def open_required_items(appointment: Appointment) -> list[ChecklistItem]:
    return [i for i in appointment.checklist_items.all() if i.required and not i.done]


def tick(
    *,
    appointment: Appointment,
    item: ChecklistItem,
    done: bool,
    value: str | None,
    acting_user: AbstractBaseUser | None,
    expected_version: int | None = None,
) -> ChecklistItem:
    """A nurse ticks (or unticks) an item, with a value where it takes one. Audited.

    `expected_version` is the version the nurse's page or client read. The caller holds the
    appointment's lock; the version is checked again in the UPDATE itself, so a save that
    read an older version can never overwrite a newer one, whatever the caller did.
    """
    if expected_version is not None and expected_version != item.version:
        raise _conflict(item)
    before = audit.snapshot(item, ["done", "value"])
    template = item.template
    if value is not None:
        item.value = value.strip()
    if done:
        _validate_done(appointment, item, template)
        item.done, item.done_at, item.done_by = True, timezone.now(), as_user(acting_user)
    else:
        item.done, item.done_at, item.done_by = False, None, None
    changes = audit.diff(before, audit.snapshot(item, ["done", "value"]))
    if changes:
        item.changed_at, item.changed_by = timezone.now(), as_user(acting_user)
        written = ChecklistItem.objects.filter(pk=item.pk, version=item.version).update(
            done=item.done,
            value=item.value,
            done_at=item.done_at,
            done_by=item.done_by,
            changed_at=item.changed_at,
            changed_by=item.changed_by,
            version=F("version") + 1,
        )
        if not written:
            item.refresh_from_db()
            raise _conflict(item)
        item.version += 1
    audit.record(actor=acting_user, action="checklist.tick", instance=item, changes=changes)
    return item


def _conflict(item: ChecklistItem) -> EditConflict:
    who = item.changed_by.get_username() if item.changed_by else "someone else"
    when = f" at {timezone.localtime(item.changed_at):%H:%M}" if item.changed_at else ""
    return EditConflict(
        f'"{item.label}" was changed by {who}{when} after you opened it; reload to see the '
        "change, then save again if it still needs it.",
        extra={"version": item.version},
    )


def _validate_done(
    appointment: Appointment, item: ChecklistItem, template: ChecklistItemTemplate | None
) -> None:
    # An item whose template a manager deleted keeps its tick, without a value to check.
    kind = template.value_kind if template else ValueKind.NONE
    label = (template.value_label if template else "") or "A value"
    if item.code == PRIOR_AUTH:
        authorization = procedure_selectors.covering_authorization(
            appointment.patient_id, appointment.procedure_type_id, local_date(appointment.start)
        )
        if authorization is None:
            raise ValidationError(
                {"done": [f"No approved authorization covers {local_date(appointment.start)}."]}
            )
        if item.value and item.value != authorization.number:
            raise ValidationError(
                {"value": [f"The approved authorization's number is {authorization.number}."]}
            )
        item.value = authorization.number
        return
    if kind == ValueKind.NONE:
        return
    if not item.value:
        raise ValidationError({"value": [f"{label} is needed to tick this item."]})
    if kind == ValueKind.NUMBER:
        try:
            number = Decimal(item.value)
        except InvalidOperation as exc:
            raise ValidationError({"value": [f"{label} must be a number."]}) from exc
        if not number.is_finite() or number < 0:
            raise ValidationError({"value": [f"{label} must be a number of zero or more."]})
        limit = template.max_value if template else None
        if limit is not None and number > limit:
            raise ValidationError(
                {
                    "value": [
                        f"{label} {number} is above the limit of {limit}: the case cannot go ahead."
                    ]
                }
            )
