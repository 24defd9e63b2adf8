"""The demo's past, written straight to the tables as the services would have left it.

The services refuse a start in the past and stamp every change with the present moment, and
the product has no way to pretend the clock says otherwise (nor should it). So this module,
and only this one, writes with the ORM what happened before now, setting every field the
services would have set at the time:

- the appointment: start, end and `room_busy_until` (end plus the room's turnover), the
  sedation planned, the status and the stamp of each step (`checked_in_at`, `completed_at`,
  `no_show_at`, `cancelled_at` with `cancel_cause` and `cancel_reason`), the outcome
  (`relief_percent`, the pain scores, `outcome_recorded_at`/`_by`) once it was recorded,
  `created_by` and `created_at` (when it was booked), `updated_at` (its last change);
- its relief follow-ups (`FollowUp`: the relief asked again on the day a repeat needs it
  proved), with `recorded_at`/`_by`, as `appointment_record_follow_up` leaves them;
- its hold plan, from the same `hold_dates` booking uses, for a patient whose drug is held;
- its checklist, from the same templates and conditions as `scheduling.replan`,
  ticked by the nurse before check-in, or left open where the case fell through (the item
  behind a cancellation; everything, for a case cancelled days ahead);
- its reminders as the outbox left them, from the rows of the patient's rule set as the
  reminder plan picks them: sent when they came due before the case ended, or failed (a
  patient who cannot be reached, now and then a provider's outage), cancelled with the case,
  pending when still ahead (a relief follow-up in three months);
- one audit event per case, `appointment.demo_history`, saying that the demo wrote it: the
  audit trail records what people did through the product, and nobody did these.

It also writes the upcoming cases that were booked days ago and whose hold has begun (a
warfarin patient whose last dose was yesterday): booking those now would rightly be refused.
Everything from now on (booking, ticking, checking in) goes through the services.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Case, DateTimeField, Model, Value, When

from clinic import audit
from clinic.models import AuditEvent
from clinic.users import as_user
from procedures import selectors as procedure_selectors
from procedures.checklists import CaseFacts, applies
from procedures.holds import HoldInstruction
from procedures.models import ChecklistCondition, Drug, PatientMedication, ReminderRule
from procedures.plan import PlannedHold, checklist_facts, dated_holds
from scheduling import replan
from scheduling.availability import clinic_zone
from scheduling.demo.cases import DemoCase
from scheduling.demo.fates import ALL_OPEN
from scheduling.demo.reminder_rules import ReminderRules
from scheduling.models import (
    Appointment,
    AppointmentHold,
    ChecklistItem,
    FollowUp,
    Reminder,
    ReminderKind,
    ReminderStatus,
    Status,
)
from scheduling.reminders.plan import out_of_quiet_hours, when_due

AUDIT_NOTE = (
    "Written by seed_demo: a case from the demo clinic's past (or booked before today), "
    "recorded as the services would have recorded it at the time."
)
BOUNCE = "SMTPRecipientsRefused: 550 5.1.1 mailbox unavailable"
OUTAGE = {
    "email": "SMTPServerDisconnected: Connection unexpectedly closed",
    "sms": "SMS provider: handset unreachable (30003)",
}


class PastWriter:
    def __init__(
        self,
        *,
        now: dt.datetime,
        scheduler: AbstractBaseUser,
        nurse: AbstractBaseUser,
        rng: random.Random,
        reminder_rules: ReminderRules,
        unreachable: frozenset[int] = frozenset(),
    ) -> None:
        self.now, self.scheduler, self.nurse, self.rng = now, scheduler, nurse, rng
        self.unreachable = unreachable  # patients whose mail bounces
        self.zone = clinic_zone()
        self.timing = replan.timing()
        self.templates = procedure_selectors.checklist_templates()
        self.reminder_rules = reminder_rules
        self.drug_ids = dict(Drug.objects.values_list("code", "pk"))
        # Read once per patient and procedure, not once per case.
        self._instructions: dict[tuple[int, int, str], list[HoldInstruction]] = {}
        self._facts: dict[tuple[object, ...], CaseFacts] = {}
        # Only these patients can have a hold plan: no query for the others.
        self.with_drugs = set(
            PatientMedication.objects.filter(ended_at__isnull=True).values_list(
                "patient_id", flat=True
            )
        )

    def write(self, cases: list[DemoCase]) -> list[Appointment]:
        rows = [self._appointment(case) for case in cases]
        holds = [self._holds(row) for row in rows]
        items = [
            self._checklist(case, row, case_holds)
            for case, row, case_holds in zip(cases, rows, holds, strict=True)
        ]
        Appointment.objects.bulk_create(rows)
        _backdate(
            Appointment,
            created_at={r.pk: c.booked_at for c, r in zip(cases, rows, strict=True)},
            updated_at={r.pk: self._last_change(c) for c, r in zip(cases, rows, strict=True)},
        )
        AppointmentHold.objects.bulk_create(
            self._hold_row(row, hold)
            for row, case_holds in zip(rows, holds, strict=True)
            for hold in case_holds
        )
        ChecklistItem.objects.bulk_create(item for case_items in items for item in case_items)
        follow_ups = [
            (
                FollowUp(
                    appointment=row,
                    assessed_on=f.on,
                    relief_percent=f.relief,
                    recorded_by=as_user(self.nurse),
                ),
                f.recorded_at,
            )
            for case, row in zip(cases, rows, strict=True)
            for f in case.follow_ups
        ]
        FollowUp.objects.bulk_create(follow_up for follow_up, _ in follow_ups)
        _backdate(FollowUp, recorded_at={f.pk: at for f, at in follow_ups})
        reminders = [
            (reminder, created)
            for case, row, case_holds in zip(cases, rows, holds, strict=True)
            for reminder, created in self._reminders(case, row, case_holds)
        ]
        Reminder.objects.bulk_create(reminder for reminder, _ in reminders)
        _backdate(Reminder, created_at={r.pk: created for r, created in reminders})
        AuditEvent.objects.bulk_create(
            AuditEvent(
                action="appointment.demo_history",
                patients=[row.patient_id],
                object_type=row._meta.label_lower,
                object_id=str(row.pk),
                changes=audit.snapshot(row),
                reason=AUDIT_NOTE,
            )
            for row in rows
        )
        return rows

    # --- the appointment ----------------------------------------------------------------------

    def _appointment(self, case: DemoCase) -> Appointment:
        recorded = case.relief_known_at(self.now)
        pain = case.pain if recorded and case.pain else (None, None)
        return Appointment(
            patient=case.patient,
            procedure_type=case.procedure,
            region=case.region,
            side=case.side,
            provider=case.provider,
            room=case.room,
            equipment=case.equipment,
            start=case.start,
            end=case.end,
            room_busy_until=case.room_busy_until,
            status=case.fate,
            sedation=case.procedure.sedation if case.sedation is None else case.sedation,
            cancel_reason=case.cancel_reason,
            cancel_cause=case.cancel_cause,
            cancelled_at=case.cancelled_at,
            checked_in_at=case.checked_in_at,
            completed_at=case.completed_at,
            no_show_at=case.no_show_at,
            relief_percent=case.relief if recorded else None,
            pain_before=pain[0],
            pain_after=pain[1],
            outcome_recorded_at=case.relief_at if recorded else None,
            outcome_recorded_by=as_user(self.nurse) if recorded else None,
            created_by=as_user(self.scheduler),
        )

    def _last_change(self, case: DemoCase) -> dt.datetime:
        moments = [
            case.booked_at,
            case.checked_in_at,
            case.completed_at,
            case.no_show_at,
            case.cancelled_at,
            case.relief_at if case.relief_known_at(self.now) else None,
        ]
        return max(m for m in moments if m is not None)

    # --- the hold plan ------------------------------------------------------------------------

    def _holds(self, row: Appointment) -> list[PlannedHold]:
        if row.patient_id not in self.with_drugs:
            return []
        key = (row.patient_id, row.procedure_type_id, row.region)
        if key not in self._instructions:
            self._instructions[key] = replan.hold_instructions(
                patient_id=row.patient_id, procedure_type=row.procedure_type, region=row.region
            )
        return list(
            dated_holds(self._instructions[key], start=row.start, end=row.end, timing=self.timing)
        )

    def _hold_row(self, row: Appointment, hold: PlannedHold) -> AppointmentHold:
        return replan.hold_row(row, hold, self.drug_ids)

    # --- the checklist ------------------------------------------------------------------------

    def _checklist(
        self, case: DemoCase, row: Appointment, holds: list[PlannedHold]
    ) -> list[ChecklistItem]:
        instructions = [h.instruction for h in holds]
        key = (case.patient.pk, case.procedure.pk, row.sedation, tuple(instructions))
        if key not in self._facts:
            self._facts[key] = checklist_facts(
                replan.case_input(
                    patient=case.patient,
                    procedure_type=case.procedure,
                    region=row.region,
                    start=row.start,
                    end=row.end,
                    sedation=row.sedation,
                    holds=instructions,
                    templates=(),
                    reminder_rules=(),
                )
            )
        facts = self._facts[key]
        worked_before = {
            Status.COMPLETED: case.checked_in_at,
            Status.CHECKED_IN: case.checked_in_at,
            Status.CANCELLED: case.cancelled_at,
        }.get(case.fate)
        items = []
        for template in self.templates:
            procedures = frozenset(p.code for p in template.procedure_types.all())
            if not applies(template.condition, procedures, facts):
                continue
            item = ChecklistItem(
                appointment=row,
                template=template,
                code=template.code,
                label=template.label,
                required=template.required,
                order=template.order,
            )
            if template.condition == ChecklistCondition.PRIOR_AUTH:
                self._follow_authorization(case, row, item)
            elif worked_before is not None and not _left_open(case, item.code):
                item.done, item.done_by = True, as_user(self.nurse)
                item.done_at = worked_before - dt.timedelta(minutes=self.rng.randint(5, 50))
                item.value = _value(item.code, self.rng)
            items.append(item)
        if case.fate in (Status.COMPLETED, Status.CHECKED_IN) and any(
            i.required and not i.done for i in items
        ):
            # Checked in with an item open: only with an override, as check-in requires.
            row.check_in_override_reason = "Authorization confirmed by the payer by phone."
        return items

    def _follow_authorization(self, case: DemoCase, row: Appointment, item: ChecklistItem) -> None:
        """As booking does: an approved authorization covering the day ticks the item."""
        if case.cancel_cause == "authorization_missing":
            return
        covering = procedure_selectors.covering_authorization(
            row.patient_id, row.procedure_type_id, case.day
        )
        if covering is not None:
            item.done, item.value, item.done_at = True, covering.number, case.booked_at

    # --- the reminders ------------------------------------------------------------------------

    def _reminders(
        self, case: DemoCase, row: Appointment, holds: list[PlannedHold]
    ) -> Iterable[tuple[Reminder, dt.datetime]]:
        booked = case.booked_at
        for rule in self._rules(case, ReminderRule.Trigger.BOOKED):
            due = self._due(case, rule, booked)
            if rule.kind == ReminderKind.APPOINTMENT and due >= case.start:
                continue  # booked too late to remind of it
            yield self._reminder(case, row, rule.kind, due, "booked", _note(rule)), booked
        for hold in holds:
            context = {
                "drug": hold.instruction.drug_name,
                "last_dose_on": _iso(hold.dates.last_dose_on),
                "first_day_without": _iso(hold.dates.first_day_without),
                "last_dose_at": _iso(hold.dates.last_dose_at),
            }
            if hold.dates.stop_notice_at is not None and not hold.dates.missed(booked, self.zone):
                stop = out_of_quiet_hours(max(hold.dates.stop_notice_at, booked))
                yield (
                    self._reminder(
                        case, row, ReminderKind.ANTICOAGULANT_STOP, stop, "booked", context
                    ),
                    booked,
                )
            restart = out_of_quiet_hours(max(hold.dates.resume_at, booked))
            yield (
                self._reminder(
                    case, row, ReminderKind.ANTICOAGULANT_RESTART, restart, "booked", context
                ),
                booked,
            )
        if case.fate == Status.COMPLETED and case.completed_at is not None:
            for rule in self._rules(case, ReminderRule.Trigger.COMPLETED):
                due = self._due(case, rule, case.completed_at)
                reminder = self._reminder(case, row, rule.kind, due, "completed", _note(rule))
                yield reminder, case.completed_at

    def _rules(self, case: DemoCase, trigger: str) -> list[ReminderRule]:
        return self.reminder_rules.for_case(case.patient, case.procedure, trigger)

    def _due(self, case: DemoCase, rule: ReminderRule, written_at: dt.datetime) -> dt.datetime:
        anchor = case.start if rule.anchor == ReminderRule.Anchor.START else case.end
        due = anchor.astimezone(self.zone) + dt.timedelta(minutes=rule.offset_minutes)
        return when_due(rule.kind, due, written_at)

    def _reminder(
        self,
        case: DemoCase,
        row: Appointment,
        kind: str,
        due: dt.datetime,
        trigger: str,
        context: Mapping[str, object],
    ) -> Reminder:
        reminder = Reminder(
            kind=kind,
            appointment=row,
            patient=case.patient,
            channel=case.patient.preferred_channel,
            due_at=due,
            next_attempt_at=due,
            trigger=trigger,
            context=dict(context),
        )
        ended = _out_of_the_outbox(case, kind, trigger)
        if ended is not None and due > ended:
            reminder.status, reminder.cancelled_at = ReminderStatus.CANCELLED, ended
        elif due <= self.now:
            self._deliver(case, reminder)
        return reminder

    def _deliver(self, case: DemoCase, reminder: Reminder) -> None:
        channel = case.patient.preferred_channel
        if case.patient.pk in self.unreachable:
            # A permanent refusal: the outbox gives up at the first attempt.
            reminder.status, reminder.attempts = ReminderStatus.FAILED, 1
            reminder.last_error = BOUNCE
        elif not case.booked_before and self.rng.random() < 0.03:
            # Retried with backoff until the last attempt, then given up. Not for a case still
            # ahead (booked before its hold began): a lost stop reminder there is a case for
            # the desk's attention, which is not that case's story.
            reminder.status = ReminderStatus.FAILED
            reminder.attempts = settings.REMINDER_MAX_ATTEMPTS
            reminder.last_error = OUTAGE[channel]
        else:
            reminder.status, reminder.attempts = ReminderStatus.SENT, 1
            sent = reminder.due_at + dt.timedelta(seconds=self.rng.randint(3, 90))
            reminder.sent_at = min(sent, self.now)


def _out_of_the_outbox(case: DemoCase, kind: str, trigger: str) -> dt.datetime | None:
    """When the case's pending reminders of this kind were cancelled, if they were."""
    if case.fate == Status.CANCELLED:
        return case.cancelled_at
    if case.fate == Status.NO_SHOW:
        return case.no_show_at
    if case.fate == Status.COMPLETED and trigger == "booked" and kind == ReminderKind.APPOINTMENT:
        return case.completed_at
    return None


def _left_open(case: DemoCase, code: str) -> bool:
    if ALL_OPEN in case.open_items or code in case.open_items:
        return True
    # A hold not kept shows on the day as a raised INR as well.
    return code == "inr" and case.cancel_cause == "hold_not_met"


def _value(code: str, rng: random.Random) -> str:
    if code == "inr":
        return f"{rng.choice((1.0, 1.1, 1.1, 1.2, 1.3)):.1f}"
    if code == "glucose":
        return str(rng.randint(92, 168))
    return ""


def _note(rule: ReminderRule) -> dict[str, object]:
    return {"note": rule.note} if rule.note else {}


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _backdate(model: type[Model], **columns: dict[int, dt.datetime | None]) -> None:
    """Set stamp columns (`auto_now_add` ones included) per row, a few hundred rows a query."""
    ids = sorted(next(iter(columns.values())))
    for first in range(0, len(ids), 250):
        chunk = ids[first : first + 250]
        model._default_manager.filter(pk__in=chunk).update(
            **{
                name: Case(
                    *[When(pk=pk, then=Value(values[pk])) for pk in chunk],
                    output_field=DateTimeField(),
                )
                for name, values in columns.items()
            }
        )
