"""The one re-plan of a booked case: read its facts, plan it, write the difference.

Data flows one way. `case_input` reads what the plan depends on; `procedures.plan.case_plan`
computes the whole plan (holds, checklist, booking reminders) as plain values; `replan`
applies the difference to the rows in the caller's transaction:
- holds are replaced when their dates changed;
- checklist items that still apply keep their ticks, new ones are added, ones that no longer
  apply are removed with an audit event; values taken on the day reopen when the day moves,
  and the prior authorization item follows the approved authorization covering the date;
- a pending booking reminder the plan still wants stays; one it no longer wants is
  cancelled; a reminder already sent is never written again;
- the case is flagged when a hold can no longer be met or when its room or hours no longer
  fit, and the flag clears when they do again.

Booking, moving and every later change of the facts (drugs, flags, payer, authorizations,
the catalog, hours, closures, rooms) call `replan`, so a case booked last month has the plan
the same case booked now would get.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from clinic import audit
from clinic.models import Patient
from procedures import selectors as procedure_selectors
from procedures.clock import QuietHours, clock_time
from procedures.holds import HoldInstruction
from procedures.models import ChecklistCondition, Drug, ProcedureType, ValueKind
from procedures.plan import (
    CaseInput,
    CasePlan,
    PlannedHold,
    PlannedReminder,
    ReminderSpec,
    TemplateSpec,
    Timing,
    case_plan,
    context_json,
)
from scheduling.attention import HOLD, HOURS, ROOM, set_attention
from scheduling.availability import clinic_zone, local_date
from scheduling.models import (
    Appointment,
    AppointmentHold,
    ChecklistItem,
    Reminder,
    ReminderStatus,
    Status,
)
from scheduling.place import hours_problem, room_problem
from scheduling.reminders import nudge
from scheduling.reminders.plan import BOOKED, when_due

Actor = AbstractBaseUser | None


def timing() -> Timing:
    zone = clinic_zone()
    quiet = QuietHours(
        clock_time(settings.REMINDER_QUIET_START), clock_time(settings.REMINDER_QUIET_END), zone
    )
    return Timing(quiet, clock_time(settings.REMINDER_HOLD_STOP_TIME))


def hold_instructions(
    *, patient_id: int, procedure_type: ProcedureType, region: str
) -> list[HoldInstruction]:
    """What the hold table says about the patient's current drugs before this procedure at
    this region: the holds, then the drugs it leaves to the prescriber."""
    risk = procedure_selectors.bleeding_risk(procedure_type, region)
    return procedure_selectors.hold_instructions(
        patient_id, risk
    ) + procedure_selectors.prescriber_decisions(patient_id, risk)


def case_input(
    *,
    patient: Patient,
    procedure_type: ProcedureType,
    region: str,
    start: dt.datetime,
    end: dt.datetime,
    sedation: bool,
    now: dt.datetime | None = None,
    holds: Iterable[HoldInstruction] | None = None,
    templates: tuple[TemplateSpec, ...] | None = None,
    reminder_rules: tuple[ReminderSpec, ...] | None = None,
) -> CaseInput:
    """Everything a case's plan depends on, read from the tables (the demo's past passes
    the parts it has already read)."""
    if holds is None:
        holds = hold_instructions(
            patient_id=patient.pk, procedure_type=procedure_type, region=region
        )
    if templates is None:
        templates = procedure_selectors.template_specs()
    if reminder_rules is None:
        reminder_rules = procedure_selectors.booking_reminder_specs(
            patient.payer_id, procedure_type.pk
        )
    return CaseInput(
        procedure=procedure_type.code,
        steroid=procedure_type.steroid,
        fluoroscopy=procedure_type.requires_fluoroscopy,
        contrast=procedure_type.uses_contrast,
        start=start,
        end=end,
        sedation=sedation,
        diabetic=patient.diabetic,
        could_be_pregnant=patient.could_be_pregnant,
        contrast_allergy=patient.contrast_allergy,
        prior_auth_needed=procedure_selectors.prior_auth_needed(patient.payer_id, procedure_type),
        holds=tuple(holds),
        templates=templates,
        reminder_rules=reminder_rules,
        now=now or timezone.now(),
    )


def plan_for(appointment: Appointment, now: dt.datetime | None = None) -> CasePlan:
    """The plan the case's facts give now (what booking it now would write)."""
    return case_plan(
        case_input(
            patient=appointment.patient,
            procedure_type=appointment.procedure_type,
            region=appointment.region,
            start=appointment.start,
            end=appointment.end,
            sedation=appointment.sedation,
            now=now,
        ),
        timing(),
    )


