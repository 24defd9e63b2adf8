"""Writing reminder rows, inside the transaction of the change that causes them.

Booking writes the booking reminders; rescheduling replaces the pending ones; cancelling
cancels them; completing writes the follow-ups. Nothing here sends anything: a row that is
already due asks for a dispatch once the transaction has committed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from procedures.models import ReminderRule
from procedures.selectors import reminder_rules_for_set, rule_set_for_payer
from scheduling.availability import at_local, clinic_zone
from scheduling.models import Appointment, Reminder, ReminderKind, ReminderStatus
from scheduling.reminders import nudge

BOOKED, COMPLETED = ReminderRule.Trigger.BOOKED, ReminderRule.Trigger.COMPLETED


def clock_time(value: str) -> dt.time:
    """A setting's HH:MM as a time."""
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def past_evening_cut_off(moment: dt.datetime) -> bool:
    """Whether the evening's quiet hours have begun on `moment`'s clinic day: a message due
    that day would go out only the next morning."""
    quiet_start, quiet_end = (
        clock_time(settings.REMINDER_QUIET_START),
        clock_time(settings.REMINDER_QUIET_END),
    )
    # Quiet hours that do not wrap past midnight end the same day: nothing is pushed over.
    return quiet_start > quiet_end and moment.astimezone(clinic_zone()).time() >= quiet_start


def out_of_quiet_hours(moment: dt.datetime) -> dt.datetime:
    """A due time inside quiet hours (20:00-08:00 by default) moves to their end."""
    quiet_start, quiet_end = (
        clock_time(settings.REMINDER_QUIET_START),
        clock_time(settings.REMINDER_QUIET_END),
    )
    local = moment.astimezone(clinic_zone())
    clock = local.time()
    if quiet_start <= quiet_end:
        inside = quiet_start <= clock < quiet_end
        end_day = local.date()
    else:  # the usual case: quiet hours wrap past midnight
        inside = clock >= quiet_start or clock < quiet_end
        end_day = local.date() + dt.timedelta(days=1) if clock >= quiet_start else local.date()
    return at_local(end_day, quiet_end) if inside else moment


# The pain diary is asked for while the anaesthetic works, in the hours after the case: it is
# sent when due, quiet hours or not (cases end in clinic hours, DOMAIN.md).
NOT_DEFERRED = frozenset({ReminderKind.PAIN_DIARY})


def when_due(kind: str, due_at: dt.datetime, now: dt.datetime) -> dt.datetime:
    """When a reminder due at `due_at` is sent: not before it is written, and out of the
    quiet hours unless its kind cannot wait."""
    due = max(due_at, now)
    return due if kind in NOT_DEFERRED else out_of_quiet_hours(due)


def add_reminder(
    appointment: Appointment,
    kind: str,
    due_at: dt.datetime,
    *,
    trigger: str = BOOKED,
    context: dict[str, Any] | None = None,
) -> Reminder:
    now = timezone.now()
    due = when_due(kind, due_at, now)
    reminder = Reminder.objects.create(
        kind=kind,
        appointment=appointment,
        patient_id=appointment.patient_id,
        channel=appointment.patient.preferred_channel,
        due_at=due,
        next_attempt_at=due,
        trigger=trigger,
        context=context or {},
    )
    if due <= now:
        # After the commit, so a worker finds the row; the nudge never fails the booking.
        transaction.on_commit(nudge.dispatch_soon)
    return reminder


def _rules_for(appointment: Appointment, trigger: str) -> Iterable[ReminderRule]:
    """The active rows for this case, by the patient's rule set."""
    rule_set = rule_set_for_payer(appointment.patient.payer_id)
    rows = ReminderRule.objects.filter(active=True, trigger=trigger).filter(
        Q(procedure_type=appointment.procedure_type_id) | Q(procedure_type__isnull=True)
    )
    return reminder_rules_for_set(rows, rule_set.pk)


def _from_rules(appointment: Appointment, trigger: str) -> list[Reminder]:
    created = []
    for rule in _rules_for(appointment, trigger):
        anchor = appointment.start if rule.anchor == ReminderRule.Anchor.START else appointment.end
        # Offsets count on the clinic's clock: "14 days after" a 09:00 case is 09:00 across a
        # DST change. Converting first also keeps the answer independent of the anchor's
        # tzinfo (clinic zone from the API, UTC from the database): aware arithmetic is
        # wall-clock within one zone.
        due = anchor.astimezone(clinic_zone()) + dt.timedelta(minutes=rule.offset_minutes)
        if (
            rule.kind == ReminderKind.APPOINTMENT
            and out_of_quiet_hours(max(due, timezone.now())) >= appointment.start
        ):
            continue  # too late to remind of a case that will have started
        context = {"note": rule.note} if rule.note else {}
        created.append(add_reminder(appointment, rule.kind, due, trigger=trigger, context=context))
    return created


def plan_booked(appointment: Appointment) -> list[Reminder]:
    return _from_rules(appointment, BOOKED)


def plan_completed(appointment: Appointment) -> list[Reminder]:
    return _from_rules(appointment, COMPLETED)


def cancel_pending(appointment: Appointment, *, kinds: Iterable[str] | None = None) -> int:
    pending = Reminder.objects.filter(appointment=appointment, status=ReminderStatus.PENDING)
    if kinds is not None:
        pending = pending.filter(kind__in=list(kinds))
    return pending.update(status=ReminderStatus.CANCELLED, cancelled_at=timezone.now())


def replan_booked(appointment: Appointment) -> list[Reminder]:
    """The case moved: its pending booking reminders go, new ones come for the new time."""
    Reminder.objects.filter(
        appointment=appointment, status=ReminderStatus.PENDING, trigger=BOOKED
    ).update(status=ReminderStatus.CANCELLED, cancelled_at=timezone.now())
    return plan_booked(appointment)