def replan(
    appointment: Appointment,
    *,
    actor: Actor = None,
    day_changed: bool = False,
    new: bool = False,
    place_checked: bool = False,
) -> CasePlan | None:
    """Bring a scheduled case's holds, checklist, reminders and flags in line with its facts.
    Runs in the caller's transaction; a case no longer scheduled is left as it is.

    `new`: the case was inserted in this transaction and has no rows yet (nothing to read
    back). `place_checked`: the caller has just checked the room and hours in this
    transaction (booking and moving refuse a place that does not fit), so they are clear.
    """
    if appointment.status != Status.SCHEDULED:
        return None
    now = timezone.now()
    plan = plan_for(appointment, now)
    _write_holds(appointment, plan, new=new)
    _write_checklist(appointment, plan, actor=actor, day_changed=day_changed, new=new)
    _write_reminders(appointment, plan, now, new=new)
    set_attention(appointment, HOLD, _hold_sentence(appointment, plan))
    room = hours = ""
    if not place_checked:
        room = room_problem(appointment.room, appointment.procedure_type)
        hours = hours_problem(
            provider=appointment.provider,
            room=appointment.room,
            start=appointment.start,
            end=appointment.end,
        )
    set_attention(appointment, ROOM, _then_reschedule(room))
    set_attention(appointment, HOURS, _then_reschedule(hours))
    return plan


def upcoming(patient_ids: Iterable[int] | None = None) -> QuerySet[Appointment]:
    """Scheduled cases not yet started: the ones a change of facts re-plans."""
    cases = Appointment.objects.filter(status=Status.SCHEDULED, start__gte=timezone.now())
    if patient_ids is not None:
        cases = cases.filter(patient_id__in=list(patient_ids))
    return cases.select_related("procedure_type", "patient", "provider", "room")


def replan_patient(
    patient_id: int, *, actor: Actor = None, procedure_type_id: int | None = None
) -> None:
    """Re-plan a patient's upcoming cases (of one procedure, when given); the caller holds
    the patient's lock."""
    cases = upcoming([patient_id])
    if procedure_type_id is not None:
        cases = cases.filter(procedure_type_id=procedure_type_id)
    for case in cases.order_by("start"):
        replan(case, actor=actor)


def replan_all(cases: QuerySet[Appointment], *, actor: Actor = None) -> int:
    """Re-plan each case, under its patient's lock (taken in patient order, as every writer
    does, so two re-plans never wait on each other in a cycle). The number of cases."""
    count = 0
    with transaction.atomic():
        patient_ids = sorted(set(cases.values_list("patient_id", flat=True)))
        for patient_id in patient_ids:
            Patient.objects.select_for_update().filter(pk=patient_id).first()
            for case in cases.filter(patient_id=patient_id).order_by("start"):
                replan(case, actor=actor)
                count += 1
    return count


def _then_reschedule(problem: str) -> str:
    return f"{problem} Reschedule this case." if problem else ""


def _hold_sentence(appointment: Appointment, plan: CasePlan) -> str:
    if not plan.missed:
        return ""
    names = " and ".join(f"{h.drug_name} ({h.hold_days} days)" for h in plan.missed)
    return (
        f"Hold cannot be met: {names} had to stop before the case on "
        f"{local_date(appointment.start):%a %d %b %Y}, and that last dose day has passed. "
        "Reschedule, or confirm a plan with the prescriber."
    )


# --- holds ------------------------------------------------------------------------------------


def hold_row(
    appointment: Appointment, planned: PlannedHold, drug_ids: dict[str, int]
) -> AppointmentHold:
    hold, dates = planned.instruction, planned.dates
    return AppointmentHold(
        appointment=appointment,
        drug_id=drug_ids[hold.drug],
        bleeding_risk=hold.bleeding_risk,
        hold_days=hold.hold_days,
        hold_hours=hold.hold_hours,
        last_dose_on=dates.last_dose_on,
        first_day_without=dates.first_day_without,
        last_dose_at=dates.last_dose_at,
        resume_at=dates.resume_at,
        inr_required=hold.inr_required,
    )


HOLD_FIELDS = (
    "drug_id",
    "bleeding_risk",
    "hold_days",
    "hold_hours",
    "last_dose_on",
    "first_day_without",
    "last_dose_at",
    "resume_at",
    "inr_required",
)


def _hold_key(row: AppointmentHold) -> tuple[object, ...]:
    return tuple(getattr(row, name) for name in HOLD_FIELDS)


def _write_holds(appointment: Appointment, plan: CasePlan, *, new: bool) -> None:
    drugs = procedure_selectors.drugs_by_code()
    drug_ids = {code: drug.pk for code, drug in drugs.items()}
    wanted = [hold_row(appointment, planned, drug_ids) for planned in plan.holds]
    if not new:
        existing = list(appointment.holds.all())
        if sorted(map(_hold_key, existing), key=repr) == sorted(map(_hold_key, wanted), key=repr):
            return
        AppointmentHold.objects.filter(appointment=appointment).delete()
    if wanted:
        AppointmentHold.objects.bulk_create(wanted)
    _keep_holds(appointment, wanted, drugs)


def _keep_holds(
    appointment: Appointment, rows: list[AppointmentHold], drugs: dict[str, Drug]
) -> None:
    """Leave the holds just written on the case, as a prefetch would (the way Django fills
    one), so whoever shows the case next (the booking's answer) does not read them back."""
    by_id = {drug.pk: drug for drug in drugs.values()}
    for row in rows:
        row.drug = by_id[row.drug_id]
    kept = AppointmentHold.objects.filter(appointment=appointment)
    kept._result_cache = sorted(rows, key=lambda row: row.drug.name)
    # Django's prefetch protocol (what prefetch_related_objects sets), unannotated in stubs.
    kept._prefetch_done = True  # type: ignore[attr-defined]
    appointment._prefetched_objects_cache = {  # type: ignore[attr-defined]
        **getattr(appointment, "_prefetched_objects_cache", {}),
        "holds": kept,
    }


# --- checklist --------------------------------------------------------------------------------


def _reopen(item: ChecklistItem) -> None:
    if item.done or item.value:
        # A change a nurse's open page has not seen: her next save must reload first.
        item.version += 1
    item.done, item.value, item.done_at, item.done_by = False, "", None, None


def _follow_authorization(appointment: Appointment, item: ChecklistItem) -> None:
    authorization = procedure_selectors.covering_authorization(
        appointment.patient_id, appointment.procedure_type_id, local_date(appointment.start)
    )
    if authorization is None:
        _reopen(item)  # none covers the date (any more): the item is open
    elif not item.done or item.value != authorization.number:
        item.done, item.value, item.done_at = True, authorization.number, timezone.now()
        item.version += 1


ITEM_FIELDS = (
    "template",
    "label",
    "required",
    "order",
    "done",
    "value",
    "done_at",
    "done_by",
    "version",
)


def _item_state(item: ChecklistItem) -> tuple[object, ...]:
    return (
        item.template_id,
        item.label,
        item.required,
        item.order,
        item.done,
        item.value,
        item.done_at,
        item.done_by_id,
        item.version,
    )


def _write_checklist(
    appointment: Appointment, plan: CasePlan, *, actor: Actor, day_changed: bool, new: bool
) -> None:
    existing = {} if new else {item.code: item for item in appointment.checklist_items.all()}
    created, changed = [], []
    for template in plan.checklist:
        item = existing.pop(template.code, None)
        new = item is None
        if item is None:
            item = ChecklistItem(appointment=appointment, code=template.code)
        before = _item_state(item)
        item.template_id, item.label = template.pk, template.label
        item.required, item.order = template.required, template.order
        if day_changed and template.value_kind == ValueKind.NUMBER:
            _reopen(item)
        if template.condition == ChecklistCondition.PRIOR_AUTH:
            _follow_authorization(appointment, item)
        if new:
            created.append(item)
        elif _item_state(item) != before:
            changed.append(item)
    ChecklistItem.objects.bulk_create(created)
    if changed:
        ChecklistItem.objects.bulk_update(changed, ITEM_FIELDS)
    for gone in existing.values():
        audit.record(
            actor=actor,
            action="checklist.remove",
            instance=gone,
            changes={"label": gone.label, "done": gone.done, "value": gone.value},
            reason="No longer applies to this case.",
        )
        gone.delete()


# --- reminders --------------------------------------------------------------------------------


def _key(
    kind: str, at: dt.datetime, context: dict[str, object], channel: str
) -> tuple[object, ...]:
    return (kind, at, context_json(context), channel)


def _message(kind: str, at: dt.datetime, context: dict[str, object]) -> tuple[object, ...]:
    """What makes a sent reminder the same message: its kind, time and drug. A new wording
    or channel is no reason to tell the patient the same thing twice."""
    return (kind, at, context.get("drug"))


def _write_reminders(
    appointment: Appointment, plan: CasePlan, now: dt.datetime, *, new: bool
) -> None:
    channel = appointment.patient.preferred_channel
    rows = (
        Reminder.objects.none()
        if new
        else Reminder.objects.filter(appointment=appointment, trigger=BOOKED).exclude(
            status=ReminderStatus.CANCELLED
        )
    )
    pending: dict[tuple[object, ...], Reminder] = {}
    written: set[tuple[object, ...]] = set()
    for row in rows:
        at = row.planned_at or row.due_at
        if row.status == ReminderStatus.PENDING:
            pending[_key(row.kind, at, row.context, row.channel)] = row
        else:
            # Sent (or given up on): the same message is never written again.
            written.add(_message(row.kind, at, row.context))
    added = []
    for planned in plan.reminders:
        key = _key(planned.kind, planned.at, planned.context, channel)
        if pending.pop(key, None) is not None:
            continue
        if _message(planned.kind, planned.at, planned.context) in written:
            continue
        added.append(_reminder(appointment, planned, channel, now))
    if pending:
        Reminder.objects.filter(pk__in=[r.pk for r in pending.values()]).update(
            status=ReminderStatus.CANCELLED, cancelled_at=now
        )
    Reminder.objects.bulk_create(added)
    if any(r.due_at <= now for r in added):
        # After the commit, so a worker finds the rows; the nudge never fails the change.
        transaction.on_commit(nudge.dispatch_soon)


def _reminder(
    appointment: Appointment, planned: PlannedReminder, channel: str, now: dt.datetime
) -> Reminder:
    due = when_due(planned.kind, planned.at, now)
    return Reminder(
        kind=planned.kind,
        appointment=appointment,
        patient_id=appointment.patient_id,
        channel=channel,
        due_at=due,
        next_attempt_at=due,
        planned_at=planned.at,
        trigger=BOOKED,
        context=planned.context,
    )
